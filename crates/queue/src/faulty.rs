//! A queue that fails on command, at the seams where SQS itself fails: a send call refused
//! (throttled, unreachable, missing queue) and a delete that never happens (the function died
//! between its send and its delete). `sync-local`'s demo and the fault tests inject failures
//! through it; every other call goes to the wrapped queue unchanged.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::{Depth, FifoQueue, Queue, QueueError, ReceivedMessage, SendEntry, SendResult};

#[derive(Debug)]
pub struct FaultyQueue {
    inner: Queue,
    unavailable_sends: AtomicU32,
    refused_marker: Mutex<Option<String>>,
    fail_deletes: AtomicBool,
}

impl FaultyQueue {
    pub fn new(inner: Queue) -> Self {
        FaultyQueue {
            inner,
            unavailable_sends: AtomicU32::new(0),
            refused_marker: Mutex::new(None),
            fail_deletes: AtomicBool::new(false),
        }
    }

    /// The next `calls` send calls fail as if the queue were unavailable.
    pub fn fail_next_sends(&self, calls: u32) {
        self.unavailable_sends.store(calls, Ordering::SeqCst);
    }

    /// Every send call with a body containing `marker` fails, until cleared with `None`.
    pub fn fail_sends_containing(&self, marker: Option<&str>) {
        *self
            .refused_marker
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = marker.map(str::to_owned);
    }

    /// While set, deletes fail without deleting.
    pub fn fail_deletes(&self, fail: bool) {
        self.fail_deletes.store(fail, Ordering::SeqCst);
    }

    fn send_refused(&self, entries: &[SendEntry]) -> bool {
        let armed = self
            .unavailable_sends
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let marker = self
            .refused_marker
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        armed
            || marker
                .as_deref()
                .is_some_and(|m| entries.iter().any(|e| e.body.contains(m)))
    }
}

#[async_trait::async_trait]
impl FifoQueue for FaultyQueue {
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError> {
        if self.send_refused(entries) {
            return Err(QueueError::Unavailable(
                "injected fault: the queue is unavailable".into(),
            ));
        }
        self.inner.send_batch(entries).await
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        self.inner.receive(max, visibility, wait).await
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError> {
        if self.fail_deletes.load(Ordering::SeqCst) {
            return Err(QueueError::Unavailable(
                "injected fault: the function stopped before deleting".into(),
            ));
        }
        self.inner.delete(receipt_handle).await
    }

    async fn change_visibility(
        &self,
        receipt_handle: &str,
        visibility: Duration,
    ) -> Result<(), QueueError> {
        self.inner
            .change_visibility(receipt_handle, visibility)
            .await
    }

    async fn depth(&self) -> Result<Depth, QueueError> {
        self.inner.depth().await
    }

    fn arn(&self) -> &str {
        self.inner.arn()
    }

    fn settle_wait(&self) -> Duration {
        self.inner.settle_wait()
    }
}
