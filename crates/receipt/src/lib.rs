//! The receipt Lambda: behind API Gateway, it verifies HubSpot's signature, keeps the events the
//! sync acts on and puts each on the SQS FIFO queue, answering 200 only when all of them are
//! durably queued (503 otherwise, so HubSpot retries; the deduplication id makes that safe).

pub mod config;
pub mod edge;
pub mod filter;
pub mod handler;
pub mod secrets;

use std::time::Duration;

pub use config::{Config, SecretSource};
pub use edge::router;
pub use handler::{Handled, Receipt, RequestReport, Settings, WebhookRequest};

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
