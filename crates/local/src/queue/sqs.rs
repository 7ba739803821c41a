//! [`FifoQueue`] over the SQS API (moto locally, or a real queue with `--queue-url`).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{
    MessageSystemAttributeName, QueueAttributeName, SendMessageBatchRequestEntry,
};

use super::{Depth, FifoQueue, QueueError, ReceivedMessage, SendEntry, SendResult};

/// SQS caps long polling at 20 s.
const MAX_WAIT_SECS: u64 = 20;

#[derive(Debug, Clone)]
pub struct SqsFifo {
    client: Client,
    url: String,
    arn: String,
}

impl SqsFifo {
    /// Looks the queue's ARN up once (it is the `eventSourceARN` of every SQS event).
    pub async fn connect(client: Client, url: impl Into<String>) -> Result<Self, QueueError> {
        let url = url.into();
        let attributes = client
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(unavailable)?;
        let arn = attributes
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .unwrap_or_else(|| url.clone());
        Ok(SqsFifo { client, url, arn })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

fn unavailable<E: std::error::Error + 'static>(e: E) -> QueueError {
    QueueError::Unavailable(DisplayErrorContext(&e).to_string())
}

fn secs(d: Duration) -> i32 {
    i32::try_from(d.as_secs()).unwrap_or(i32::MAX)
}

impl FifoQueue for SqsFifo {
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError> {
        let built = entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                SendMessageBatchRequestEntry::builder()
                    .id(format!("e{i}"))
                    .message_body(&e.body)
                    .message_group_id(&e.group_id)
                    .message_deduplication_id(&e.dedup_id)
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
        let mut results = Vec::with_capacity(entries.len());
        for i in 0..entries.len() {
            let id = format!("e{i}");
            if let Some(ok) = out.successful().iter().find(|s| s.id() == id) {
                results.push(SendResult::Sent {
                    message_id: ok.message_id().to_owned(),
                    sequence_number: ok.sequence_number().unwrap_or_default().to_owned(),
                });
            } else if let Some(failed) = out.failed().iter().find(|f| f.id() == id) {
                results.push(SendResult::Failed {
                    code: failed.code().to_owned(),
                    message: failed.message().unwrap_or_default().to_owned(),
                    sender_fault: failed.sender_fault(),
                });
            } else {
                results.push(SendResult::Failed {
                    code: "Missing".into(),
                    message: "SQS did not report this entry".into(),
                    sender_fault: false,
                });
            }
        }
        Ok(results)
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        let max = i32::try_from(max.clamp(1, super::MAX_BATCH)).unwrap_or(1);
        let mut request = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max)
            .wait_time_seconds(secs(wait.min(Duration::from_secs(MAX_WAIT_SECS))))
            .message_system_attribute_names(MessageSystemAttributeName::All);
        if let Some(v) = visibility {
            request = request.visibility_timeout(secs(v));
        }
        let out = request.send().await.map_err(unavailable)?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let attributes: HashMap<String, String> = m
                    .attributes
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v))
                    .collect();
                ReceivedMessage {
                    message_id: m.message_id.unwrap_or_default(),
                    receipt_handle: m.receipt_handle.unwrap_or_default(),
                    md5_of_body: m.md5_of_body.unwrap_or_default(),
                    body: m.body.unwrap_or_default(),
                    attributes,
                }
            })
            .collect())
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
            .visibility_timeout(secs(visibility))
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

    fn arn(&self) -> String {
        self.arn.clone()
    }
}
