//! [`FifoQueue`] over the SQS API (Amazon SQS, or moto/LocalStack through `AWS_ENDPOINT_URL`).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{
    Message, MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};

use crate::limits::{MAX_BATCH, MAX_VISIBILITY, MAX_WAIT};
use crate::{Depth, FifoQueue, QueueError, ReceivedMessage, SendEntry, SendResult};

#[derive(Debug, Clone)]
pub struct SqsFifo {
    client: Client,
    url: String,
    arn: String,
}

impl SqsFifo {
    /// No call is made: the ARN is derived from the URL's account and name and the client's
    /// region, so a cold start costs nothing and needs no `GetQueueAttributes` permission.
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        let url = url.into();
        let region = client
            .config()
            .region()
            .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
        let arn = arn_from_url(&url, &region).unwrap_or_else(|| url.clone());
        SqsFifo { client, url, arn }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// `https://sqs.<region>.amazonaws.com/<account>/<name>` (or moto's
/// `http://host:port/<account>/<name>`) → `arn:aws:sqs:<region>:<account>:<name>`.
fn arn_from_url(url: &str, region: &str) -> Option<String> {
    let path = url.split_once("://")?.1.split_once('/')?.1;
    let (account, name) = path.trim_end_matches('/').split_once('/')?;
    let valid = !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit());
    (valid && !name.is_empty() && !name.contains('/'))
        .then(|| format!("arn:aws:sqs:{region}:{account}:{name}"))
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> QueueError {
    QueueError::Unavailable(DisplayErrorContext(&e).to_string())
}

/// Whole seconds within SQS's range, rounded up so a sub-second remainder never becomes 0
/// (= visible again at once) unless zero was asked for.
fn visibility_secs(visibility: Duration) -> i32 {
    if visibility.is_zero() {
        return 0;
    }
    let secs = visibility.as_secs() + u64::from(visibility.subsec_nanos() > 0);
    i32::try_from(secs.min(MAX_VISIBILITY.as_secs())).unwrap_or(0)
}

fn received(message: Message) -> ReceivedMessage {
    ReceivedMessage {
        message_id: message.message_id.unwrap_or_default(),
        receipt_handle: message.receipt_handle.unwrap_or_default(),
        md5_of_body: message.md5_of_body.unwrap_or_default(),
        body: message.body.unwrap_or_default(),
        attributes: message
            .attributes
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.as_str().to_owned(), v))
            .collect::<HashMap<_, _>>(),
        message_attributes: message
            .message_attributes
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.string_value.map(|v| (k, v)))
            .collect(),
    }
}

#[async_trait::async_trait]
impl FifoQueue for SqsFifo {
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError> {
        let id = |i: usize| format!("e{i}");
        let built = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let attributes = e
                    .attributes
                    .iter()
                    .map(|(k, v)| {
                        MessageAttributeValue::builder()
                            .data_type("String")
                            .string_value(v)
                            .build()
                            .map(|value| (k.clone(), value))
                    })
                    .collect::<Result<HashMap<_, _>, _>>()
                    .map_err(|err| QueueError::Invalid(err.to_string()))?;
                SendMessageBatchRequestEntry::builder()
                    .id(id(i))
                    .message_body(&e.body)
                    .message_group_id(&e.group_id)
                    .message_deduplication_id(&e.dedup_id)
                    .set_message_attributes((!attributes.is_empty()).then_some(attributes))
                    .build()
                    .map_err(|err| QueueError::Invalid(err.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = self
            .client
            .send_message_batch()
            .queue_url(&self.url)
            .set_entries(Some(built))
            .send()
            .await
            .map_err(unavailable)?;
        Ok((0..entries.len())
            .map(|i| {
                let id = id(i);
                if let Some(ok) = out.successful().iter().find(|s| s.id() == id) {
                    SendResult::Sent {
                        message_id: ok.message_id().to_owned(),
                        sequence_number: ok.sequence_number().unwrap_or_default().to_owned(),
                    }
                } else if let Some(failed) = out.failed().iter().find(|f| f.id() == id) {
                    SendResult::Failed {
                        code: failed.code().to_owned(),
                        message: failed.message().unwrap_or_default().to_owned(),
                        sender_fault: failed.sender_fault(),
                    }
                } else {
                    SendResult::Failed {
                        code: "Missing".into(),
                        message: "SQS did not report this entry".into(),
                        sender_fault: false,
                    }
                }
            })
            .collect())
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        let max = i32::try_from(max.clamp(1, MAX_BATCH)).unwrap_or(1);
        let wait = i32::try_from(wait.min(MAX_WAIT).as_secs()).unwrap_or(0);
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max)
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .set_visibility_timeout(visibility.map(visibility_secs))
            .send()
            .await
            .map_err(unavailable)?;
        let messages: Vec<ReceivedMessage> = out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(received)
            .collect();
        // SQS always sends both; a message without them could be neither deleted nor
        // released, and comes back after its visibility timeout.
        let usable: Vec<ReceivedMessage> = messages
            .iter()
            .filter(|m| !m.message_id.is_empty() && !m.receipt_handle.is_empty())
            .cloned()
            .collect();
        if usable.len() != messages.len() {
            tracing::warn!(
                received = messages.len(),
                usable = usable.len(),
                "ignored messages without a message id or receipt handle"
            );
        }
        Ok(usable)
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| match e.as_service_error() {
                Some(s) if s.is_receipt_handle_is_invalid() => {
                    QueueError::InvalidReceiptHandle(receipt_handle.to_owned())
                }
                _ => unavailable(e),
            })
    }

    async fn change_visibility(
        &self,
        receipt_handle: &str,
        visibility: Duration,
    ) -> Result<(), QueueError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(visibility_secs(visibility))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn depth(&self) -> Result<Depth, QueueError> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(unavailable)?;
        let get = |name: QueueAttributeName| {
            out.attributes()
                .and_then(|a| a.get(&name))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Ok(Depth {
            visible: get(QueueAttributeName::ApproximateNumberOfMessages),
            in_flight: get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        })
    }

    fn arn(&self) -> &str {
        &self.arn
    }

    fn settle_wait(&self) -> Duration {
        // Long polling works in whole seconds.
        Duration::from_secs(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_is_whole_seconds_within_the_sqs_range() {
        assert_eq!(visibility_secs(Duration::ZERO), 0);
        assert_eq!(visibility_secs(Duration::from_millis(1)), 1);
        assert_eq!(visibility_secs(Duration::from_millis(1_001)), 2);
        assert_eq!(visibility_secs(Duration::from_secs(900)), 900);
        assert_eq!(visibility_secs(Duration::from_secs(100_000)), 43_200);
    }

    #[test]
    fn the_arn_comes_from_the_url_and_region() {
        assert_eq!(
            arn_from_url(
                "https://sqs.eu-west-1.amazonaws.com/123456789012/sync.fifo",
                "eu-west-1"
            )
            .as_deref(),
            Some("arn:aws:sqs:eu-west-1:123456789012:sync.fifo")
        );
        assert_eq!(
            arn_from_url("http://127.0.0.1:5000/123456789012/q.fifo", "us-east-1").as_deref(),
            Some("arn:aws:sqs:us-east-1:123456789012:q.fifo")
        );
        assert_eq!(arn_from_url("not a url", "us-east-1"), None);
        assert_eq!(arn_from_url("http://host/queue-only", "us-east-1"), None);
    }
}
