//! The handler against a recording in-memory queue: every answer class, partial batch failures,
//! chunking, metrics. (tests/moto.rs repeats the important ones against a real SQS server.)

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use queue::{Depth, FifoQueue, QueueError, ReceivedMessage, SendEntry, SendResult};
use receipt::Settings;
use serde_json::{Value, json};

use crate::support::*;

/// Records every batch; scripted answers let a test fail entries or whole calls.
#[derive(Debug, Default)]
struct RecordingQueue {
    sent: Mutex<Vec<Vec<SendEntry>>>,
    script: Mutex<VecDeque<Script>>,
}

#[derive(Debug)]
enum Script {
    /// Fail these entry positions (by index in the call), retryable or not.
    FailEntries(Vec<usize>, bool),
    Unavailable,
}

#[async_trait::async_trait]
impl FifoQueue for RecordingQueue {
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError> {
        let script = self.script.lock().unwrap().pop_front();
        let failing = match script {
            Some(Script::Unavailable) => {
                return Err(QueueError::Unavailable("connection refused".into()));
            }
            Some(Script::FailEntries(positions, sender_fault)) => Some((positions, sender_fault)),
            None => None,
        };
        let mut ok = Vec::new();
        let results = entries
            .iter()
            .enumerate()
            .map(|(i, entry)| match &failing {
                Some((positions, sender_fault)) if positions.contains(&i) => SendResult::Failed {
                    code: "InternalError".into(),
                    message: "try again".into(),
                    sender_fault: *sender_fault,
                },
                _ => {
                    ok.push(entry.clone());
                    SendResult::Sent {
                        message_id: format!("m{i}"),
                        sequence_number: "1".into(),
                    }
                }
            })
            .collect();
        self.sent.lock().unwrap().push(ok);
        Ok(results)
    }

    async fn receive(
        &self,
        _: usize,
        _: Option<Duration>,
        _: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        Ok(vec![])
    }

    async fn delete(&self, _: &str) -> Result<(), QueueError> {
        Ok(())
    }

    async fn change_visibility(&self, _: &str, _: Duration) -> Result<(), QueueError> {
        Ok(())
    }

    async fn depth(&self) -> Result<Depth, QueueError> {
        Ok(Depth::default())
    }

    fn arn(&self) -> &str {
        "arn:aws:sqs:us-east-1:000000000000:recording.fifo"
    }

    fn settle_wait(&self) -> Duration {
        Duration::ZERO
    }
}

impl RecordingQueue {
    fn delivered(&self) -> Vec<SendEntry> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .cloned()
            .collect()
    }

    fn batches(&self) -> Vec<Vec<SendEntry>> {
        self.sent.lock().unwrap().clone()
    }
}

/// The receipt on a recording queue, behind its router.
struct Recorded {
    queue: Arc<RecordingQueue>,
    harness: Harness,
}

fn recorded(queue: RecordingQueue, settings: Settings) -> Recorded {
    let queue = Arc::new(queue);
    let harness = Harness::new(queue.clone(), settings);
    Recorded { queue, harness }
}

async fn call(receipt: &Recorded, event: Value) -> (i64, Value, receipt::RequestReport) {
    let answer = receipt.harness.call(event).await;
    (answer.status, answer.body, answer.report)
}

fn body_of(n: usize) -> String {
    serde_json::to_string(&hubspot_events(n, 62515)).unwrap()
}

#[tokio::test]
async fn accepts_a_signed_delivery_and_enqueues_every_event() {
    let receipt = recorded(RecordingQueue::default(), settings());
    let body = body_of(25);
    let (status, answer, report) = call(&receipt, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        json!({"received": 25, "enqueued": 25, "ignored": 0})
    );
    assert_eq!(report.signature, Some(events::SignatureVersion::V3));
    let batches = receipt.queue.batches();
    assert_eq!(
        batches.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![10, 10, 5]
    );
    let delivered = receipt.queue.delivered();
    assert_eq!(delivered.len(), 25);
    for m in &delivered {
        let sync = events::SyncEvent::from_json(&m.body).unwrap();
        assert_eq!(m.group_id, sync.message_group_id());
        assert_eq!(m.dedup_id, sync.message_deduplication_id());
        assert!(sync.correlation_id.starts_with("req-"));
    }
}

#[tokio::test]
async fn unsynced_types_and_own_write_backs_are_acknowledged_as_ignored() {
    let receipt = recorded(RecordingQueue::default(), settings());
    let body = json!([
        {"eventId": 1, "portalId": 1, "occurredAt": 1, "subscriptionType": "contact.creation", "objectId": 1},
        {"eventId": 2, "portalId": 1, "occurredAt": 1, "subscriptionType": "deal.propertyChange", "objectId": 2, "propertyName": "aws_sync_status", "propertyValue": "synced"},
        {"eventId": 3, "portalId": 1, "occurredAt": 1, "subscriptionType": "deal.propertyChange", "objectId": 2, "propertyName": "dealname", "propertyValue": "x #AWS"}
    ])
    .to_string();
    let (status, answer, _) = call(&receipt, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(
        (status, answer),
        (200, json!({"received": 3, "enqueued": 1, "ignored": 2}))
    );
    assert_eq!(receipt.queue.delivered().len(), 1);
}

#[tokio::test]
async fn every_malformed_input_gets_its_4xx_with_a_json_reason_and_nothing_is_enqueued() {
    let receipt = recorded(
        RecordingQueue::default(),
        Settings {
            max_body_bytes: 4096,
            ..settings()
        },
    );
    let now = now_ms();
    let good = body_of(1);
    let cases: Vec<(&str, Value, i64, &str)> = vec![
        (
            "not JSON",
            rest_event("{nope", SECRET, now),
            400,
            "malformed_body",
        ),
        (
            "not an array",
            rest_event(r#"{"eventId":1}"#, SECRET, now),
            400,
            "malformed_body",
        ),
        (
            "wrong field type",
            rest_event(
                r#"[{"eventId":"one","portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1}]"#,
                SECRET,
                now,
            ),
            400,
            "malformed_body",
        ),
        (
            "missing signature",
            rest_event_with_headers("POST", &good, json!({})),
            401,
            "missing_signature",
        ),
        (
            "wrong secret",
            rest_event(&good, "not-the-secret", now),
            401,
            "invalid_signature",
        ),
        (
            "stale",
            rest_event(&good, SECRET, now - 301_000),
            401,
            "stale_signature",
        ),
        (
            "future",
            rest_event(&good, SECRET, now + 301_000),
            401,
            "stale_signature",
        ),
        (
            "too large",
            rest_event(&"x".repeat(5000), SECRET, now),
            413,
            "payload_too_large",
        ),
        (
            "GET",
            rest_event_with_headers("GET", "", json!({})),
            405,
            "method_not_allowed",
        ),
    ];
    for (name, event, want_status, want_reason) in cases {
        let answer = receipt.harness.call(event).await;
        let (status, body) = (answer.status, &answer.body);
        assert_eq!(status, want_status, "{name}: {body}");
        assert_eq!(body["error"], want_reason, "{name}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{name}"
        );
        assert_eq!(answer.headers["content-type"], "application/json", "{name}");
        assert!(
            !body.to_string().contains(SECRET),
            "{name}: the secret must never be echoed"
        );
        assert_eq!(answer.report.reason, Some(want_reason), "{name}");
        if want_status == 405 {
            assert_eq!(answer.headers["allow"], "POST");
        }
        // The rejection is counted under its reason, in the function's metric sink.
        let last = receipt
            .harness
            .metrics
            .0
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap();
        let line: Value = serde_json::from_str(&last).unwrap();
        assert_eq!(line["Reason"], want_reason, "{name}");
    }
    assert!(receipt.queue.delivered().is_empty());
}

#[tokio::test]
async fn tampered_body_is_refused() {
    let receipt = recorded(RecordingQueue::default(), settings());
    let mut event = rest_event(&body_of(3), SECRET, now_ms());
    event["body"] = Value::String(body_of(3).replace("62515", "62516"));
    let (status, answer, _) = call(&receipt, event).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("invalid_signature"))
    );
}

#[tokio::test]
async fn previous_secret_still_verifies_during_rotation() {
    let rotating = Settings {
        secrets: Some(events::ClientSecrets::new(
            "new-secret",
            Some(SECRET.into()),
        )),
        ..settings()
    };
    let receipt = recorded(RecordingQueue::default(), rotating);
    let (old, _, _) = call(&receipt, rest_event(&body_of(1), SECRET, now_ms())).await;
    let (new, _, _) = call(&receipt, rest_event(&body_of(1), "new-secret", now_ms())).await;
    assert_eq!((old, new), (200, 200));
}

#[tokio::test]
async fn configured_public_url_is_the_signing_uri() {
    let public = "https://hooks.example.com/hubspot";
    let receipt = recorded(
        RecordingQueue::default(),
        Settings {
            public_url: Some(public.into()),
            ..settings()
        },
    );
    let body = body_of(1);
    let ts = now_ms().to_string();
    let sig = events::signature::v3_signature(SECRET, "POST", public, body.as_bytes(), &ts);
    let event = rest_event_with_headers(
        "POST",
        &body,
        json!({"X-HubSpot-Signature-v3": sig, "X-HubSpot-Request-Timestamp": ts}),
    );
    assert_eq!(call(&receipt, event).await.0, 200);
    // signed for the execute-api URL instead: refused, the configured URL wins
    assert_eq!(
        call(&receipt, rest_event(&body, SECRET, now_ms())).await.0,
        401
    );
}

#[tokio::test]
async fn v1_and_v2_signatures_are_accepted_only_when_configured() {
    let legacy = Settings {
        signature_versions: events::AcceptedVersions::parse("v3,v2,v1").unwrap(),
        ..settings()
    };
    let receipt = recorded(RecordingQueue::default(), legacy);
    let by_default = recorded(RecordingQueue::default(), settings());
    let body = body_of(2);
    let v1 = hex::encode(events::signature::v1_digest(SECRET, body.as_bytes()));
    let v2 = hex::encode(events::signature::v2_digest(
        SECRET,
        "POST",
        URL,
        body.as_bytes(),
    ));
    let e1 = rest_event_with_headers(
        "POST",
        &body,
        json!({"X-HubSpot-Signature": v1, "X-HubSpot-Signature-Version": "v1"}),
    );
    let e2 = rest_event_with_headers(
        "POST",
        &body,
        json!({"X-HubSpot-Signature": v2, "X-HubSpot-Signature-Version": "v2"}),
    );
    for event in [&e1, &e2] {
        let (status, answer, _) = call(&by_default, event.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (401, Some("signature_version_not_accepted")),
            "{answer}"
        );
    }
    assert!(by_default.queue.delivered().is_empty());
    assert_eq!(
        call(&receipt, e1).await.2.signature,
        Some(events::SignatureVersion::V1)
    );
    assert_eq!(
        call(&receipt, e2).await.2.signature,
        Some(events::SignatureVersion::V2)
    );
}

#[tokio::test]
async fn a_delivery_with_its_v3_headers_stripped_is_refused_by_default() {
    let receipt = recorded(RecordingQueue::default(), settings());
    let body = body_of(3);
    let mut event = rest_event(&body, SECRET, now_ms());
    // HubSpot also sends v1 (or v2) on every request; an attacker keeps only that.
    let v1 = hex::encode(events::signature::v1_digest(SECRET, body.as_bytes()));
    let headers = event["headers"].as_object_mut().unwrap();
    headers.remove("X-HubSpot-Signature-v3");
    headers.remove("X-HubSpot-Request-Timestamp");
    headers.insert("X-HubSpot-Signature".into(), json!(v1));
    headers.insert("X-HubSpot-Signature-Version".into(), json!("v1"));
    let (status, answer, report) = call(&receipt, event).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"], "signature_version_not_accepted");
    assert_eq!(report.reason, Some("signature_version_not_accepted"));
    assert!(receipt.queue.delivered().is_empty());
}

#[tokio::test]
async fn partially_failed_entries_are_retried_until_enqueued() {
    let queue = RecordingQueue::default();
    queue.script.lock().unwrap().extend([
        Script::FailEntries(vec![1, 3], false),
        Script::FailEntries(vec![0], false),
    ]);
    let receipt = recorded(queue, settings());
    let (status, answer, _) = call(&receipt, rest_event(&body_of(5), SECRET, now_ms())).await;
    assert_eq!(
        (status, answer),
        (200, json!({"received": 5, "enqueued": 5, "ignored": 0}))
    );
    let delivered = receipt.queue.delivered();
    assert_eq!(delivered.len(), 5);
    assert_eq!(
        receipt
            .queue
            .batches()
            .iter()
            .map(Vec::len)
            .collect::<Vec<_>>(),
        vec![3, 1, 1]
    );
}

#[tokio::test]
async fn entries_still_failing_after_the_retries_mean_503() {
    let queue = RecordingQueue::default();
    queue
        .script
        .lock()
        .unwrap()
        .extend((0..3).map(|_| Script::FailEntries(vec![0], false)));
    let receipt = recorded(queue, settings());
    let (status, answer, report) = call(&receipt, rest_event(&body_of(4), SECRET, now_ms())).await;
    assert_eq!(status, 503);
    assert_eq!(answer["error"], "enqueue_failed");
    assert_eq!(
        (answer["enqueued"].as_u64(), answer["failed"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(report.reason, Some("enqueue_failed"));
}

#[tokio::test]
async fn sender_faults_are_not_retried_and_mean_503() {
    let queue = RecordingQueue::default();
    queue
        .script
        .lock()
        .unwrap()
        .push_back(Script::FailEntries(vec![0], true));
    let receipt = recorded(queue, settings());
    let (status, _, _) = call(&receipt, rest_event(&body_of(2), SECRET, now_ms())).await;
    assert_eq!(status, 503);
    assert_eq!(
        receipt.queue.batches().len(),
        1,
        "a sender fault is final: no second call"
    );
}

#[tokio::test]
async fn unreachable_queue_means_503_never_200() {
    let queue = RecordingQueue::default();
    queue
        .script
        .lock()
        .unwrap()
        .extend((0..10).map(|_| Script::Unavailable));
    let receipt = recorded(queue, settings());
    let (status, answer, _) = call(&receipt, rest_event(&body_of(12), SECRET, now_ms())).await;
    assert_eq!(status, 503);
    assert_eq!(
        (answer["enqueued"].as_u64(), answer["failed"].as_u64()),
        (Some(0), Some(12))
    );
}

#[tokio::test]
async fn disabled_verification_accepts_unsigned_requests() {
    let receipt = recorded(
        RecordingQueue::default(),
        Settings {
            secrets: None,
            ..settings()
        },
    );
    let event = rest_event_with_headers("POST", &body_of(2), json!({}));
    assert_eq!(call(&receipt, event).await.0, 200);
}

#[tokio::test]
async fn oversized_events_are_slimmed_not_lost() {
    let receipt = recorded(
        RecordingQueue::default(),
        Settings {
            max_body_bytes: 2 * 1024 * 1024,
            ..settings()
        },
    );
    let huge = "v".repeat(300 * 1024);
    let body = json!([{"eventId": 1, "portalId": 1, "occurredAt": 1, "subscriptionType": "deal.propertyChange", "objectId": 9,
                        "propertyName": "description", "propertyValue": huge}])
    .to_string();
    let (status, _, _) = call(&receipt, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(status, 200);
    let delivered = receipt.queue.delivered();
    assert!(delivered[0].body.len() < queue::limits::MAX_BODY_BYTES);
    let sync = events::SyncEvent::from_json(&delivered[0].body).unwrap();
    assert_eq!(
        (sync.object_id.as_str(), sync.event_type.as_str()),
        ("9", "deal.propertyChange")
    );
    assert_eq!(sync.hubspot.unwrap().extra["propertyValueOmitted"], true);
}

#[tokio::test]
async fn http_api_v2_payloads_work_too() {
    let receipt = recorded(RecordingQueue::default(), settings());
    let body = body_of(3);
    let ts = now_ms().to_string();
    let url = "https://hooks.example.com/webhook/hubspot";
    let sig = events::signature::v3_signature(SECRET, "POST", url, body.as_bytes(), &ts);
    use base64::Engine as _;
    let event = json!({
        "version": "2.0", "routeKey": "POST /webhook/hubspot", "rawPath": "/webhook/hubspot", "rawQueryString": "",
        "headers": {"host": "hooks.example.com", "x-forwarded-proto": "https", "x-hubspot-signature-v3": sig, "x-hubspot-request-timestamp": ts},
        "requestContext": {"accountId": "1", "apiId": "x", "domainName": "hooks.example.com", "domainPrefix": "hooks",
                           "http": {"method": "POST", "path": "/webhook/hubspot", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "x"},
                           "requestId": "v2", "routeKey": "POST /webhook/hubspot", "stage": "$default", "time": "", "timeEpoch": 0},
        "body": base64::engine::general_purpose::STANDARD.encode(&body), "isBase64Encoded": true
    });
    let (status, answer, _) = call(&receipt, event).await;
    assert_eq!((status, answer["enqueued"].as_u64()), (200, Some(3)));
}

#[test]
fn metrics_lines_carry_counts_and_rejection_reasons() {
    let report = receipt::RequestReport {
        status: 401,
        reason: Some("stale_signature"),
        received: 0,
        ..Default::default()
    };
    let lines = report.emf_lines("NS", 1);
    assert_eq!(lines.len(), 2);
    let rejected: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(
        (
            rejected["Reason"].as_str(),
            rejected["RequestsRejected"].as_u64()
        ),
        (Some("stale_signature"), Some(1))
    );
    let ok = receipt::RequestReport {
        status: 200,
        received: 5,
        enqueued: 4,
        ignored: 1,
        ..Default::default()
    };
    let lines = ok.emf_lines("NS", 1);
    assert_eq!(lines.len(), 1);
    let counts: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(
        (
            counts["EventsReceived"].as_u64(),
            counts["EventsEnqueued"].as_u64(),
            counts["EventsIgnored"].as_u64()
        ),
        (Some(5), Some(4), Some(1))
    );
}

/// 100 events, 3 of them unusable: the 97 are queued, the 3 kept verbatim with their reasons.
fn hundred_with_three_malformed() -> (String, Vec<Value>) {
    let mut events = hubspot_events(100, 62515);
    let bad = [
        json!({"eventId": 1, "portalId": 62515, "occurredAt": 1, "subscriptionType": "deal.propertyChange",
               "attemptNumber": 0, "propertyName": "amount", "propertyValue": "1"}),
        json!({"eventId": "not-a-number", "portalId": 62515, "occurredAt": 1,
               "subscriptionType": "deal.creation", "attemptNumber": 0, "objectId": 5}),
        json!({"eventId": 3, "portalId": 62515, "occurredAt": 1, "subscriptionType": "deal.creation",
               "attemptNumber": 0, "objectId": -7}),
    ];
    for (slot, event) in [10, 50, 90].into_iter().zip(bad.iter()) {
        events[slot] = event.clone();
    }
    (serde_json::to_string(&events).unwrap(), bad.to_vec())
}

#[tokio::test]
async fn malformed_events_are_kept_and_their_neighbours_queued() {
    let (main, rejected) = (
        Arc::new(RecordingQueue::default()),
        Arc::new(RecordingQueue::default()),
    );
    let harness = Harness::keeping_rejected(main.clone(), rejected.clone(), settings());
    let (body, bad) = hundred_with_three_malformed();
    let answer = harness.call(rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body,
        json!({"received": 100, "enqueued": 97, "ignored": 0, "rejected": 3})
    );
    assert_eq!(main.delivered().len(), 97);
    let kept = rejected.delivered();
    assert_eq!(kept.len(), 3);
    for (entry, original) in kept.iter().zip(&bad) {
        let body: Value = serde_json::from_str(&entry.body).unwrap();
        assert_eq!(&body, original, "kept verbatim");
        assert!(entry.group_id.starts_with("rejected-"));
        assert_eq!(
            entry.attributes["CorrelationId"],
            answer.report.correlation_id
        );
    }
    let reasons: Vec<&str> = kept
        .iter()
        .map(|e| e.attributes[receipt::handler::REJECTED_REASON_ATTRIBUTE].as_str())
        .collect();
    assert_eq!(
        reasons,
        ["missing_object_id", "invalid_event", "invalid_event"]
    );
    // Counted by reason in the function's metrics.
    let lines = harness.metrics.0.lock().unwrap().clone();
    let rejected_counts: Vec<(String, u64)> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("EventsRejected").is_some())
        .map(|v| {
            (
                v["Reason"].as_str().unwrap().to_owned(),
                v["EventsRejected"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rejected_counts,
        [
            ("invalid_event".to_owned(), 2),
            ("missing_object_id".to_owned(), 1)
        ]
    );
    // HubSpot retrying the delivery (its attemptNumber goes up) keeps each bad event once.
    let retry = body.replace("\"attemptNumber\":0", "\"attemptNumber\":1");
    assert_ne!(retry, body);
    harness.call(rest_event(&retry, SECRET, now_ms())).await;
    let ids: std::collections::HashSet<_> = rejected
        .delivered()
        .iter()
        .map(|e| e.dedup_id.clone())
        .collect();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn a_rejected_event_that_cannot_be_kept_means_503() {
    let rejected = RecordingQueue::default();
    rejected
        .script
        .lock()
        .unwrap()
        .extend((0..10).map(|_| Script::Unavailable));
    let main = Arc::new(RecordingQueue::default());
    let harness = Harness::keeping_rejected(main.clone(), Arc::new(rejected), settings());
    let (body, _) = hundred_with_three_malformed();
    let answer = harness.call(rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(
        (
            answer.body["enqueued"].as_u64(),
            answer.body["failed"].as_u64()
        ),
        (Some(97), Some(3))
    );
}

#[tokio::test]
async fn without_a_rejected_queue_a_malformed_event_refuses_the_delivery() {
    let receipt = recorded(RecordingQueue::default(), settings());
    let (body, _) = hundred_with_three_malformed();
    let (status, answer, _) = call(&receipt, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("malformed_body"))
    );
    assert!(receipt.queue.delivered().is_empty());
}

#[tokio::test]
async fn a_broken_event_of_an_ignored_type_is_ignored_not_kept() {
    let (main, rejected) = (
        Arc::new(RecordingQueue::default()),
        Arc::new(RecordingQueue::default()),
    );
    let harness = Harness::keeping_rejected(main.clone(), rejected.clone(), settings());
    let body = json!([
        {"eventId": 1, "portalId": 1, "occurredAt": 1, "subscriptionType": "contact.creation"},
        {"eventId": 2, "portalId": 1, "occurredAt": 1, "subscriptionType": "deal.propertyChange",
         "propertyName": "aws_sync_status", "propertyValue": "synced"},
        {"eventId": 3, "portalId": 1, "occurredAt": 1, "subscriptionType": "object.creation",
         "objectTypeId": "0-3"},
        {"eventId": 4, "portalId": 1, "occurredAt": 1, "subscriptionType": "deal.creation", "objectId": 9}
    ])
    .to_string();
    let answer = harness.call(rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(
        answer.body,
        json!({"received": 4, "enqueued": 1, "ignored": 2, "rejected": 1}),
        "the contact event and the sync's own echo are ignored; the broken deal event is kept"
    );
    assert_eq!(rejected.delivered().len(), 1);
    assert!(rejected.delivered()[0].body.contains("\"eventId\":3"));
}
