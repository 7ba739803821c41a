//! Wiring only: read the configuration, build the clients once per cold start, run the edge.

use std::sync::Arc;

use lambda_runtime::{Error, service_fn};
use processor::{Config, Function, aws};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Logged with its message (the variable's name) before the process exits.
    let config =
        Config::from_env().inspect_err(|e| tracing::error!(error = %e, "invalid configuration"))?;
    let processor = aws::build_processor(&config)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot read the HubSpot token"))?;
    let function = Function::new(processor, config.metrics_namespace, Arc::new(edge::Stdout));
    lambda_runtime::run(service_fn(|event| function.handle(event))).await
}
