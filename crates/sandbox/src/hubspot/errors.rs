//! HubSpot's error responses. Body: `{status, message, correlationId, category, errors[]}`, and
//! clients must treat every field as optional
//! (<https://developers.hubspot.com/docs/api-reference/error-handling>).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::store::PropertyError;

pub(crate) fn correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The generic JSON error. `errors` is omitted when empty, as HubSpot does for 404s.
pub(crate) fn error(
    status: StatusCode,
    category: &str,
    message: impl Into<String>,
    errors: Vec<Value>,
) -> Response {
    let mut body = json!({
        "status": "error",
        "message": message.into(),
        "correlationId": correlation_id(),
        "category": category,
    });
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors);
    }
    (status, axum::Json(body)).into_response()
}

pub(crate) fn not_found(id: &str) -> Response {
    let body = json!({
        "status": "error",
        "message": "Object not found.  objectId are usually numeric.",
        "correlationId": correlation_id(),
        "context": { "id": [id] },
        "category": "OBJECT_NOT_FOUND",
    });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

pub(crate) fn unknown_object_type(segment: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        format!("Unable to infer object type from: {segment}"),
        Vec::new(),
    )
}

pub(crate) fn bad_request(message: impl Into<String>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        message,
        Vec::new(),
    )
}

/// HubSpot packs property problems into the message as a JSON-ish list and (in newer APIs) into
/// `errors[]`; we provide both so clients can surface the property name either way.
pub(crate) fn property_errors(problems: &[PropertyError]) -> Response {
    let listed: Vec<Value> = problems
        .iter()
        .map(|p| {
            json!({
                "isValid": false,
                "message": p.message,
                "error": p.code,
                "name": p.name,
                "localizedErrorMessage": p.message,
            })
        })
        .collect();
    let errors = problems
        .iter()
        .map(|p| {
            json!({
                "message": p.message,
                "code": p.code,
                "context": { "propertyName": [p.name] },
            })
        })
        .collect();
    error(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        format!("Property values were not valid: {}", Value::Array(listed)),
        errors,
    )
}

pub(crate) fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        Vec::new(),
    )
}

/// The 429 body of a limiter: `TEN_SECONDLY_ROLLING` (the general one), `SECONDLY` (the
/// search endpoints') or `DAILY`.
pub(crate) fn rate_limited(policy: &str) -> Response {
    let message = match policy {
        "DAILY" => "You have reached your daily limit.",
        "SECONDLY" => "You have reached your secondly limit.",
        _ => "You have reached your ten_secondly_rolling limit.",
    };
    let body = json!({
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "groupName": "sandbox-private-app",
    });
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

/// An injected status. Gateway errors come from HubSpot's edge with an HTML page, not JSON.
pub(crate) fn injected(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match code.as_u16() {
        502..=504 => {
            let reason = code.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
            );
            (
                code,
                [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                page,
            )
                .into_response()
        }
        429 => rate_limited("TEN_SECONDLY_ROLLING"),
        423 => error(
            code,
            "LOCKED",
            "Resource is locked; retry after at least 2 seconds.",
            Vec::new(),
        ),
        _ if code.is_server_error() => error(code, "INTERNAL_ERROR", "internal error", Vec::new()),
        _ => error(
            code,
            "VALIDATION_ERROR",
            "injected sandbox error",
            Vec::new(),
        ),
    }
}
