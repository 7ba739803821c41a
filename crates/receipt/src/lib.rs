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

/// The SDK configuration with the receipt's timeouts. HubSpot gives up on a webhook after 5 s
/// and retries a timed-out delivery just like a 503
/// (<https://developers.hubspot.com/docs/api/webhooks>), so the bounds only keep a hung call
/// from running into the function's own 10 s timeout: a call with the SDK's retries ends
/// within 4.5 s.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1000))
        .operation_attempt_timeout(Duration::from_millis(3000))
        .operation_timeout(Duration::from_millis(4500))
        .build();
    aws_config::from_env().timeout_config(timeouts).load().await
}

impl Settings {
    /// Settings for the handler from the configuration and the secrets it resolved.
    pub fn from_config(config: &Config, secrets: Option<events::ClientSecrets>) -> Self {
        Settings {
            secrets,
            public_url: config.public_url.clone(),
            max_age_ms: config.max_age_ms,
            signature_versions: config.signature_versions,
            max_body_bytes: config.max_body_bytes,
            synced: config.synced.clone(),
            send_attempts: 3,
            retry_backoff: Duration::from_millis(50),
        }
    }
}
