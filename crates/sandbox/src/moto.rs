//! Test access to moto, the real AWS protocol server that `scripts/test.sh` starts for SQS, STS
//! and Secrets Manager. Tests that need it fail loudly when it is missing: a silently skipped
//! test would look like a passing one.

use aws_config::BehaviorVersion;
use aws_config::Region;

/// The endpoint `scripts/test.sh` exports as `MOTO_ENDPOINT`.
pub fn endpoint() -> String {
    match std::env::var("MOTO_ENDPOINT") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "MOTO_ENDPOINT is not set: this test talks to a real SQS/STS/Secrets Manager protocol \
             server. Run it through scripts/test.sh, which starts moto and exports the variable."
        ),
    }
}

/// SDK configuration pointing every service at moto, with moto's dummy credentials.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .load()
        .await
}

pub async fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk_config().await)
}

/// A name no other test uses, so tests can run in parallel against one moto.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A FIFO queue, optionally redriving to a FIFO DLQ after `max_receive_count` receives.
/// Returns (queue URL, DLQ URL).
pub async fn fifo_queue_with_dlq(
    sqs: &aws_sdk_sqs::Client,
    prefix: &str,
    max_receive_count: u32,
    visibility_timeout_secs: u32,
) -> anyhow::Result<(String, String)> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let name = unique_name(prefix);
    let dlq = sqs
        .create_queue()
        .queue_name(format!("{name}-dlq.fifo"))
        .attributes(A::FifoQueue, "true")
        .send()
        .await?;
    let dlq_url = dlq.queue_url().unwrap_or_default().to_owned();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(A::QueueArn)
        .send()
        .await?
        .attributes()
        .and_then(|a| a.get(&A::QueueArn).cloned())
        .unwrap_or_default();
    let redrive =
        serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
            .to_string();
    let queue = sqs
        .create_queue()
        .queue_name(format!("{name}.fifo"))
        .attributes(A::FifoQueue, "true")
        .attributes(A::VisibilityTimeout, visibility_timeout_secs.to_string())
        .attributes(A::RedrivePolicy, redrive)
        .send()
        .await?;
    Ok((queue.queue_url().unwrap_or_default().to_owned(), dlq_url))
}

/// Receives and deletes everything currently visible in a queue (FIFO hands out a group's next
/// message only after the previous one is deleted, so this loops until a receive comes back empty).
pub async fn drain(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> anyhow::Result<Vec<aws_sdk_sqs::types::Message>> {
    let mut all = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .visibility_timeout(30)
            .send()
            .await?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(all);
        }
        for m in &messages {
            if let Some(handle) = m.receipt_handle() {
                sqs.delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await?;
            }
        }
        all.extend(messages);
    }
}
