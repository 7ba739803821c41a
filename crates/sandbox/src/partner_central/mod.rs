//! A fake AWS Partner Central Selling API speaking the SDK's real protocol (awsJson1_0), so the
//! real `aws_sdk_partnercentralselling::Client` runs against it unchanged.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::partner_central::PartnerCentralFake;
//! let pc = PartnerCentralFake::start().await?;
//! let client = pc.client(); // or sandbox::partner_central::sdk_client(&pc.base_url())
//! # Ok(()) }
//! ```
//!
//! Where the rules live (REFERENCE.md §3): `validation/` (field shapes, then business rules),
//! `review.rs` (what each LifeCycle.ReviewStatus allows), `ops/` (ClientToken idempotency,
//! LastModifiedDate optimistic concurrency, full-replacement updates, associations,
//! submission), `limits.rs` (quotas: writes 1/s and reads 10/s per catalog by default) and
//! `protocol.rs` (the awsJson1_0 envelope and error bodies).

mod dispatch;
mod formats;
mod limits;
mod ops;
mod protocol;
mod review;
mod store;
mod validation;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_partnercentralselling::config::retry::RetryConfig;
use aws_sdk_partnercentralselling::config::{BehaviorVersion, Credentials, Region};
use axum::Router;
use axum::routing::post;
use events::{Clock, SystemClock};
use serde_json::{Map, Value};

pub use limits::{PartnerCentralFault, Rate};
pub use review::ReadOnlyError;

use crate::lock;
use crate::server::RunningServer;
use limits::{PendingFault, Quotas};
use store::{Opportunity, Store, timestamp};

/// Start-up settings. `Default`: the real quotas, the real UTC clock, strict submission rules.
#[derive(Clone)]
pub struct PartnerCentralConfig {
    /// Write quota per catalog (`None` = unlimited). Real: 1/s.
    pub writes: Option<Rate>,
    /// Read quota per catalog (`None` = unlimited). Real: 10/s.
    pub reads: Option<Rate>,
    /// "Today" for TargetCloseDate checks and the clock of the token buckets and timestamps.
    pub clock: Arc<dyn Clock>,
    /// Account id used in opportunity ARNs.
    pub account_id: String,
    /// Demand the fields needed for submission (WebsiteUrl, Industry, …) on every create and
    /// update, so incomplete mappings fail early. `false` demands them only on submission.
    pub require_submission_fields: bool,
    /// Which exception an update of a Submitted / In review opportunity gets.
    pub read_only_error: ReadOnlyError,
}

impl Default for PartnerCentralConfig {
    fn default() -> Self {
        Self {
            writes: Some(Rate {
                per_second: 1.0,
                burst: 1,
            }),
            reads: Some(Rate {
                per_second: 10.0,
                burst: 10,
            }),
            clock: Arc::new(SystemClock),
            account_id: "111122223333".to_owned(),
            require_submission_fields: true,
            read_only_error: ReadOnlyError::default(),
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
    #[error("{0:?} is not a LifeCycle.ReviewStatus value")]
    InvalidReviewStatus(String),
    #[error("seed body must be a JSON object with a valid Catalog (AWS or Sandbox)")]
    InvalidSeed,
}

struct Settings {
    account_id: String,
    require_submission_fields: bool,
    read_only_error: ReadOnlyError,
}

#[derive(Default)]
struct Control {
    quotas: Quotas,
    faults: Vec<PendingFault>,
    latency: Option<Duration>,
    calls: Vec<CallRecord>,
    writes: BTreeMap<String, usize>,
    created: usize,
}

pub(crate) struct Shared {
    store: Mutex<Store>,
    control: Mutex<Control>,
    settings: Mutex<Settings>,
    clock: Arc<dyn Clock>,
}

/// A running fake. Inspect and steer it through the methods; it stops when dropped or when
/// [`PartnerCentralFake::shutdown`] is awaited.
pub struct PartnerCentralFake {
    shared: Arc<Shared>,
    server: RunningServer,
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

pub fn sdk_config(base_url: &str, retry: RetryConfig) -> aws_sdk_partnercentralselling::Config {
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
            settings: Mutex::new(Settings {
                account_id: config.account_id,
                require_submission_fields: config.require_submission_fields,
                read_only_error: config.read_only_error,
            }),
            clock: config.clock,
        });
        let router = Router::new()
            .route("/", post(dispatch::handle))
            .with_state(shared.clone());
        let server = RunningServer::spawn(router, "partner-central").await?;
        Ok(Self { shared, server })
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
        lock(&self.shared.store)
            .opportunities
            .values()
            .map(Opportunity::to_get_output)
            .collect()
    }

    pub fn opportunity(&self, id: &str) -> Option<Value> {
        lock(&self.shared.store)
            .opportunities
            .get(id)
            .map(Opportunity::to_get_output)
    }

    pub fn review_status(&self, id: &str) -> Option<String> {
        lock(&self.shared.store)
            .opportunities
            .get(id)
            .map(|o| o.review_status.clone())
    }

    /// `(RelatedEntityType, identifier)` pairs, e.g. `("Solutions", "S-0000001")`.
    pub fn associations(&self, id: &str) -> Vec<(String, String)> {
        lock(&self.shared.store)
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

    // ----- steering --------------------------------------------------------------------------

    /// Puts an opportunity under review as if the partner had submitted it (no validation).
    pub fn submit(&self, id: &str) -> Result<(), SandboxError> {
        self.set_review_status(id, "Submitted")
    }

    /// Moves the review as AWS would: `In review`, `Approved`, `Action Required`, `Rejected`,
    /// … Bumps LastModifiedDate like any AWS-side change.
    pub fn set_review_status(&self, id: &str, status: &str) -> Result<(), SandboxError> {
        use aws_sdk_partnercentralselling::types::ReviewStatus;
        if !ReviewStatus::values().contains(&status) {
            return Err(SandboxError::InvalidReviewStatus(status.to_owned()));
        }
        let mut store = lock(&self.shared.store);
        if !store.opportunities.contains_key(id) {
            return Err(SandboxError::UnknownOpportunity(id.to_owned()));
        }
        let now = store.stamp(self.shared.clock.now());
        let opportunity = store
            .opportunities
            .get_mut(id)
            .ok_or_else(|| SandboxError::UnknownOpportunity(id.to_owned()))?;
        opportunity.review_status = status.to_owned();
        opportunity.last_modified = now;
        Ok(())
    }

    /// Stores an opportunity without validation or quotas (e.g. legacy data a stricter rule
    /// would now reject). `body` is a CreateOpportunity payload; returns the new id.
    pub fn seed_opportunity(&self, body: Value) -> Result<String, SandboxError> {
        let Value::Object(body) = body else {
            return Err(SandboxError::InvalidSeed);
        };
        let catalog = match body.get("Catalog").and_then(Value::as_str) {
            Some(c @ ("AWS" | "Sandbox")) => c.to_owned(),
            _ => return Err(SandboxError::InvalidSeed),
        };
        let account = lock(&self.shared.settings).account_id.clone();
        let mut store = lock(&self.shared.store);
        let id = store.allocate_id();
        let now = store.stamp(self.shared.clock.now());
        let mut stored = Map::new();
        for key in store::REPLACEABLE.iter().chain(["OpportunityTeam"].iter()) {
            if let Some(value) = body.get(*key).filter(|v| !v.is_null()) {
                let value = if *key == "LifeCycle" {
                    Opportunity::partner_lifecycle(value)
                } else {
                    value.clone()
                };
                stored.insert((*key).to_owned(), value);
            }
        }
        store.opportunities.insert(
            id.clone(),
            Opportunity {
                arn: format!(
                    "arn:aws:partnercentral:{}:{account}:catalog/{catalog}/opportunity/{id}",
                    protocol::REGION
                ),
                id: id.clone(),
                origin: body
                    .get("Origin")
                    .and_then(Value::as_str)
                    .unwrap_or("Partner Referral")
                    .to_owned(),
                catalog,
                created: now,
                last_modified: now,
                body: stored,
                review_status: store::PENDING_SUBMISSION.to_owned(),
                review_comments: None,
                review_status_reason: None,
                related: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    /// `Partner Referral` or (Sandbox only) `AWS Referral`; GetOpportunity does not return it.
    pub fn origin(&self, id: &str) -> Option<String> {
        lock(&self.shared.store)
            .opportunities
            .get(id)
            .map(|o| o.origin.clone())
    }

    /// The current LastModifiedDate as the API renders it.
    pub fn last_modified(&self, id: &str) -> Option<String> {
        lock(&self.shared.store)
            .opportunities
            .get(id)
            .map(|o| timestamp(o.last_modified))
    }

    // ----- faults and quotas -----------------------------------------------------------------

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

    /// Delay before every call is handled (`None` to remove).
    pub fn set_latency(&self, latency: Option<Duration>) {
        lock(&self.shared.control).latency = latency;
    }

    pub fn clear_faults(&self) {
        let mut control = lock(&self.shared.control);
        control.faults.clear();
        control.latency = None;
    }

    /// Changes the quotas at run time (buckets start full again).
    pub fn set_rates(&self, reads: Option<Rate>, writes: Option<Rate>) {
        lock(&self.shared.control).quotas = Quotas::new(reads, writes);
    }
}
