//! The receipt Lambda: behind API Gateway, it verifies HubSpot's signature, keeps the events the
//! sync acts on and puts each on the SQS FIFO queue, answering 200 only when all of them are
//! durably queued (503 otherwise, so HubSpot retries; the deduplication id makes that safe).

pub mod config;
pub mod filter;
pub mod gateway;
pub mod handler;
pub mod queue;
pub mod secrets;

use std::time::Duration;

pub use config::{Config, SecretSource};
pub use handler::{Handled, Receipt, RequestReport, Settings};
pub use queue::{EntryFailure, OutgoingMessage, Queue, QueueUnavailable, SqsQueue};

impl Settings {
    /// Settings for the handler from the configuration and the secrets it resolved.
    pub fn from_config(config: &Config, secrets: Option<events::ClientSecrets>) -> Self {
        Settings {
            secrets,
            public_url: config.public_url.clone(),
            max_age_ms: config.max_age_ms,
            max_body_bytes: config.max_body_bytes,
            synced: config.synced.clone(),
            send_attempts: 3,
            retry_backoff: Duration::from_millis(50),
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
