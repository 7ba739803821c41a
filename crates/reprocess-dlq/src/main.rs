//! Wiring only: configuration, the SQS client (built once), the Lambda runtime loop.

use lambda_runtime::{LambdaEvent, service_fn};
use reprocess_dlq::{Config, Reprocessor, SqsDeadLetters};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Logged and returned as text: `main` would otherwise print the error's Debug form.
    let config = Config::from_env().map_err(|e| {
        tracing::error!(error = %e, "invalid configuration");
        lambda_runtime::Error::from(e.to_string())
    })?;
    // Default credential and endpoint chain: AWS_ENDPOINT_URL points it at moto or LocalStack.
    let aws = aws_config::load_from_env().await;
    let dead_letters = SqsDeadLetters::new(
        aws_sdk_sqs::Client::new(&aws),
        config.queue_url,
        config.dlq_url,
    );
    let reprocessor = Reprocessor::new(dead_letters);
    let reprocessor = &reprocessor;
    let namespace = config.metrics_namespace.as_str();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        reprocess_dlq::handle(reprocessor, namespace, event).await
    }))
    .await
}
