//! Fault injection for the demo and the fault tests, at the same seams AWS can fail: the queue
//! refusing the receipt's sends (`queue::FaultyQueue`) and the processor's invocation crashing
//! halfway through a batch (the poller's handler).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsEvent;
use processor::{Crm, Function, Opportunities};
use queue::FaultyQueue;

use crate::poller::{BatchHandler, HandledBatch};
use crate::status::RecordView;

/// Switches for fault injection: the queue the receipt sends to, and the processor's crash.
#[derive(Debug)]
pub struct Faults {
    /// The receipt's view of the main queue.
    pub queue: Arc<FaultyQueue>,
    /// The next processor invocation handles only its first k records, then crashes (as a
    /// Lambda that times out or panics after some writes). Stored as k + 1; 0 = off.
    crash_after: AtomicU32,
}

impl Faults {
    pub fn new(queue: Arc<FaultyQueue>) -> Self {
        Faults {
            queue,
            crash_after: AtomicU32::new(0),
        }
    }

    /// The receipt's next `sends` send calls fail (queue unavailable).
    pub fn queue_unavailable_for(&self, sends: u32) {
        self.queue.fail_next_sends(sends);
    }

    pub fn crash_next_batch_after(&self, records: u32) {
        self.crash_after.store(records + 1, Ordering::SeqCst);
    }

    fn take_crash(&self) -> Option<usize> {
        let k = self.crash_after.swap(0, Ordering::SeqCst);
        (k > 0).then(|| k as usize - 1)
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
