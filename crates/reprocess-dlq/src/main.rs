//! Wiring only: configuration, the SQS client (built once), the Lambda runtime loop.

use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use queue::SqsFifo;
use reprocess_dlq::{Config, Function, Reprocessor};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config =
        Config::from_env().inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let sqs = aws_sdk_sqs::Client::new(&aws_config::load_from_env().await);
    let queues = (
        SqsFifo::new(sqs.clone(), config.queue_url),
        SqsFifo::new(sqs, config.dlq_url),
    );
    let reprocessor = Reprocessor::new(Arc::new(queues.0), Arc::new(queues.1));
    let function = Function::new(
        reprocessor,
        config.metrics_namespace,
        Arc::new(edge::Stdout),
    );
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        function.handle(event)
    }))
    .await
}
