//! The queue port: where accepted events go. SQS FIFO in AWS, an in-process FIFO locally.

use std::future::Future;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

/// One message of a `SendMessageBatch` call.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage {
    /// Unique within one batch call (SQS: alphanumerics, `-`, `_`, ≤ 80 characters).
    pub entry_id: String,
    pub body: String,
    pub group_id: String,
    pub dedup_id: String,
}

/// An entry of a batch that SQS did not accept.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryFailure {
    pub entry_id: String,
    /// SQS's `SenderFault`: the entry itself is wrong and will not succeed on retry.
    pub sender_fault: bool,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("queue unavailable: {0}")]
pub struct QueueUnavailable(pub String);

/// Sends up to ten messages in one call. `Ok` lists the entries that failed (a batch can
/// partially fail); `Err` means the call itself failed and nothing can be assumed sent.
pub trait Queue: Send + Sync {
    fn send_batch(
        &self,
        messages: &[OutgoingMessage],
    ) -> impl Future<Output = Result<Vec<EntryFailure>, QueueUnavailable>> + Send;
}

/// The SQS FIFO queue behind `QUEUE_URL`.
#[derive(Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

impl Queue for SqsQueue {
    async fn send_batch(
        &self,
        messages: &[OutgoingMessage],
    ) -> Result<Vec<EntryFailure>, QueueUnavailable> {
        let entries = messages
            .iter()
            .map(|m| {
                SendMessageBatchRequestEntry::builder()
                    .id(&m.entry_id)
                    .message_body(&m.body)
                    .message_group_id(&m.group_id)
                    .message_deduplication_id(&m.dedup_id)
                    .build()
                    .map_err(|e| QueueUnavailable(format!("cannot build batch entry: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| {
                QueueUnavailable(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string())
            })?;
        Ok(output
            .failed
            .into_iter()
            .map(|f| EntryFailure {
                entry_id: f.id,
                sender_fault: f.sender_fault,
                code: f.code,
                message: f.message.unwrap_or_default(),
            })
            .collect())
    }
}
