//! The Lambda handlers plugged into the local queue: the receipt's `Queue` port over a
//! [`FifoQueue`], the processor as a [`BatchHandler`], and the DLQ reprocessor's
//! `DeadLetters` port — each with the switches the fault tests and the demo flip.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsEvent;
use processor::{Clock, Crm, Opportunities, Processor, all_records_identifiable};
use receipt::{EntryFailure, OutgoingMessage, QueueUnavailable};
use reprocess_dlq::{DeadLetter, DeadLetters, DeadLettersError, Redrive};

use crate::poller::{BatchHandler, HandledBatch};
use crate::queue::{AnyQueue, FifoQueue, SendEntry, SendResult, attribute};
use crate::status::RecordView;

/// Switches for fault injection, shared by the adapters.
#[derive(Debug, Default)]
pub struct Faults {
    /// The next n `SendMessageBatch` calls of the receipt fail (queue unavailable).
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

    fn take(counter: &AtomicU32) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    fn take_crash(&self) -> Option<usize> {
        let k = self.crash_after.swap(0, Ordering::SeqCst);
        (k > 0).then(|| k as usize - 1)
    }
}

/// The receipt handler's queue port.
pub struct ReceiptQueue {
    pub queue: AnyQueue,
    pub faults: Arc<Faults>,
}

impl receipt::Queue for ReceiptQueue {
    async fn send_batch(
        &self,
        messages: &[OutgoingMessage],
    ) -> Result<Vec<EntryFailure>, QueueUnavailable> {
        if Faults::take(&self.faults.queue_unavailable) {
            return Err(QueueUnavailable(
                "injected fault: the queue is unavailable".into(),
            ));
        }
        let entries: Vec<SendEntry> = messages
            .iter()
            .map(|m| SendEntry {
                body: m.body.clone(),
                group_id: m.group_id.clone(),
                dedup_id: m.dedup_id.clone(),
            })
            .collect();
        let results = self
            .queue
            .send_batch(&entries)
            .await
            .map_err(|e| QueueUnavailable(e.to_string()))?;
        Ok(messages
            .iter()
            .zip(results)
            .filter_map(|(m, r)| match r {
                SendResult::Sent { .. } => None,
                SendResult::Failed {
                    code,
                    message,
                    sender_fault,
                } => Some(EntryFailure {
                    entry_id: m.entry_id.clone(),
                    sender_fault,
                    code,
                    message,
                }),
            })
            .collect())
    }
}

/// The processor Lambda with its function timeout.
pub struct ProcessorHandler<C: Crm, O: Opportunities, K: Clock> {
    pub processor: Processor<C, O, K>,
    pub timeout: Duration,
    pub faults: Arc<Faults>,
}

impl<C, O, K> BatchHandler for ProcessorHandler<C, O, K>
where
    C: Crm + 'static,
    O: Opportunities + 'static,
    K: Clock + 'static,
{
    async fn handle(&self, mut event: SqsEvent) -> Result<HandledBatch, String> {
        // As the processor's `main` does: an unnameable record fails the invocation.
        if !all_records_identifiable(&event) {
            return Err("a record of the batch has no messageId".into());
        }
        let crash = self.faults.take_crash();
        if let Some(k) = crash {
            event.records.truncate(k);
        }
        let report = self
            .processor
            .handle_batch(event, Instant::now() + self.timeout)
            .await;
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

/// The reprocessor's port over the local (queue, DLQ) pair.
pub struct LocalDeadLetters {
    pub queue: AnyQueue,
    pub dlq: AnyQueue,
}

impl DeadLetters for LocalDeadLetters {
    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<DeadLetter>, DeadLettersError> {
        let received = self
            .dlq
            .receive(max as usize, Some(visibility), self.dlq.settle_wait())
            .await
            .map_err(|e| DeadLettersError::Receive(e.to_string()))?;
        Ok(received
            .into_iter()
            .map(|m| DeadLetter {
                group_id: m.group_id().map(str::to_owned),
                deduplication_id: m
                    .attribute(attribute::MESSAGE_DEDUPLICATION_ID)
                    .map(str::to_owned),
                receive_count: Some(m.receive_count()),
                message_id: m.message_id,
                receipt_handle: m.receipt_handle,
                body: m.body,
            })
            .collect())
    }

    async fn send(&self, message: Redrive<'_>) -> Result<(), DeadLettersError> {
        let entry = SendEntry {
            body: message.body.to_owned(),
            group_id: message.group_id.to_owned(),
            dedup_id: message.deduplication_id.to_owned(),
        };
        match self.queue.send_batch(&[entry]).await {
            Ok(results) => match results.into_iter().next() {
                Some(SendResult::Sent { .. }) => Ok(()),
                Some(SendResult::Failed { code, message, .. }) => {
                    Err(DeadLettersError::Send(format!("{code}: {message}")))
                }
                None => Err(DeadLettersError::Send("no result for the entry".into())),
            },
            Err(e) => Err(DeadLettersError::Send(e.to_string())),
        }
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), DeadLettersError> {
        self.dlq
            .delete(receipt_handle)
            .await
            .map_err(|e| DeadLettersError::Delete(e.to_string()))
    }

    async fn release(&self, receipt_handle: &str) -> Result<(), DeadLettersError> {
        self.dlq
            .change_visibility(receipt_handle, Duration::ZERO)
            .await
            .map_err(|e| DeadLettersError::Release(e.to_string()))
    }
}
