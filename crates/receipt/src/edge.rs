//! The receipt's edge: one axum `Router` that `lambda_http` runs in Lambda (it turns REST and
//! HTTP API payloads, base64 bodies included, into HTTP requests) and that `sync-local` serves
//! over TCP. It reads the request, runs the [`Receipt`], writes the metric lines and answers.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use edge::MetricSink;
use events::Clock;
use http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, StatusCode};
use lambda_http::RequestExt as _;
use lambda_http::request::RequestContext;

use crate::handler::{Handled, Receipt, WebhookRequest};

/// What the router needs besides the receipt.
struct Edge {
    receipt: Receipt,
    clock: Arc<dyn Clock>,
    metrics: Arc<dyn MetricSink>,
    metrics_namespace: String,
}

/// Every path and method goes to the receipt: API Gateway routes only the webhook to the
/// function, and a wrong method gets the receipt's own 405 answer.
pub fn router(
    receipt: Receipt,
    clock: Arc<dyn Clock>,
    metrics: Arc<dyn MetricSink>,
    metrics_namespace: impl Into<String>,
) -> Router {
    let edge = Arc::new(Edge {
        receipt,
        clock,
        metrics,
        metrics_namespace: metrics_namespace.into(),
    });
    Router::new()
        .fallback(webhook)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(edge)
}

async fn webhook(State(edge): State<Arc<Edge>>, request: Request) -> Response {
    let now = edge.clock.now_ms();
    let (parts, body) = request.into_parts();
    let handled = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => {
            let request = webhook_request(&parts, body.to_vec());
            edge.receipt.handle(&request, now).await
        }
        Err(e) => Handled::refused(400, "malformed_request", format!("unreadable body: {e}")),
    };
    for line in handled.report.emf_lines(&edge.metrics_namespace, now) {
        edge.metrics.emit(line);
    }
    let mut response = json_response(handled.status, &handled.body);
    // Not sent to the client: it lets `sync-local` and tests see the counts behind the answer.
    response.extensions_mut().insert(handled.report);
    response
}

/// The request as the receipt sees it. The signing URL is rebuilt as HubSpot called it:
/// for a REST API, `requestContext.path` is the path the client used (with the stage on the
/// execute-api host, the base path on a custom domain); otherwise the request's own path.
pub fn webhook_request(parts: &http::request::Parts, body: Vec<u8>) -> WebhookRequest {
    let context = parts.request_context_ref();
    let path = match context {
        Some(RequestContext::ApiGatewayV1(c)) => c.path.clone(),
        _ => None,
    }
    .unwrap_or_else(|| parts.uri.path().to_owned());
    let request_id = match context {
        Some(RequestContext::ApiGatewayV1(c)) => c.request_id.clone(),
        Some(RequestContext::ApiGatewayV2(c)) => c.request_id.clone(),
        _ => None,
    }
    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    WebhookRequest {
        method: parts.method.as_str().to_owned(),
        rebuilt_url: rebuild_url(&parts.headers, parts.uri.host(), &path, parts.uri.query()),
        headers: parts.headers.clone(),
        body,
        request_id,
    }
}

fn rebuild_url(headers: &HeaderMap, host: Option<&str>, path: &str, query: Option<&str>) -> String {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let proto = get("x-forwarded-proto").unwrap_or("https");
    let host = get("host").or(host).unwrap_or("localhost");
    match query.filter(|q| !q.is_empty()) {
        Some(query) => format!("{proto}://{host}{path}?{query}"),
        None => format!("{proto}://{host}{path}"),
    }
}

fn json_response(status: u16, body: &serde_json::Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Body::from(body.to_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(ALLOW, HeaderValue::from_static("POST"));
    }
    response
}
