//! The Lambda edge: what turns an invocation into `handle_batch` and its answer. The Lambda
//! binary and `sync-local` both run [`Function`], so the messageId rule, the deadline and the
//! metrics are written once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use edge::MetricSink;
use events::Clock;
use lambda_runtime::LambdaEvent;

use crate::outcome::BatchReport;
use crate::ports::{Crm, Opportunities};
use crate::{Processor, all_records_identifiable};

/// Why a whole invocation fails (SQS then redelivers every record of the batch).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionError {
    /// Such a record cannot be named in `batchItemFailures`, and Lambda treats an empty or
    /// unknown `itemIdentifier` as a failure of the whole batch anyway
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html>).
    #[error("record {index} of the batch has no messageId")]
    UnidentifiableRecord { index: usize },
}

/// The processor as a Lambda function: the handler, where its metric lines go, and their
/// CloudWatch namespace. Build once per cold start.
pub struct Function<C: Crm, O: Opportunities, K: Clock> {
    processor: Processor<C, O, K>,
    metrics_namespace: String,
    metrics: Arc<dyn MetricSink>,
}

impl<C: Crm, O: Opportunities, K: Clock> Function<C, O, K> {
    pub fn new(
        processor: Processor<C, O, K>,
        metrics_namespace: impl Into<String>,
        metrics: Arc<dyn MetricSink>,
    ) -> Self {
        Function {
            processor,
            metrics_namespace: metrics_namespace.into(),
            metrics,
        }
    }

    pub fn processor(&self) -> &Processor<C, O, K> {
        &self.processor
    }

    /// One invocation from the Lambda runtime: the deadline is the context's (epoch ms).
    pub async fn handle(
        &self,
        event: LambdaEvent<SqsEvent>,
    ) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        let deadline = self.deadline(event.context.deadline);
        let report = self.invoke(event.payload, deadline).await?;
        Ok(report.response)
    }

    /// One batch with a known deadline: refuses a batch it could not answer record by record,
    /// otherwise handles it and writes its metric lines to the sink.
    pub async fn invoke(
        &self,
        event: SqsEvent,
        deadline: Instant,
    ) -> Result<BatchReport, FunctionError> {
        if !all_records_identifiable(&event) {
            let index = event
                .records
                .iter()
                .position(|r| r.message_id.as_deref().is_none_or(str::is_empty))
                .unwrap_or_default();
            let error = FunctionError::UnidentifiableRecord { index };
            tracing::error!(%error, "failing the whole batch");
            return Err(error);
        }
        let report = self.processor.handle_batch(event, deadline).await;
        let timestamp_ms = self.processor.clock().now_ms();
        for line in report.metric_lines(&self.metrics_namespace, timestamp_ms) {
            self.metrics.emit(line);
        }
        Ok(report)
    }

    /// The context deadline as an `Instant`, the time left measured on the processor's clock
    /// (so tests that hold the clock control it); a deadline already past leaves no time.
    fn deadline(&self, deadline_epoch_ms: u64) -> Instant {
        let now_ms = u64::try_from(self.processor.clock().now_ms()).unwrap_or(0);
        Instant::now() + Duration::from_millis(deadline_epoch_ms.saturating_sub(now_ms))
    }
}
