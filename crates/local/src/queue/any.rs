//! Either queue behind one type, so the runner is not generic over its queue choice.

use std::time::Duration;

use super::{
    Depth, EmbeddedQueue, FifoQueue, QueueError, ReceivedMessage, SendEntry, SendResult, SqsFifo,
};

#[derive(Debug, Clone)]
pub enum AnyQueue {
    Embedded(EmbeddedQueue),
    Sqs(SqsFifo),
}

impl AnyQueue {
    /// How long a receive should wait before concluding "nothing deliverable" (SQS short polls
    /// can miss messages; long polling works in whole seconds).
    pub fn settle_wait(&self) -> Duration {
        match self {
            AnyQueue::Embedded(_) => Duration::from_millis(50),
            AnyQueue::Sqs(_) => Duration::from_secs(1),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            AnyQueue::Embedded(_) => "embedded",
            AnyQueue::Sqs(_) => "sqs",
        }
    }
}

impl FifoQueue for AnyQueue {
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError> {
        match self {
            AnyQueue::Embedded(q) => q.send_batch(entries).await,
            AnyQueue::Sqs(q) => q.send_batch(entries).await,
        }
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        match self {
            AnyQueue::Embedded(q) => q.receive(max, visibility, wait).await,
            AnyQueue::Sqs(q) => q.receive(max, visibility, wait).await,
        }
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError> {
        match self {
            AnyQueue::Embedded(q) => q.delete(receipt_handle).await,
            AnyQueue::Sqs(q) => q.delete(receipt_handle).await,
        }
    }

    async fn change_visibility(
        &self,
        receipt_handle: &str,
        visibility: Duration,
    ) -> Result<(), QueueError> {
        match self {
            AnyQueue::Embedded(q) => q.change_visibility(receipt_handle, visibility).await,
            AnyQueue::Sqs(q) => q.change_visibility(receipt_handle, visibility).await,
        }
    }

    async fn depth(&self) -> Result<Depth, QueueError> {
        match self {
            AnyQueue::Embedded(q) => q.depth().await,
            AnyQueue::Sqs(q) => q.depth().await,
        }
    }

    fn arn(&self) -> String {
        match self {
            AnyQueue::Embedded(q) => q.arn(),
            AnyQueue::Sqs(q) => q.arn(),
        }
    }
}
