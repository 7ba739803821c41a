//! Fault injection for the demo and the fault tests, at the same seams AWS can fail: the queue
//! refusing sends (a decorator over the queue port the receipt uses) and the processor's
//! invocation crashing halfway through a batch (the poller's handler).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsEvent;
use processor::{Crm, Function, Opportunities};
use queue::{Depth, FifoQueue, Queue, QueueError, ReceivedMessage, SendEntry, SendResult};

use crate::poller::{BatchHandler, HandledBatch};
use crate::status::RecordView;

/// Switches for fault injection, shared by the decorators.
#[derive(Debug, Default)]
pub struct Faults {
    /// The next n `SendMessageBatch` calls fail (queue unavailable).
    queue_unavailable: AtomicU32,
    /// The next processor invocation handles only its first k records, then crashes (as a
    /// Lambda that times out or panics after some writes). Stored as k + 1; 0 = off.
    crash_after: AtomicU32,
}

impl Faults {
    pub fn queue_unavailable_for(&self, sends: u32) {
        self.queue_unavailable.store(sends, Ordering::SeqCst);
    }

    pub fn crash_next_batch_after(&self, records: u32) {
        self.crash_after.store(records + 1, Ordering::SeqCst);
    }

    fn take_unavailable(&self) -> bool {
        self.queue_unavailable
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    fn take_crash(&self) -> Option<usize> {
        let k = self.crash_after.swap(0, Ordering::SeqCst);
        (k > 0).then(|| k as usize - 1)
    }
}

/// The queue as the receipt sees it: sends fail while a fault is armed.
#[derive(Debug)]
pub struct FaultyQueue {
    pub inner: Queue,
    pub faults: Arc<Faults>,
}

#[async_trait::async_trait]
impl FifoQueue for FaultyQueue {
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError> {
        if self.faults.take_unavailable() {
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

/// The processor function with its timeout, invoked by the poller.
pub struct ProcessorHandler<C: Crm, O: Opportunities, K: events::Clock> {
    pub function: Function<C, O, K>,
    pub timeout: Duration,
    pub faults: Arc<Faults>,
}

impl<C, O, K> BatchHandler for ProcessorHandler<C, O, K>
where
    C: Crm + 'static,
    O: Opportunities + 'static,
    K: events::Clock,
{
    async fn handle(&self, mut event: SqsEvent) -> Result<HandledBatch, String> {
        let crash = self.faults.take_crash();
        if let Some(k) = crash {
            event.records.truncate(k);
        }
        let report = self
            .function
            .invoke(event, Instant::now() + self.timeout)
            .await
            .map_err(|e| e.to_string())?;
        let records = report
            .outcomes
            .into_iter()
            .map(|o| RecordView {
                message_id: o.message_id,
                correlation_id: o.correlation_id,
                event_type: o.event_type,
                object_type: o.object_type,
                object_id: o.object_id,
                outcome: o.outcome.as_str().to_owned(),
                opportunity_id: o.opportunity_id,
                detail: o.detail,
            })
            .collect();
        if let Some(k) = crash {
            return Err(format!(
                "injected fault: the invocation crashed after {k} record(s)"
            ));
        }
        Ok(HandledBatch {
            response: report.response,
            records,
        })
    }
}
