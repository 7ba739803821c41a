//! A fake AWS Partner Central Selling API speaking the SDK's real protocol (awsJson1_0), so the
//! real `aws_sdk_partnercentralselling::Client` runs against it unchanged. It serves the
//! operations the processor calls — CreateOpportunity, GetOpportunity, UpdateOpportunity,
//! AssociateOpportunity, ListOpportunities (filters incl. LastModifiedDate, Sort),
//! StartEngagementFromOpportunityTask, ListEngagementFromOpportunityTasks,
//! GetAwsOpportunitySummary, and for AWS referrals ListEngagementInvitations,
//! GetEngagementInvitation, StartEngagementByAcceptingInvitationTask,
//! ListEngagementByAcceptingInvitationTasks and RejectEngagementInvitation — and answers any
//! other with UnknownOperationException.
//! [`PartnerCentralFake::review`] plays AWS's reviewer on submitted opportunities,
//! [`PartnerCentralFake::set_aws_summary`] AWS's people changing their side of one and
//! [`PartnerCentralFake::invite`] AWS referring an opportunity to the partner. Every
//! change is announced as an EventBridge event ([`PartnerCentralFake::subscribe_events`]):
//! `Opportunity Created` on CreateOpportunity and on an accepted referral, `Opportunity
//! Updated` on UpdateOpportunity, AssociateOpportunity, a submission task's end (COMPLETE or
//! FAILED), each review decision and each AWS summary change, `Engagement Invitation
//! Created` / `Accepted` / `Rejected` / `Expired` along a referral's life, with controls for
//! best-effort and at-least-once delivery.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::partner_central::PartnerCentralFake;
//! let pc = PartnerCentralFake::start().await?;
//! let client = pc.client(); // or sandbox::partner_central::sdk_client(&pc.base_url())
//! # Ok(()) }
//! ```
//!
//! Where the rules live: `validation/` (field shapes, then business rules), `review.rs` (what
//! each LifeCycle.ReviewStatus and Stage allows), `submission.rs` (the asynchronous submission
//! task), `reviewer.rs` (AWS's review decisions), `aws_summary.rs` (AWS's side of an
//! opportunity), `referrals/` (engagement invitations, their expiry and the acceptance task),
//! `eventbridge.rs` (the events and their delivery), `ops/` (ClientToken
//! idempotency, LastModifiedDate optimistic concurrency, full-replacement updates,
//! associations, listing), `limits.rs` (quotas) and `protocol.rs` (the awsJson1_0 envelope and
//! error bodies). The rules come from the API
//! reference (<https://docs.aws.amazon.com/partner-central/latest/APIReference/Welcome.html>)
//! and the developer guide's pages on opportunity updates
//! (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/working-with-opportunity-updates.html>)
//! and quotas (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/quotas.html>).

mod aws_summary;
mod dispatch;
mod eventbridge;
mod formats;
mod limits;
mod ops;
mod protocol;
mod referrals;
mod review;
mod reviewer;
mod store;
mod submission;
mod validation;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use aws_sdk_partnercentralselling::config::retry::RetryConfig;
use aws_sdk_partnercentralselling::config::{BehaviorVersion, Credentials, Region};
use axum::Router;
use axum::routing::post;
use chrono::{DateTime, Utc};
use events::{Clock, SystemClock};
use serde_json::Value;

pub use aws_summary::{AwsSummaryChange, AwsTeamMember};
pub use eventbridge::EVENT_SOURCE;
pub use limits::{PartnerCentralFault, Rate};
pub use referrals::{CustomerAddress, DEFAULT_INVITATION_LIFETIME, NewInvitation, SenderContact};
pub use reviewer::AwsReview;

use crate::lock;
use crate::server::RunningServer;
use limits::{PendingFault, Quotas};
use store::{Opportunity, Store};

/// The partner account in opportunity ARNs.
const ACCOUNT_ID: &str = "111122223333";

/// The real task takes seconds (it creates an engagement, a resource snapshot and an
/// invitation before submitting); long enough for a client to observe `IN_PROGRESS`.
pub const DEFAULT_SUBMISSION_DELAY: Duration = Duration::from_secs(2);

/// How often the fake finishes due tasks and expires invitations on its own, so their end (and
/// its event) happens without a client having to read anything, as AWS's asynchronous tasks
/// and expiry do.
const SETTLE_TICK: Duration = Duration::from_millis(50);

/// Start-up settings. `Default`: the real quotas and the real UTC clock.
#[derive(Clone)]
pub struct PartnerCentralConfig {
    /// Write quota of the partner account, shared by all clients and catalogs (`None` =
    /// unlimited).
    pub writes: Option<Rate>,
    /// Read quota of the partner account, shared likewise (`None` = unlimited).
    pub reads: Option<Rate>,
    /// How long a StartEngagementFromOpportunityTask or StartEngagementByAcceptingInvitationTask
    /// stays `IN_PROGRESS` on the fake's clock before it ends COMPLETE or FAILED.
    pub submission_delay: Duration,
    /// "Today" for TargetCloseDate checks and the clock of the token buckets and timestamps.
    pub clock: Arc<dyn Clock>,
}

impl Default for PartnerCentralConfig {
    fn default() -> Self {
        Self {
            writes: Some(limits::WRITE_QUOTA),
            reads: Some(limits::READ_QUOTA),
            submission_delay: DEFAULT_SUBMISSION_DELAY,
            clock: Arc::new(SystemClock),
        }
    }
}

impl PartnerCentralConfig {
    /// No quotas: for tests about something other than throttling.
    pub fn unthrottled(mut self) -> Self {
        self.writes = None;
        self.reads = None;
        self
    }

    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn with_submission_delay(mut self, delay: Duration) -> Self {
        self.submission_delay = delay;
        self
    }
}

/// One API call as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The `X-Amz-Target` operation (e.g. `UpdateOpportunity`).
    pub operation: String,
    pub catalog: Option<String>,
    pub opportunity_id: Option<String>,
    /// The error `__type` answered, `None` on success.
    pub error: Option<String>,
}

/// Errors of the handle's (non-HTTP) methods.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SandboxError {
    #[error("no opportunity {0}")]
    UnknownOpportunity(String),
    /// The review lifecycle has no such step (e.g. approving an opportunity nobody submitted).
    #[error("opportunity {id}: AWS's review does not go from \"{from}\" to \"{to}\"")]
    InvalidTransition {
        id: String,
        from: String,
        to: String,
    },
    /// AWS has no side of an opportunity until a submission completes.
    #[error("opportunity {0} has not been submitted: AWS has no opportunity for it yet")]
    NotSubmitted(String),
    #[error("no engagement invitation {0}")]
    UnknownInvitation(String),
    /// Only a PENDING invitation can expire or be answered.
    #[error("engagement invitation {id} is {status}, not PENDING")]
    InvitationNotPending { id: String, status: String },
    /// A value outside the SDK enum's list.
    #[error("{field}: \"{value}\" is not one of {allowed}")]
    InvalidValue {
        field: String,
        value: String,
        allowed: String,
    },
}

#[derive(Default)]
struct Control {
    quotas: Quotas,
    faults: Vec<PendingFault>,
    calls: Vec<CallRecord>,
    writes: BTreeMap<String, usize>,
    created: usize,
    /// When each write-class call was admitted by the write quota (fake clock).
    admitted_writes: Vec<DateTime<Utc>>,
    /// Calls answered ThrottlingException by the quotas, per class.
    throttled: BTreeMap<&'static str, usize>,
}

pub(crate) struct Shared {
    store: Mutex<Store>,
    control: Mutex<Control>,
    clock: Arc<dyn Clock>,
    submission_delay: chrono::Duration,
}

impl Shared {
    /// The store with every due task settled and every overdue invitation expired: the only
    /// way to reach it, so no reader sees a task that should have finished or a PENDING
    /// invitation past its ExpirationDate.
    pub(crate) fn settled(&self) -> MutexGuard<'_, Store> {
        let mut store = lock(&self.store);
        let now = self.clock.now();
        submission::settle(&mut store, now, self.submission_delay);
        referrals::settle(&mut store, now, self.submission_delay);
        store
    }
}

/// A running fake. Inspect and steer it through the methods; it stops when dropped or when
/// [`PartnerCentralFake::shutdown`] is awaited.
pub struct PartnerCentralFake {
    shared: Arc<Shared>,
    server: RunningServer,
    _settler: Settler,
}

/// The background task finishing due tasks and expiring invitations; stops with the fake.
struct Settler(tokio::task::JoinHandle<()>);

impl Drop for Settler {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Settler {
    fn spawn(shared: &Arc<Shared>) -> Self {
        let weak = Arc::downgrade(shared);
        Self(tokio::spawn(async move {
            let mut tick = tokio::time::interval(SETTLE_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(shared) = weak.upgrade() else { break };
                drop(shared.settled());
            }
        }))
    }
}

/// An SDK client for the fake (or any endpoint) with static test credentials, us-east-1 and
/// the SDK's standard retry policy — the same client shape production builds.
pub fn sdk_client(base_url: &str) -> aws_sdk_partnercentralselling::Client {
    aws_sdk_partnercentralselling::Client::from_conf(sdk_config(base_url, RetryConfig::standard()))
}

/// Like [`sdk_client`] with the SDK's own retries off, so a test sees every throttle and 500.
pub fn sdk_client_without_retries(base_url: &str) -> aws_sdk_partnercentralselling::Client {
    aws_sdk_partnercentralselling::Client::from_conf(sdk_config(base_url, RetryConfig::disabled()))
}

fn sdk_config(base_url: &str, retry: RetryConfig) -> aws_sdk_partnercentralselling::Config {
    aws_sdk_partnercentralselling::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(protocol::REGION))
        .endpoint_url(base_url)
        .credentials_provider(Credentials::new(
            "AKIDSANDBOXEXAMPLE",
            "sandbox-secret-key",
            None,
            None,
            "sandbox",
        ))
        .retry_config(retry)
        .build()
}

impl PartnerCentralFake {
    pub async fn start() -> io::Result<Self> {
        Self::start_with(PartnerCentralConfig::default()).await
    }

    pub async fn start_with(config: PartnerCentralConfig) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new()),
            control: Mutex::new(Control {
                quotas: Quotas::new(config.reads, config.writes),
                ..Control::default()
            }),
            clock: config.clock,
            submission_delay: chrono::Duration::from_std(config.submission_delay)
                .unwrap_or(chrono::Duration::MAX),
        });
        let router = Router::new()
            .route("/", post(dispatch::handle))
            .with_state(shared.clone());
        let server = RunningServer::spawn(router, "partner-central").await?;
        let settler = Settler::spawn(&shared);
        Ok(Self {
            shared,
            server,
            _settler: settler,
        })
    }

    /// `http://127.0.0.1:<port>`, for `endpoint_url` / `AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// `sdk_client(&self.base_url())`.
    pub fn client(&self) -> aws_sdk_partnercentralselling::Client {
        sdk_client(&self.base_url())
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    // ----- inspection ------------------------------------------------------------------------

    /// Every opportunity as GetOpportunity would return it, in id order.
    pub fn opportunities(&self) -> Vec<Value> {
        self.shared
            .settled()
            .opportunities
            .values()
            .map(Opportunity::to_get_output)
            .collect()
    }

    pub fn opportunity(&self, id: &str) -> Option<Value> {
        self.shared
            .settled()
            .opportunities
            .get(id)
            .map(Opportunity::to_get_output)
    }

    /// `(RelatedEntityType, identifier)` pairs, e.g. `("Solutions", "S-0000001")`.
    pub fn associations(&self, id: &str) -> Vec<(String, String)> {
        self.shared
            .settled()
            .opportunities
            .get(id)
            .map(|o| {
                o.related
                    .iter()
                    .flat_map(|(kind, ids)| ids.iter().map(move |e| (kind.clone(), e.clone())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `Partner Referral` or (Sandbox only) `AWS Referral`; GetOpportunity does not return it.
    pub fn origin(&self, id: &str) -> Option<String> {
        self.shared
            .settled()
            .opportunities
            .get(id)
            .map(|o| o.origin.clone())
    }

    /// Opportunities actually created through the API (idempotent replays do not count).
    pub fn create_count(&self) -> usize {
        lock(&self.shared.control).created
    }

    /// Successful state-changing calls of one operation (`"UpdateOpportunity"`, …); no-ops
    /// such as idempotent replays and repeated associations do not count.
    pub fn write_count(&self, operation: &str) -> usize {
        lock(&self.shared.control)
            .writes
            .get(operation)
            .copied()
            .unwrap_or(0)
    }

    /// The most write-class calls the account's quota admitted within any one second: with
    /// every client of the account staying within 1 write/s, this is 1.
    pub fn peak_writes_per_second(&self) -> usize {
        let times = lock(&self.shared.control).admitted_writes.clone();
        let second = chrono::Duration::seconds(1);
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| **t - times[i] < second)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// When the account's quota last admitted a write-class call.
    pub fn last_admitted_write(&self) -> Option<DateTime<Utc>> {
        lock(&self.shared.control).admitted_writes.last().copied()
    }

    /// Calls the account's quotas answered with ThrottlingException: (reads, writes).
    pub fn throttled_calls(&self) -> (usize, usize) {
        let control = lock(&self.shared.control);
        let count = |class| control.throttled.get(class).copied().unwrap_or(0);
        (count("read"), count("write"))
    }

    /// Every call received, oldest first, including rejected ones.
    pub fn calls(&self) -> Vec<CallRecord> {
        lock(&self.shared.control).calls.clone()
    }

    pub fn call_count(&self, operation: &str) -> usize {
        lock(&self.shared.control)
            .calls
            .iter()
            .filter(|c| c.operation == operation)
            .count()
    }

    // ----- faults ----------------------------------------------------------------------------

    /// The next `n` calls (any operation) answer `fault`.
    pub fn fail_next(&self, n: usize, fault: PartnerCentralFault) {
        let mut control = lock(&self.shared.control);
        control.faults.extend(std::iter::repeat_n(
            PendingFault {
                operation: None,
                fault,
            },
            n,
        ));
    }

    /// The next `n` calls of `operation` answer `fault`; other operations are served.
    pub fn fail_next_op(&self, operation: &str, n: usize, fault: PartnerCentralFault) {
        let pending = PendingFault {
            operation: Some(operation.to_owned()),
            fault,
        };
        lock(&self.shared.control)
            .faults
            .extend(std::iter::repeat_n(pending, n));
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.control).faults.clear();
    }
}
