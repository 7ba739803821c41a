//! The queue port of the local runner: the SQS FIFO operations the pipeline uses, implemented
//! by the [`embedded`] in-process FIFO queue and by [`sqs::SqsFifo`] (moto or AWS). The
//! conformance suite (`tests/conformance.rs`) runs the same tests against both.

pub mod any;
pub mod clock;
pub mod embedded;
pub mod sqs;

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

pub use any::AnyQueue;
pub use clock::{ManualClock, QueueClock, WallClock};
pub use embedded::{EmbeddedQueue, QueueSettings};
pub use sqs::SqsFifo;

/// SQS: at most 10 messages per `ReceiveMessage` and per `SendMessageBatch`.
pub const MAX_BATCH: usize = 10;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendEntry {
    pub body: String,
    pub group_id: String,
    pub dedup_id: String,
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
        sender_fault: bool,
    },
}

/// A received message, with the system attributes SQS returns for `All`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub md5_of_body: String,
    pub attributes: HashMap<String, String>,
}

impl ReceivedMessage {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn receive_count(&self) -> u32 {
        self.attribute(attribute::APPROXIMATE_RECEIVE_COUNT)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    pub fn group_id(&self) -> Option<&str> {
        self.attribute(attribute::MESSAGE_GROUP_ID)
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

/// A FIFO queue as the pipeline uses it. Cloning shares the queue.
pub trait FifoQueue: Clone + Send + Sync + 'static {
    /// `SendMessageBatch` (≤ 10 entries): one result per entry, in order.
    fn send_batch(
        &self,
        entries: &[SendEntry],
    ) -> impl Future<Output = Result<Vec<SendResult>, QueueError>> + Send;

    /// `ReceiveMessage` with all system attributes. `visibility` overrides the queue's default;
    /// `wait` is long polling (returns as soon as something is deliverable).
    fn receive(
        &self,
        max: usize,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> impl Future<Output = Result<Vec<ReceivedMessage>, QueueError>> + Send;

    fn delete(&self, receipt_handle: &str) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// `ChangeMessageVisibility`; zero makes the message deliverable again at once.
    fn change_visibility(
        &self,
        receipt_handle: &str,
        visibility: Duration,
    ) -> impl Future<Output = Result<(), QueueError>> + Send;

    fn depth(&self) -> impl Future<Output = Result<Depth, QueueError>> + Send;

    /// The queue's ARN (the SQS event's `eventSourceARN`).
    fn arn(&self) -> String;
}

/// hex MD5 of the body, as SQS's `MD5OfBody` / Lambda's `md5OfBody`.
pub fn md5_hex(body: &str) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(body.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_rfc_1321_vectors() {
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    }
}
