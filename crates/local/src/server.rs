//! The HTTP front of `sync-local`: the receipt Lambda's own router at `/webhook/hubspot` (the
//! same `axum::Router` that `lambda_http` runs in AWS), `GET /status` for the pipeline, and
//! `POST /reprocess-dlq`, the local `aws lambda invoke` of the reprocessor, and `POST /sweep`,
//! which queues a reconciliation sweep now.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use queue::Queue;
use serde_json::{Value, json};

use crate::status::{ReceiptView, Status};

pub const WEBHOOK_PATH: &str = "/webhook/hubspot";

pub struct AppState {
    pub status: Arc<Status>,
    pub queue: Queue,
    pub queue_kind: &'static str,
    pub dlq: Queue,
    pub reprocessor: reprocess_dlq::Function,
}

pub fn router(state: Arc<AppState>, receipt: Router) -> Router {
    // The receipt answers every method itself (405 for anything but POST).
    let receipt = receipt.layer(axum::middleware::map_response_with_state(
        state.status.clone(),
        record_receipt,
    ));
    Router::new()
        .route_service(WEBHOOK_PATH, receipt)
        .route("/status", get(status))
        .route("/reprocess-dlq", post(reprocess))
        .route("/sweep", post(sweep))
        .with_state(state)
}

/// Keeps the receipt's report (carried with its response) for `GET /status` and the demo.
async fn record_receipt(State(status): State<Arc<Status>>, response: Response) -> Response {
    if let Some(report) = response.extensions().get::<receipt::RequestReport>() {
        status.record_receipt(ReceiptView {
            correlation_id: report.correlation_id.clone(),
            status: report.status,
            received: report.received,
            enqueued: report.enqueued,
            reason: report.reason.map(str::to_owned),
        });
    }
    response
}

async fn status(State(state): State<Arc<AppState>>) -> Response {
    let queue = state.queue.depth().await;
    let dlq = state.dlq.depth().await;
    let snapshot = state.status.snapshot();
    let depth = |d: Result<queue::Depth, queue::QueueError>| match d {
        Ok(d) => json!({"visible": d.visible, "inFlight": d.in_flight}),
        Err(e) => json!({"error": e.to_string()}),
    };
    axum::Json(json!({
        "queue": {"kind": state.queue_kind, "arn": state.queue.arn(), "depth": depth(queue)},
        "dlq": {"arn": state.dlq.arn(), "depth": depth(dlq)},
        "batchesInProgress": state.status.batches_in_progress(),
        "outcomes": snapshot.outcomes,
        "receipts": {"byStatus": snapshot.receipts_by_status, "eventsEnqueued": snapshot.events_enqueued, "recent": snapshot.recent_receipts},
        "processed": {"acknowledged": snapshot.acknowledged, "batches": snapshot.batches, "invocationErrors": snapshot.invocation_errors},
        "metrics": snapshot.metrics,
        "recent": snapshot.recent,
    }))
    .into_response()
}

/// Queues a reconciliation sweep now, as the schedule rule does every interval.
async fn sweep(State(state): State<Arc<AppState>>) -> Response {
    match crate::eventbridge::send_sweep(&state.queue).await {
        Ok(message_id) => axum::Json(json!({"queued": message_id})).into_response(),
        Err(e) => {
            let error = json!({"error": e.to_string()});
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(error)).into_response()
        }
    }
}

async fn reprocess(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let payload: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                let error = json!({"error": format!("body is not JSON: {e}")});
                return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
            }
        }
    };
    match invoke_reprocessor(&state.reprocessor, payload).await {
        Ok(summary) => axum::Json(summary).into_response(),
        Err(e) => {
            let error = json!({"error": e.to_string()});
            (StatusCode::BAD_REQUEST, axum::Json(error)).into_response()
        }
    }
}

/// One invocation of the reprocessor function, with a Lambda-like 60 s budget.
pub async fn invoke_reprocessor(
    function: &reprocess_dlq::Function,
    payload: Value,
) -> Result<reprocess_dlq::ReprocessSummary, reprocess_dlq::RequestError> {
    let event = crate::invocation::event(payload, Duration::from_secs(60));
    function.handle(event).await
}
