//! The processor Lambda: consumes `SyncEvent`s from the SQS FIFO queue and makes AWS Partner
//! Central opportunities match the current HubSpot deals, companies, contacts and notes.
//!
//! The handler ([`Processor`]) is generic over three ports ([`Crm`], [`Opportunities`] and the
//! workspace's [`events::Clock`]); [`Function`] is its Lambda edge, shared by `main` and
//! `sync-local`. `main` passes [`HubSpotClient`] and [`PartnerCentralClient`]. See
//! `docs/architecture.md` for the flow and why it is level-triggered.

pub mod aws;
mod batch;
pub mod domain;
mod function;
pub mod hubspot;
pub mod mapping;
mod outcome;
pub mod partner_central;
mod partner_events;
mod ports;
mod rate_limit;
pub mod reconcile;
pub mod referrals;
pub mod settings;
pub mod submission;
mod sync;

pub use batch::{MIN_TIME_TO_START, RESPONSE_MARGIN, all_records_identifiable};
use events::Clock;
pub use function::{Function, FunctionError};
pub use hubspot::HubSpotClient;
pub use outcome::{BatchReport, Outcome, RecordOutcome, Signals, metric_lines};
pub use partner_central::PartnerCentralClient;
pub use partner_events::WAITING_STATUSES;
pub use ports::{AssociatedObject, Crm, CrmError, Opportunities, OpportunityError};
pub use rate_limit::{DEFAULT_SLOT, WriteSlots};
pub use settings::{Catalog, Config, SubmitTrigger, SyncSettings, SyncTrigger};
pub use sync::{DealResult, ENGAGEMENT_SCORES, MAX_CONFLICT_RETRIES, client_token};

/// The batch handler. Build once per cold start; `handle_batch` per invocation.
pub struct Processor<C: Crm, O: Opportunities, K: Clock> {
    crm: C,
    opportunities: O,
    clock: K,
    settings: SyncSettings,
    /// Where records the Partner Central quota held up are handed back (the main queue).
    requeue: Option<queue::Queue>,
}

impl<C: Crm, O: Opportunities, K: Clock> Processor<C, O, K> {
    pub fn new(crm: C, opportunities: O, clock: K, settings: SyncSettings) -> Self {
        Processor {
            crm,
            opportunities,
            clock,
            settings,
            requeue: None,
        }
    }

    /// Records that the partner account's Partner Central quota kept from finishing are sent
    /// back to `queue` (the queue this processor consumes) instead of being failed.
    pub fn with_requeue(mut self, queue: queue::Queue) -> Self {
        self.requeue = Some(queue);
        self
    }

    pub fn settings(&self) -> &SyncSettings {
        &self.settings
    }

    /// The clock the handler reads: metric timestamps and invocation deadlines use it too.
    pub fn clock(&self) -> &K {
        &self.clock
    }
}
