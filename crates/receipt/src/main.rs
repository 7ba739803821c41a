//! Wiring only: configuration, clients built once, then the Lambda runtime loop.

use std::sync::Arc;

use receipt::Config;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    // Fails the cold start (and so every request, loudly) rather than run without a secret.
    let config =
        Config::from_env().inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let receipt = receipt::build(&config, &receipt::sdk_config(&config).await).await?;
    let (clock, metrics) = (Arc::new(events::SystemClock), Arc::new(edge::Stdout));
    lambda_http::run(receipt::router(
        receipt,
        clock,
        metrics,
        config.metrics_namespace,
    ))
    .await
}
