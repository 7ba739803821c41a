//! API Gateway payloads (REST `ApiGatewayProxyRequest` and HTTP API v2) turned into one shape.

use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyResponse, ApiGatewayV2httpRequest,
};
use aws_lambda_events::encodings::Body;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderValue};

/// What the handler needs of an HTTP request, whichever API Gateway flavour delivered it.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    pub method: String,
    /// `https://host/stage/path?query` as far as it can be rebuilt from the event; used as the
    /// signing URI only when `WEBHOOK_PUBLIC_URL` is not configured.
    pub rebuilt_url: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// API Gateway's request id: the correlation id of every event in the request.
    pub request_id: String,
}

impl WebhookRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("not an API Gateway proxy event: {0}")]
    NotAGatewayEvent(String),
    #[error("isBase64Encoded is true but the body is not base64")]
    BadBase64,
}

/// Reads a Lambda payload from API Gateway: `version: "2.0"` is an HTTP API event, anything
/// else is read as a REST API proxy event.
pub fn from_gateway_event(event: serde_json::Value) -> Result<WebhookRequest, GatewayError> {
    let is_v2 = event.get("version").and_then(|v| v.as_str()) == Some("2.0");
    if is_v2 {
        let e: ApiGatewayV2httpRequest = serde_json::from_value(event)
            .map_err(|err| GatewayError::NotAGatewayEvent(err.to_string()))?;
        let body = decode_body(e.body.as_deref(), e.is_base64_encoded)?;
        let path = e
            .raw_path
            .clone()
            .or(e.request_context.http.path.clone())
            .unwrap_or_default();
        let query = e.raw_query_string.clone().unwrap_or_default();
        let host = e.request_context.domain_name.clone();
        Ok(WebhookRequest {
            method: e.request_context.http.method.as_str().to_owned(),
            rebuilt_url: rebuild_url(&e.headers, host.as_deref(), &path, &query),
            body,
            request_id: e.request_context.request_id.clone().unwrap_or_default(),
            headers: e.headers,
        })
    } else {
        let e: ApiGatewayProxyRequest = serde_json::from_value(event)
            .map_err(|err| GatewayError::NotAGatewayEvent(err.to_string()))?;
        let body = decode_body(e.body.as_deref(), e.is_base64_encoded)?;
        // requestContext.path is the path the client called (with the stage on the default
        // execute-api host); `path` lacks the stage.
        let path = e
            .request_context
            .path
            .clone()
            .or(e.path.clone())
            .unwrap_or_default();
        // REST events carry parsed query parameters only; their original order is lost, which
        // is why WEBHOOK_PUBLIC_URL should be set when the webhook URL has a query string.
        let query = e
            .multi_value_query_string_parameters
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        Ok(WebhookRequest {
            method: e.http_method.as_str().to_owned(),
            rebuilt_url: rebuild_url(
                &e.headers,
                e.request_context.domain_name.as_deref(),
                &path,
                &query,
            ),
            body,
            request_id: e.request_context.request_id.clone().unwrap_or_default(),
            headers: e.headers,
        })
    }
}

fn decode_body(body: Option<&str>, base64: bool) -> Result<Vec<u8>, GatewayError> {
    let body = body.unwrap_or_default();
    if base64 {
        BASE64.decode(body).map_err(|_| GatewayError::BadBase64)
    } else {
        Ok(body.as_bytes().to_vec())
    }
}

fn rebuild_url(headers: &HeaderMap, domain: Option<&str>, path: &str, query: &str) -> String {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let proto = get("x-forwarded-proto").unwrap_or("https");
    let host = get("host").or(domain).unwrap_or("localhost");
    if query.is_empty() {
        format!("{proto}://{host}{path}")
    } else {
        format!("{proto}://{host}{path}?{query}")
    }
}

/// A JSON response; API Gateway REST and HTTP APIs both accept this shape.
pub fn json_response(status: u16, body: &serde_json::Value) -> ApiGatewayProxyResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if status == 405 {
        headers.insert(http::header::ALLOW, HeaderValue::from_static("POST"));
    }
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = i64::from(status);
    response.headers = headers;
    response.body = Some(Body::Text(body.to_string()));
    response.is_base64_encoded = false;
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn rest_event_with_stage_and_base64_body() {
        let event = json!({
            "resource": "/webhook/hubspot", "path": "/webhook/hubspot", "httpMethod": "POST",
            "headers": {"Host": "abc.execute-api.us-east-1.amazonaws.com", "X-Forwarded-Proto": "https", "X-HubSpot-Signature-v3": "sig"},
            "multiValueHeaders": {}, "queryStringParameters": null, "multiValueQueryStringParameters": null,
            "pathParameters": null, "stageVariables": null,
            "requestContext": {"path": "/dev/webhook/hubspot", "requestId": "req-123", "stage": "dev", "httpMethod": "POST",
                               "domainName": "abc.execute-api.us-east-1.amazonaws.com", "accountId": "1", "resourcePath": "/webhook/hubspot",
                               "identity": {}, "apiId": "abc"},
            "body": BASE64.encode("[1]"), "isBase64Encoded": true
        });
        let r = from_gateway_event(event).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.rebuilt_url,
            "https://abc.execute-api.us-east-1.amazonaws.com/dev/webhook/hubspot"
        );
        assert_eq!(r.body, b"[1]");
        assert_eq!(r.request_id, "req-123");
        assert_eq!(r.header("x-hubspot-signature-v3"), Some("sig"));
    }

    #[test]
    fn http_api_v2_event() {
        let event = json!({
            "version": "2.0", "routeKey": "POST /webhook/hubspot", "rawPath": "/webhook/hubspot", "rawQueryString": "a=1&b=2",
            "headers": {"host": "hooks.example.com", "x-forwarded-proto": "https"},
            "requestContext": {"accountId": "1", "apiId": "x", "domainName": "hooks.example.com", "domainPrefix": "hooks",
                               "http": {"method": "PUT", "path": "/webhook/hubspot", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "x"},
                               "requestId": "v2-req", "routeKey": "POST /webhook/hubspot", "stage": "$default", "time": "", "timeEpoch": 0},
            "body": "[]", "isBase64Encoded": false
        });
        let r = from_gateway_event(event).unwrap();
        assert_eq!(r.method, "PUT");
        assert_eq!(
            r.rebuilt_url,
            "https://hooks.example.com/webhook/hubspot?a=1&b=2"
        );
        assert_eq!(r.request_id, "v2-req");
        assert_eq!(r.body, b"[]");
    }

    #[test]
    fn bad_payloads_are_errors_not_panics() {
        assert!(from_gateway_event(json!({"httpMethod": 5})).is_err());
        let bad64 = json!({"httpMethod": "POST", "headers": {}, "requestContext": {"httpMethod": "POST"}, "body": "!!", "isBase64Encoded": true});
        assert!(matches!(
            from_gateway_event(bad64),
            Err(GatewayError::BadBase64)
        ));
    }
}
