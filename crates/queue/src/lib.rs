//! The one FIFO queue port of the pipeline. The receipt sends accepted events through it, the
//! DLQ reprocessor drains the dead-letter queue and refills the main queue through it, and the
//! processor will send follow-up work through it. Two adapters sit side by side with the same
//! semantics: [`SqsFifo`] (Amazon SQS, or anything speaking its protocol: moto, LocalStack) and
//! [`EmbeddedQueue`] (in process, for `sync-local`). `tests/it/conformance.rs` runs one set of
//! tests against both.
//!
//! The trait is object-safe (`Arc<dyn FifoQueue>`), so callers choose the queue at run time
//! without being generic over it.

pub mod embedded;
pub mod faulty;
pub mod sqs;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

pub use embedded::{EmbeddedQueue, QueueSettings};
pub use faulty::FaultyQueue;
pub use sqs::SqsFifo;

/// A shared handle to a FIFO queue.
pub type Queue = Arc<dyn FifoQueue>;

/// SQS limits the pipeline relies on
/// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html>,
/// <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html>).
pub mod limits {
    use std::time::Duration;

    /// At most 10 messages per `ReceiveMessage` and per `SendMessageBatch`.
    pub const MAX_BATCH: usize = 10;
    /// 256 KiB per message (the size every endpoint, moto included, accepts).
    pub const MAX_BODY_BYTES: usize = 256 * 1024;
    /// Group and deduplication ids are 1–128 characters.
    pub const MAX_ID_LEN: usize = 128;
    /// A FIFO queue remembers a deduplication id for 5 minutes.
    pub const DEDUP_WINDOW: Duration = Duration::from_secs(300);
    /// A message's visibility timeout is at most 12 hours.
    pub const MAX_VISIBILITY: Duration = Duration::from_secs(43_200);
    /// Long polling waits at most 20 s.
    pub const MAX_WAIT: Duration = Duration::from_secs(20);
}

/// The system attributes SQS sets on FIFO messages (and Lambda copies into `attributes`).
pub mod attribute {
    pub const MESSAGE_GROUP_ID: &str = "MessageGroupId";
    pub const MESSAGE_DEDUPLICATION_ID: &str = "MessageDeduplicationId";
    pub const APPROXIMATE_RECEIVE_COUNT: &str = "ApproximateReceiveCount";
    pub const SENT_TIMESTAMP: &str = "SentTimestamp";
    pub const APPROXIMATE_FIRST_RECEIVE_TIMESTAMP: &str = "ApproximateFirstReceiveTimestamp";
    pub const SEQUENCE_NUMBER: &str = "SequenceNumber";
    pub const SENDER_ID: &str = "SenderId";
}

/// One message to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendEntry {
    pub body: String,
    pub group_id: String,
    pub dedup_id: String,
    /// String message attributes (SQS `MessageAttributes`), e.g. why a message was rejected.
    pub attributes: BTreeMap<String, String>,
}

/// What the queue answered for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// Accepted (a duplicate within the deduplication window is accepted too, and dropped).
    Sent {
        message_id: String,
        sequence_number: String,
    },
    Failed {
        code: String,
        message: String,
        /// SQS's `SenderFault`: the entry itself is wrong and will not succeed on retry.
        sender_fault: bool,
    },
}

/// A received message, with the system attributes SQS returns for `All`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub message_id: String,
    /// Valid for this receive only; needed to delete or release the message.
    pub receipt_handle: String,
    pub body: String,
    pub md5_of_body: String,
    /// The system attributes (`MessageGroupId`, `ApproximateReceiveCount`, ...).
    pub attributes: HashMap<String, String>,
    /// The string message attributes the sender set.
    pub message_attributes: BTreeMap<String, String>,
}

impl ReceivedMessage {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    /// `ApproximateReceiveCount`: receives on the main queue and, after a redrive, the DLQ.
    pub fn receive_count(&self) -> Option<u32> {
        self.attribute(attribute::APPROXIMATE_RECEIVE_COUNT)
            .and_then(|c| c.parse().ok())
    }

    pub fn group_id(&self) -> Option<&str> {
        self.attribute(attribute::MESSAGE_GROUP_ID)
    }

    pub fn dedup_id(&self) -> Option<&str> {
        self.attribute(attribute::MESSAGE_DEDUPLICATION_ID)
    }
}

/// Visible and in-flight message counts (`ApproximateNumberOfMessages[NotVisible]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Depth {
    pub visible: u64,
    pub in_flight: u64,
}

impl Depth {
    pub fn total(self) -> u64 {
        self.visible + self.in_flight
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// The call failed (network, service): nothing can be assumed done.
    #[error("queue unavailable: {0}")]
    Unavailable(String),
    /// The receipt handle is unknown or was superseded by a later receive.
    #[error("receipt handle is invalid: {0}")]
    InvalidReceiptHandle(String),
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// A FIFO queue as the pipeline uses it: the SQS operations, nothing more.
#[async_trait::async_trait]
pub trait FifoQueue: Send + Sync + std::fmt::Debug {
    /// `SendMessageBatch` (1 to [`limits::MAX_BATCH`] entries): one result per entry, in
    /// order. `Err` means the call itself failed and nothing can be assumed sent.
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError>;

    /// `ReceiveMessage` with all system attributes. `visibility` overrides the queue's default;
    /// `wait` is long polling (returns as soon as something is deliverable).
    async fn receive(
        &self,
        max: usize,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError>;

    async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError>;

    /// `ChangeMessageVisibility`; zero makes the message deliverable again at once.
    async fn change_visibility(
        &self,
        receipt_handle: &str,
        visibility: Duration,
    ) -> Result<(), QueueError>;

    async fn depth(&self) -> Result<Depth, QueueError>;

    /// The queue's ARN (the SQS event's `eventSourceARN`).
    fn arn(&self) -> &str;

    /// How long a receive should wait before concluding "nothing deliverable": an SQS short
    /// poll samples only some servers and can answer empty while messages exist.
    fn settle_wait(&self) -> Duration;
}

/// Sends one message; a refused entry becomes an error.
pub async fn send_one(queue: &dyn FifoQueue, entry: SendEntry) -> Result<String, QueueError> {
    match queue.send_batch(std::slice::from_ref(&entry)).await?.pop() {
        Some(SendResult::Sent { message_id, .. }) => Ok(message_id),
        Some(SendResult::Failed { code, message, .. }) => {
            Err(QueueError::Invalid(format!("{code}: {message}")))
        }
        None => Err(QueueError::Unavailable("no result for the entry".into())),
    }
}

/// hex MD5 of the body, as SQS's `MD5OfBody` / Lambda's `md5OfBody`.
pub fn md5_hex(body: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(body.as_bytes()))
}
