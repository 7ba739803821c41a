//! The port to the queues: the FIFO dead-letter queue we drain and the main FIFO queue we refill.
//! SQS-shaped on purpose, so the AWS adapter is thin and an in-process FIFO queue (the local
//! runner) can implement it with the same semantics.

use std::future::Future;
use std::time::Duration;

/// SQS returns at most 10 messages per `ReceiveMessage`.
pub const MAX_RECEIVE_BATCH: u32 = 10;

/// One message received from the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Kept by SQS when it moves a message to the DLQ, and stable while the message stays there:
    /// the redrive deduplication id is derived from it.
    pub message_id: String,
    /// Valid for this receive only; needed to delete or release the message.
    pub receipt_handle: String,
    pub body: String,
    /// The `MessageGroupId` system attribute: the group the message had on the main queue.
    pub group_id: Option<String>,
    /// The `MessageDeduplicationId` system attribute as sent by the receipt Lambda.
    pub deduplication_id: Option<String>,
    /// The `ApproximateReceiveCount` system attribute (receives on the main queue and the DLQ).
    pub receive_count: Option<u32>,
}

/// A message for the main queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redrive<'a> {
    pub body: &'a str,
    pub group_id: &'a str,
    pub deduplication_id: &'a str,
}

/// Every failure leaves the message where it was: the caller only has to count and log it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DeadLettersError {
    #[error("receiving from the dead-letter queue failed: {0}")]
    Receive(String),
    #[error("sending to the main queue failed: {0}")]
    Send(String),
    #[error("deleting from the dead-letter queue failed: {0}")]
    Delete(String),
    #[error("releasing a message in the dead-letter queue failed: {0}")]
    Release(String),
}

/// What the reprocessor needs from the two queues.
pub trait DeadLetters {
    /// Receives up to `max` (≤ [`MAX_RECEIVE_BATCH`]) messages from the DLQ and hides them for
    /// `visibility`. An empty answer means the DLQ has nothing deliverable: it is empty, or every
    /// remaining message belongs to a group that has a message in flight (FIFO rule).
    fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> impl Future<Output = Result<Vec<DeadLetter>, DeadLettersError>> + Send;

    /// Sends one message to the main FIFO queue.
    fn send(
        &self,
        message: Redrive<'_>,
    ) -> impl Future<Output = Result<(), DeadLettersError>> + Send;

    /// Deletes a received message from the DLQ.
    fn delete(
        &self,
        receipt_handle: &str,
    ) -> impl Future<Output = Result<(), DeadLettersError>> + Send;

    /// Makes a received message visible again at once (`ChangeMessageVisibility` 0).
    fn release(
        &self,
        receipt_handle: &str,
    ) -> impl Future<Output = Result<(), DeadLettersError>> + Send;
}
