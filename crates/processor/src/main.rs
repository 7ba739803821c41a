//! Wiring only: read the configuration, build the clients once per cold start, run the handler.

use std::time::{Duration, Instant, SystemTime};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use events::SystemClock;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use processor::{
    Config, HubSpotClient, PartnerCentralClient, Processor, all_records_identifiable, aws,
};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Logged with its message (the variable's name) before the process exits.
    let config =
        Config::from_env().inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    tracing::info!(
        catalog = config.settings.catalog.as_str(),
        assume_role = config.role_arn.is_some(),
        hubspot = config.hubspot_base_url.as_str(),
        "processor starting"
    );
    let processor = aws::build_processor(&config)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the HubSpot token"))?;
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        handle(processor, event).await
    }))
    .await
}

async fn handle(
    processor: &Processor<HubSpotClient, PartnerCentralClient, SystemClock>,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Error> {
    // A record without messageId cannot be named in batchItemFailures: fail the invocation so
    // SQS redelivers the whole batch (docs/architecture.md, "Batch semantics").
    if !all_records_identifiable(&event.payload) {
        tracing::error!("a record of the batch has no messageId; failing the whole batch");
        return Err("a record of the batch has no messageId".into());
    }
    let remaining = event
        .context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    let report = processor
        .handle_batch(event.payload, Instant::now() + remaining)
        .await;
    Ok(report.response)
}
