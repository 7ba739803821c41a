//! The receipt Lambda: behind API Gateway, it verifies HubSpot's signature, keeps the events the
//! sync acts on and puts each on the SQS FIFO queue, answering 200 only when all of them are
//! durably queued (503 otherwise, so HubSpot retries; the deduplication id makes that safe).

pub mod config;
pub mod edge;
pub mod filter;
pub mod handler;
pub mod secrets;

use std::sync::Arc;
use std::time::Duration;

use queue::SqsFifo;

pub use config::{Config, SecretSource};
pub use edge::router;
pub use handler::{Handled, Receipt, RequestReport, Settings, WebhookRequest};

/// The SDK configuration with the receipt's timeouts: one SQS call, retries included, ends
/// within 3.5 s or the request budget, whichever is shorter. How HubSpot's 5 s, the budget,
/// these timeouts and the function's timeout relate is written down once, next to
/// `ReceiptFunction` in `template.yaml`.
pub async fn sdk_config(config: &Config) -> aws_config::SdkConfig {
    let operation = config.request_budget.min(Duration::from_millis(3500));
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1000).min(operation))
        .operation_attempt_timeout(Duration::from_millis(1500).min(operation))
        .operation_timeout(operation)
        .build();
    aws_config::from_env().timeout_config(timeouts).load().await
}

/// The receipt as the Lambda runs it: secrets resolved once, the SQS queues behind the port.
pub async fn build(
    config: &Config,
    aws: &aws_config::SdkConfig,
) -> Result<Receipt, ::edge::SecretError> {
    let secrets = secrets::client_secrets(&config.secret, aws).await?;
    let sqs = aws_sdk_sqs::Client::new(aws);
    let queue = Arc::new(SqsFifo::new(sqs.clone(), &config.queue_url));
    let receipt = Receipt::new(queue, Settings::from_config(config, secrets));
    Ok(match &config.rejected_queue_url {
        Some(url) => receipt.with_rejected_queue(Arc::new(SqsFifo::new(sqs, url))),
        None => receipt,
    })
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
            request_budget: config.request_budget,
        }
    }
}
