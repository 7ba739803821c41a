//! The Lambda edge: payload in, summary out, one EMF line to the metric sink.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use edge::MetricSink;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::reprocessor::Reprocessor;
use crate::request::{ReprocessRequest, RequestError};
use crate::summary::ReprocessSummary;

/// The function as Lambda (or `sync-local`) invokes it.
pub struct Function {
    reprocessor: Reprocessor,
    metrics_namespace: String,
    metrics: Arc<dyn MetricSink>,
}

impl Function {
    pub fn new(
        reprocessor: Reprocessor,
        metrics_namespace: impl Into<String>,
        metrics: Arc<dyn MetricSink>,
    ) -> Self {
        Function {
            reprocessor,
            metrics_namespace: metrics_namespace.into(),
            metrics,
        }
    }

    /// Handles one invocation. An invalid payload is an error (the invoker sees why);
    /// everything that happens to individual messages is in the summary.
    pub async fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> Result<ReprocessSummary, RequestError> {
        let request = ReprocessRequest::from_payload(event.payload)?;
        tracing::info!(
            request_id = event.context.request_id.as_str(),
            max_messages = request.max_messages,
            dry_run = request.dry_run,
            filter = ?request.filter,
            "reprocessing the DLQ"
        );
        let deadline = instant_of(event.context.deadline(), SystemTime::now(), Instant::now());
        let summary = self.reprocessor.run(request, deadline).await;
        self.metrics
            .emit(summary.metrics_line(&self.metrics_namespace, epoch_ms(SystemTime::now())));
        Ok(summary)
    }
}

/// What `aws lambda invoke` shows as `errorType` / `errorMessage` for a refused payload.
impl From<RequestError> for lambda_runtime::Diagnostic {
    fn from(error: RequestError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: "InvalidReprocessRequest".to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// The Lambda deadline is wall-clock time; the run measures with the monotonic clock.
fn instant_of(deadline: SystemTime, now: SystemTime, now_instant: Instant) -> Instant {
    now_instant + deadline.duration_since(now).unwrap_or(Duration::ZERO)
}

fn epoch_ms(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_payloads_become_a_named_diagnostic() {
        let diagnostic = lambda_runtime::Diagnostic::from(RequestError::MaxMessagesOutOfRange(0));
        assert_eq!(diagnostic.error_type, "InvalidReprocessRequest");
        assert!(
            diagnostic
                .error_message
                .contains("maxMessages must be between 1 and 10000")
        );
    }

    #[test]
    fn deadline_becomes_an_instant() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let start = Instant::now();
        assert_eq!(
            instant_of(now + Duration::from_secs(30), now, start),
            start + Duration::from_secs(30)
        );
        // Already past (or a zero deadline from a test context): no time left.
        assert_eq!(instant_of(SystemTime::UNIX_EPOCH, now, start), start);
    }

    #[test]
    fn epoch_ms_counts_milliseconds() {
        assert_eq!(
            epoch_ms(SystemTime::UNIX_EPOCH + Duration::from_millis(1_234)),
            1_234
        );
    }
}
