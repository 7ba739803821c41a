//! The stand-in for Lambda's SQS event source mapping: receive up to 10 messages, invoke the
//! handler with an `SqsEvent` shaped as Lambda sends it, delete what succeeded, and leave the
//! reported failures (or the whole batch, when the handler errs) to reappear after the
//! visibility timeout — where SQS counts the receive and eventually redrives to the DLQ.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use tokio::sync::watch;
use tracing::{error, warn};

use crate::status::{RecordView, Status};
use queue::limits::MAX_BATCH;
use queue::{Queue, QueueError, ReceivedMessage};

/// What the handler answered: the Lambda response plus what happened to each record (for the
/// trail and `GET /status`).
#[derive(Debug, Clone, Default)]
pub struct HandledBatch {
    pub response: SqsBatchResponse,
    pub records: Vec<RecordView>,
}

/// The processor Lambda as the poller sees it. `Err` is a failed invocation (a crash, a
/// timeout, an error returned to the runtime): every record of the batch is retried.
pub trait BatchHandler: Send + Sync + 'static {
    fn handle(&self, event: SqsEvent) -> impl Future<Output = Result<HandledBatch, String>> + Send;
}

#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// Lambda's `BatchSize`; FIFO allows at most 10.
    pub batch_size: usize,
    /// Concurrent pollers (Lambda scales FIFO consumers per message group).
    pub workers: usize,
    /// Long-poll wait per receive.
    pub wait: Duration,
    pub region: String,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            batch_size: MAX_BATCH,
            workers: 2,
            wait: Duration::from_secs(1),
            region: "us-east-1".to_owned(),
        }
    }
}

/// The `SqsEvent` Lambda would send for these messages.
pub fn sqs_event(messages: &[ReceivedMessage], queue_arn: &str, region: &str) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .map(|m| {
            let mut record = SqsMessage::default();
            record.message_id = Some(m.message_id.clone());
            record.receipt_handle = Some(m.receipt_handle.clone());
            record.body = Some(m.body.clone());
            record.md5_of_body = Some(m.md5_of_body.clone());
            record.attributes = m.attributes.clone().into_iter().collect();
            record.event_source = Some("aws:sqs".to_owned());
            record.event_source_arn = Some(queue_arn.to_owned());
            record.aws_region = Some(region.to_owned());
            record
        })
        .collect();
    event
}

/// The message ids to leave in the queue. An empty or unknown `itemIdentifier` fails the whole
/// batch, as Lambda does.
pub fn failed_ids(messages: &[ReceivedMessage], response: &SqsBatchResponse) -> HashSet<String> {
    let ids: HashSet<&str> = messages.iter().map(|m| m.message_id.as_str()).collect();
    let reported: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    if reported.iter().any(|id| !ids.contains(id)) {
        return messages.iter().map(|m| m.message_id.clone()).collect();
    }
    reported.into_iter().map(str::to_owned).collect()
}

/// Runs one poller per handler until `stop` turns true: each handler is one function
/// instance (its own clients and client-side limits), as Lambda runs up to the event source's
/// `MaximumConcurrency` instances side by side.
pub fn spawn<H: BatchHandler>(
    queue: Queue,
    handlers: Vec<Arc<H>>,
    status: Arc<Status>,
    config: PollerConfig,
    stop: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    handlers
        .into_iter()
        .map(|handler| {
            let worker = Worker {
                queue: queue.clone(),
                handler,
                status: status.clone(),
                config: config.clone(),
            };
            tokio::spawn(worker.run(stop.clone()))
        })
        .collect()
}

struct Worker<H> {
    queue: Queue,
    handler: Arc<H>,
    status: Arc<Status>,
    config: PollerConfig,
}

impl<H: BatchHandler> Worker<H> {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            let received = tokio::select! {
                r = self.queue.receive(self.config.batch_size, None, self.config.wait) => r,
                _ = stop.changed() => return,
            };
            match received {
                Ok(messages) if messages.is_empty() => {}
                Ok(messages) => self.invoke(messages).await,
                Err(e) => {
                    warn!(error = %e, "receive failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    async fn invoke(&self, messages: Vec<ReceivedMessage>) {
        let _busy = self.status.batch_started();
        let event = sqs_event(&messages, self.queue.arn(), &self.config.region);
        let failed = match self.handler.handle(event).await {
            Ok(batch) => {
                let failed = failed_ids(&messages, &batch.response);
                self.status.record_batch(&batch.records);
                failed
            }
            Err(e) => {
                error!(error = %e, records = messages.len(), "processor invocation failed: the whole batch will be retried");
                self.status.record_invocation_error(&e);
                messages.iter().map(|m| m.message_id.clone()).collect()
            }
        };
        let done: Vec<&ReceivedMessage> = messages
            .iter()
            .filter(|m| !failed.contains(&m.message_id))
            .collect();
        let deletes = done.iter().map(|m| self.queue.delete(&m.receipt_handle));
        for (m, result) in done.iter().zip(futures::future::join_all(deletes).await) {
            match result {
                Ok(()) => self.status.record_acknowledged(m),
                // The visibility timeout expired while the batch ran and the message was
                // received again: that receive owns it now (the processor is idempotent).
                Err(QueueError::InvalidReceiptHandle(_)) => {
                    warn!(message_id = %m.message_id, "delete refused: the message was received again meanwhile")
                }
                Err(e) => warn!(message_id = %m.message_id, error = %e, "delete failed"),
            }
        }
    }
}
