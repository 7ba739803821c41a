//! The receipt's CPU work for one HubSpot delivery of 100 events: v3 signature check, parse,
//! filter, envelope + group/dedup ids, SQS batches. Network time to SQS is not included.
//!   cargo bench -p receipt --bench webhook
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use events::Clock as _;
use receipt::Settings;
use receipt::edge::webhook_request;
use receipt::filter::EventFilter;
use receipt::handler::prepare_batches;
use serde_json::json;

const SECRET: &str = "bench-secret";
const URL: &str = "https://abc.execute-api.us-east-1.amazonaws.com/prod/webhook/hubspot";

fn delivery(n: u64) -> String {
    let events: Vec<_> = (0..n)
        .map(|i| {
            json!({"eventId": 7_000_000 + i, "subscriptionId": 42, "portalId": 62515, "appId": 1, "occurredAt": 1_700_000_000_000u64 + i,
                   "subscriptionType": if i % 3 == 0 { "company.propertyChange" } else { "deal.propertyChange" }, "attemptNumber": 0,
                   "objectId": 10_000 + i % 40, "propertyName": "amount", "propertyValue": (i * 100).to_string(),
                   "changeSource": "CRM", "sourceId": "userId:45678"})
        })
        .collect();
    serde_json::to_string(&events).unwrap()
}

fn bench(c: &mut Criterion) {
    let settings = Settings {
        secrets: Some(events::ClientSecrets::new(SECRET, Some("previous".into()))),
        public_url: Some(URL.into()),
        max_age_ms: 300_000,
        signature_versions: events::AcceptedVersions::default(),
        max_body_bytes: 1 << 20,
        synced: EventFilter::parse(receipt::config::DEFAULT_SYNCED_EVENT_TYPES).unwrap(),
        send_attempts: 3,
        retry_backoff: Duration::from_millis(50),
        request_budget: Duration::from_secs(4),
    };
    let body = delivery(100);
    let ts = events::SystemClock.now_ms();
    let signature =
        events::signature::v3_signature(SECRET, "POST", URL, body.as_bytes(), &ts.to_string());
    let event = json!({
        "httpMethod": "POST", "path": "/webhook/hubspot", "resource": "/webhook/hubspot",
        "headers": {"Host": "abc.execute-api.us-east-1.amazonaws.com", "X-HubSpot-Signature-v3": signature,
                    "X-HubSpot-Request-Timestamp": ts.to_string()},
        "multiValueHeaders": {}, "queryStringParameters": null, "multiValueQueryStringParameters": null,
        "requestContext": {"requestId": "bench", "path": "/prod/webhook/hubspot", "httpMethod": "POST",
                           "stage": "prod", "accountId": "1", "resourcePath": "/webhook/hubspot", "identity": {}, "apiId": "abc"},
        "body": body, "isBase64Encoded": false
    })
    .to_string();
    // What the receipt's router does with a Lambda payload: lambda_http's conversion, then ours.
    let to_request = |event: &str| {
        let (parts, body) = lambda_http::request::from_str(event).unwrap().into_parts();
        webhook_request(&parts, body.to_vec())
    };
    let request = to_request(&event);
    let batches = prepare_batches(&settings, &request, ts).unwrap();
    assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 100);

    let mut group = c.benchmark_group("receipt");
    group.throughput(Throughput::Elements(100));
    group.bench_function("verify_parse_build_100_events", |b| {
        b.iter(|| prepare_batches(black_box(&settings), black_box(&request), ts).unwrap())
    });
    group.bench_function("gateway_event_to_batches_100_events", |b| {
        b.iter(|| {
            let request = to_request(black_box(&event));
            prepare_batches(&settings, &request, ts).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
