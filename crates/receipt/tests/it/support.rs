//! Builders for signed HubSpot deliveries as API Gateway hands them to the Lambda, and a way to
//! send them through the receipt's router exactly as `lambda_http` does.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tower::ServiceExt as _;

use receipt::Settings;
use receipt::filter::EventFilter;
use serde_json::{Value, json};

pub const SECRET: &str = "test-client-secret";
pub const URL: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/dev/webhook/hubspot";

/// `n` distinct HubSpot events: deals, companies and a few notes (generic `object.*`), with
/// property changes, so group ids and dedup ids vary the way real traffic does.
pub fn hubspot_events(n: usize, portal: u64) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let i = i as u64;
            match i % 5 {
                0 => json!({"eventId": 1000 + i, "subscriptionId": 1, "portalId": portal, "appId": 7, "occurredAt": 1_700_000_000_000u64 + i,
                            "subscriptionType": "deal.creation", "attemptNumber": 0, "objectId": 5000 + i, "changeSource": "CRM", "changeFlag": "NEW"}),
                1 | 2 => json!({"eventId": 1000 + i, "subscriptionId": 2, "portalId": portal, "appId": 7, "occurredAt": 1_700_000_000_000u64 + i,
                                "subscriptionType": "deal.propertyChange", "attemptNumber": 0, "objectId": 5000 + i % 7,
                                "propertyName": "amount", "propertyValue": format!("{}", 100 * i), "changeSource": "CRM"}),
                3 => json!({"eventId": 1000 + i, "subscriptionId": 3, "portalId": portal, "appId": 7, "occurredAt": 1_700_000_000_000u64 + i,
                            "subscriptionType": "company.propertyChange", "attemptNumber": 0, "objectId": 5000 + i % 7,
                            "propertyName": "industry", "propertyValue": "COMPUTER_SOFTWARE"}),
                _ => json!({"eventId": 1000 + i, "subscriptionId": 4, "portalId": portal, "appId": 7, "occurredAt": 1_700_000_000_000u64 + i,
                            "subscriptionType": "object.creation", "objectTypeId": "0-46", "attemptNumber": 0, "objectId": 9000 + i}),
            }
        })
        .collect()
}

pub fn now_ms() -> i64 {
    use events::Clock as _;
    events::SystemClock.now_ms()
}

/// A REST API (`ApiGatewayProxyRequest`) event carrying `body`, v3-signed with `secret` at `timestamp`.
pub fn rest_event(body: &str, secret: &str, timestamp: i64) -> Value {
    let ts = timestamp.to_string();
    let signature = events::signature::v3_signature(secret, "POST", URL, body.as_bytes(), &ts);
    rest_event_with_headers(
        "POST",
        body,
        json!({"X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": ts, "X-HubSpot-Signature-Version": "v3"}),
    )
}

pub fn rest_event_with_headers(method: &str, body: &str, signature_headers: Value) -> Value {
    let mut headers = json!({
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "X-Forwarded-Proto": "https",
        "Content-Type": "application/json",
        "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/)"
    });
    for (k, v) in signature_headers.as_object().unwrap() {
        headers[k] = v.clone();
    }
    json!({
        "resource": "/webhook/hubspot", "path": "/webhook/hubspot", "httpMethod": method,
        "headers": headers, "multiValueHeaders": {},
        "queryStringParameters": null, "multiValueQueryStringParameters": null,
        "pathParameters": null, "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "resourceId": "r1", "resourcePath": "/webhook/hubspot",
            "stage": "dev", "path": "/dev/webhook/hubspot", "httpMethod": method,
            "requestId": format!("req-{}", uuid_like()), "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "identity": {"sourceIp": "54.174.0.1"}, "protocol": "HTTP/1.1", "requestTimeEpoch": 0
        },
        "body": body, "isBase64Encoded": false
    })
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:08x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Status code and parsed JSON body of a Lambda response as API Gateway receives it.
pub fn status_and_body(response: &Value) -> (i64, Value) {
    let status = response["statusCode"].as_i64().unwrap();
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    (status, body)
}

/// Handler settings as the Lambda builds them from a plain secret, with short retry pauses.
pub fn settings() -> Settings {
    Settings {
        secrets: Some(events::ClientSecrets::new(SECRET, None)),
        public_url: None,
        max_age_ms: 300_000,
        signature_versions: events::AcceptedVersions::default(),
        max_body_bytes: 1024 * 1024,
        synced: EventFilter::parse(receipt::config::DEFAULT_SYNCED_EVENT_TYPES).unwrap(),
        send_attempts: 3,
        retry_backoff: Duration::from_millis(5),
        request_budget: Duration::from_secs(4),
    }
}

/// The envelope of each queued message, after checking that SQS holds it under the group and
/// deduplication ids the envelope itself defines.
pub fn envelopes_with_matching_ids(
    messages: &[aws_sdk_sqs::types::Message],
) -> Vec<events::SyncEvent> {
    use aws_sdk_sqs::types::MessageSystemAttributeName as A;
    messages
        .iter()
        .map(|m| {
            let sync = events::SyncEvent::from_json(m.body().unwrap()).unwrap();
            let attrs = m.attributes().unwrap();
            assert_eq!(attrs[&A::MessageGroupId], sync.message_group_id());
            assert_eq!(
                attrs[&A::MessageDeduplicationId],
                sync.message_deduplication_id()
            );
            sync
        })
        .collect()
}

/// A metric sink that keeps the lines.
#[derive(Default)]
pub struct Lines(pub Mutex<Vec<String>>);

impl edge::MetricSink for Lines {
    fn emit(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }
}

/// What the router answered.
pub struct Answer {
    pub status: i64,
    pub body: Value,
    pub headers: http::HeaderMap,
    pub report: receipt::RequestReport,
}

/// The receipt behind its router, as Lambda runs it, with the metric lines it wrote.
pub struct Harness {
    pub router: axum::Router,
    pub metrics: Arc<Lines>,
}

impl Harness {
    pub fn new(queue: queue::Queue, settings: Settings) -> Self {
        Self::with(receipt::Receipt::new(queue, settings))
    }

    /// Keeps events that cannot become sync events in `rejected`.
    pub fn keeping_rejected(
        queue: queue::Queue,
        rejected: queue::Queue,
        settings: Settings,
    ) -> Self {
        Self::with(receipt::Receipt::new(queue, settings).with_rejected_queue(rejected))
    }

    fn with(receipt: receipt::Receipt) -> Self {
        let metrics = Arc::new(Lines::default());
        let router = receipt::router(
            receipt,
            Arc::new(events::SystemClock),
            metrics.clone(),
            "NS",
        );
        Harness { router, metrics }
    }

    /// Sends an API Gateway payload through `lambda_http`'s own conversion, then the router.
    pub async fn call(&self, event: Value) -> Answer {
        let request = lambda_http::request::from_str(&event.to_string())
            .expect("an API Gateway payload lambda_http can read");
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        Answer {
            status: i64::from(parts.status.as_u16()),
            body: serde_json::from_slice(&bytes).unwrap(),
            report: parts
                .extensions
                .get::<receipt::RequestReport>()
                .cloned()
                .unwrap(),
            headers: parts.headers,
        }
    }
}
