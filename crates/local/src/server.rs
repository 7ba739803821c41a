//! The HTTP front: `POST /webhook/hubspot` becomes the REST API Gateway proxy event the receipt
//! Lambda gets in AWS; `GET /status` reports the pipeline; `POST /reprocess-dlq` is the local
//! `aws lambda invoke` of the reprocessor (what `sync-local reprocess-dlq` calls).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body as LambdaBody;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::adapters::{LocalDeadLetters, ReceiptQueue};
use crate::queue::{AnyQueue, FifoQueue};
use crate::status::{ReceiptView, Status};

/// The API Gateway stage the local events claim to come from.
pub const STAGE: &str = "local";
pub const WEBHOOK_PATH: &str = "/webhook/hubspot";

pub struct AppState {
    pub receipt: receipt::Receipt<ReceiptQueue>,
    pub status: Arc<Status>,
    pub queue: AnyQueue,
    pub dlq: AnyQueue,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(webhook).fallback(webhook))
        .route("/status", get(status))
        .route("/reprocess-dlq", post(reprocess))
        .with_state(state)
}

/// The REST API (`ApiGatewayProxyRequest`) event API Gateway would send for this request.
pub fn gateway_event(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    source_ip: &str,
    request_id: &str,
) -> Value {
    let mut single = serde_json::Map::new();
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        single.insert(name.as_str().to_owned(), Value::String(value.clone()));
        multi
            .entry(name.as_str().to_owned())
            .or_default()
            .push(value);
    }
    // API Gateway adds these; the receipt rebuilds the signed URL from them.
    single
        .entry("X-Forwarded-Proto")
        .or_insert_with(|| Value::String("http".into()));
    single
        .entry("X-Forwarded-For")
        .or_insert_with(|| Value::String(source_ip.to_owned()));
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query.entry(k.to_owned()).or_default().push(v.to_owned());
    }
    let single_query: BTreeMap<&String, &String> = query
        .iter()
        .filter_map(|(k, v)| v.last().map(|last| (k, last)))
        .collect();
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (BASE64.encode(body), true),
    };
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    json!({
        "resource": WEBHOOK_PATH,
        "path": uri.path(),
        "httpMethod": method.as_str(),
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": if query.is_empty() { Value::Null } else { json!(single_query) },
        "multiValueQueryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "000000000000", "apiId": "local", "resourceId": "local",
            "resourcePath": WEBHOOK_PATH, "stage": STAGE,
            "path": format!("/{STAGE}{}", uri.path()),
            "httpMethod": method.as_str(), "requestId": request_id, "domainName": host,
            "identity": {"sourceIp": source_ip}, "protocol": "HTTP/1.1",
            "requestTimeEpoch": receipt::now_ms()
        },
        "body": body,
        "isBase64Encoded": is_base64
    })
}

async fn webhook(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let event = gateway_event(
        &method,
        &uri,
        &headers,
        &body,
        &peer.ip().to_string(),
        &request_id,
    );
    let handled = state.receipt.handle_event(event, receipt::now_ms()).await;
    for line in handled
        .report
        .emf_lines(events::emf::DEFAULT_NAMESPACE, receipt::now_ms())
    {
        tracing::debug!(target: "emf", "{line}");
    }
    state.status.record_receipt(ReceiptView {
        correlation_id: request_id,
        status: handled.report.status,
        received: handled.report.received,
        enqueued: handled.report.enqueued,
        reason: handled.report.reason.map(str::to_owned),
    });
    to_http(handled.response)
}

fn to_http(response: ApiGatewayProxyResponse) -> Response {
    let status = u16::try_from(response.status_code)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match response.body {
        Some(LambdaBody::Text(text)) => Body::from(text),
        Some(LambdaBody::Binary(bytes)) => Body::from(bytes),
        _ => Body::empty(),
    };
    let mut out = Response::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = response.headers;
    out
}

async fn status(State(state): State<Arc<AppState>>) -> Response {
    let queue = state.queue.depth().await;
    let dlq = state.dlq.depth().await;
    let snapshot = state.status.snapshot();
    let depth = |d: Result<crate::queue::Depth, crate::queue::QueueError>| match d {
        Ok(d) => json!({"visible": d.visible, "inFlight": d.in_flight}),
        Err(e) => json!({"error": e.to_string()}),
    };
    axum::Json(json!({
        "queue": {"kind": state.queue.kind(), "arn": state.queue.arn(), "depth": depth(queue)},
        "dlq": {"arn": state.dlq.arn(), "depth": depth(dlq)},
        "batchesInProgress": state.status.batches_in_progress(),
        "outcomes": snapshot.outcomes,
        "receipts": {"byStatus": snapshot.receipts_by_status, "eventsEnqueued": snapshot.events_enqueued, "recent": snapshot.recent_receipts},
        "processed": {"acknowledged": snapshot.acknowledged, "batches": snapshot.batches, "invocationErrors": snapshot.invocation_errors},
        "recent": snapshot.recent,
    }))
    .into_response()
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
    let request = match reprocess_dlq::ReprocessRequest::from_payload(payload) {
        Ok(r) => r,
        Err(e) => {
            let error = json!({"error": e.to_string()});
            return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
        }
    };
    let summary = run_reprocessor(&state.queue, &state.dlq, request).await;
    axum::Json(summary).into_response()
}

/// One reprocessor run over the local pair, with a Lambda-like 60 s budget.
pub async fn run_reprocessor(
    queue: &AnyQueue,
    dlq: &AnyQueue,
    request: reprocess_dlq::ReprocessRequest,
) -> reprocess_dlq::ReprocessSummary {
    let dead_letters = LocalDeadLetters {
        queue: queue.clone(),
        dlq: dlq.clone(),
    };
    reprocess_dlq::Reprocessor::new(dead_letters)
        .run(request, Instant::now() + Duration::from_secs(60))
        .await
}
