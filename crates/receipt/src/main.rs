//! Wiring only: configuration, clients built once, then the Lambda runtime loop.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use receipt::{Config, Receipt, SecretSource, Settings, SqsQueue, now_ms};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Fails the cold start (and so every request, loudly) rather than run without a secret.
    let config = Config::from_env()?;

    // HubSpot gives up after 5 s, and a timed-out delivery is retried just like a 503, so the
    // bounds only need to keep a hung call from running into the function's own timeout
    // (10 s in template.yaml): a call with the SDK's retries ends within 4.5 s.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(1000))
        .operation_attempt_timeout(Duration::from_millis(3000))
        .operation_timeout(Duration::from_millis(4500))
        .build();
    let aws = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .load()
        .await;

    let secrets = match &config.secret {
        SecretSource::Plain { current, previous } => Some(events::ClientSecrets::new(
            current.clone(),
            previous.clone(),
        )),
        SecretSource::SecretsManager { arn } => {
            let client = aws_sdk_secretsmanager::Client::new(&aws);
            Some(receipt::secrets::load_client_secrets(&client, arn).await?)
        }
        SecretSource::Disabled => None,
    };
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&aws), config.queue_url.clone());
    let receipt = Receipt::new(queue, Settings::from_config(&config, secrets));
    let receipt = &receipt;
    let namespace = config.metrics_namespace.as_str();

    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let now = now_ms();
            let handled = receipt.handle_event(event.payload, now).await;
            for line in handled.report.emf_lines(namespace, now) {
                println!("{line}");
            }
            Ok::<_, Error>(handled.response)
        },
    ))
    .await
}
