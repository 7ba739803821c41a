//! Wiring only: configuration, clients built once, then the Lambda runtime loop.

use std::sync::Arc;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use receipt::{Config, Receipt, Settings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    // Fails the cold start (and so every request, loudly) rather than run without a secret.
    let config =
        Config::from_env().inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    // HubSpot gives up after 5 s; a hung SQS call must not outlive that nor the function's 10 s.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1000))
        .operation_attempt_timeout(Duration::from_millis(3000))
        .operation_timeout(Duration::from_millis(4500))
        .build();
    let aws = aws_config::from_env().timeout_config(timeouts).load().await;
    let secrets = receipt::secrets::client_secrets(&config.secret, &aws).await?;
    let queue = queue::SqsFifo::new(aws_sdk_sqs::Client::new(&aws), &config.queue_url);
    let receipt = Receipt::new(Arc::new(queue), Settings::from_config(&config, secrets));
    let metrics = Arc::new(edge::Stdout);
    lambda_http::run(receipt::router(
        receipt,
        Arc::new(events::SystemClock),
        metrics,
        config.metrics_namespace,
    ))
    .await
}
