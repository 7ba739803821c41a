//! The handler with the real SQS adapter against moto (a real SQS protocol server): FIFO group
//! and dedup ids as SQS sees them, redelivery deduplicated, an unreachable queue answered 503,
//! and the client secret read from Secrets Manager.

use std::collections::HashSet;

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use std::sync::Arc;

use crate::support::*;
use queue::SqsFifo;
use sandbox::moto;
use serde_json::{Value, json};

async fn visible_count(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .unwrap();
    attrs.attributes().unwrap()[&QueueAttributeName::ApproximateNumberOfMessages]
        .parse()
        .unwrap()
}

async fn post(receipt: &Harness, event: Value) -> (i64, Value) {
    let answer = receipt.call(event).await;
    (answer.status, answer.body)
}

#[tokio::test]
async fn hundred_events_become_hundred_fifo_messages_and_a_retry_adds_none() {
    let sqs = moto::sqs().await;
    let (queue_url, _) = moto::fifo_queue_with_dlq(&sqs, "receipt", 5, 30)
        .await
        .unwrap();
    let receipt = Harness::new(Arc::new(SqsFifo::new(sqs.clone(), &queue_url)), settings());
    let events = hubspot_events(100, 62515);
    let body = serde_json::to_string(&events).unwrap();

    let (status, answer) = post(&receipt, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(
        (status, answer),
        (200, json!({"received": 100, "enqueued": 100, "ignored": 0}))
    );
    assert_eq!(visible_count(&sqs, &queue_url).await, 100);

    // HubSpot's retry of the same delivery (new timestamp, new request id, attemptNumber + 1)
    let retried: Vec<Value> = events
        .iter()
        .cloned()
        .map(|mut e| {
            e["attemptNumber"] = json!(1);
            e
        })
        .collect();
    let retry_body = serde_json::to_string(&retried).unwrap();
    let (status, _) = post(&receipt, rest_event(&retry_body, SECRET, now_ms())).await;
    assert_eq!(status, 200);
    assert_eq!(
        visible_count(&sqs, &queue_url).await,
        100,
        "deduplicated by MessageDeduplicationId"
    );

    let messages = moto::drain(&sqs, &queue_url).await.unwrap();
    assert_eq!(messages.len(), 100);
    let mut dedup_ids = HashSet::new();
    for sync in envelopes_with_matching_ids(&messages) {
        assert_eq!(
            sync.attempt_number, 0,
            "the first delivery's copy is the one kept"
        );
        assert!(dedup_ids.insert(sync.message_deduplication_id()));
    }
    // deal 5001 and company 5001 never share a group
    let groups: HashSet<String> = messages
        .iter()
        .map(|m| m.attributes().unwrap()[&MessageSystemAttributeName::MessageGroupId].clone())
        .collect();
    assert!(groups.contains("62515-deal-5001") && groups.contains("62515-company-5003"));
}

#[tokio::test]
async fn events_of_one_object_keep_their_order_in_the_group() {
    let sqs = moto::sqs().await;
    let (queue_url, _) = moto::fifo_queue_with_dlq(&sqs, "order", 5, 30)
        .await
        .unwrap();
    let receipt = Harness::new(Arc::new(SqsFifo::new(sqs.clone(), &queue_url)), settings());
    // delivered newest first; queued oldest first
    let events: Vec<Value> = (0..6)
        .rev()
        .map(|i| json!({"eventId": i, "portalId": 1, "occurredAt": 1_700_000_000_000i64 + i, "subscriptionType": "deal.propertyChange",
                        "objectId": 42, "propertyName": "amount", "propertyValue": i.to_string()}))
        .collect();
    let (status, _) = post(
        &receipt,
        rest_event(&serde_json::to_string(&events).unwrap(), SECRET, now_ms()),
    )
    .await;
    assert_eq!(status, 200);
    let values: Vec<String> = moto::drain(&sqs, &queue_url)
        .await
        .unwrap()
        .iter()
        .map(|m| {
            events::SyncEvent::from_json(m.body().unwrap())
                .unwrap()
                .hubspot
                .unwrap()
                .property_value
                .unwrap()
        })
        .collect();
    assert_eq!(values, ["0", "1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn malformed_requests_enqueue_nothing() {
    let sqs = moto::sqs().await;
    let (queue_url, _) = moto::fifo_queue_with_dlq(&sqs, "malformed", 5, 30)
        .await
        .unwrap();
    let receipt = Harness::new(Arc::new(SqsFifo::new(sqs.clone(), &queue_url)), settings());
    let good = serde_json::to_string(&hubspot_events(3, 1)).unwrap();
    for (event, status) in [
        (rest_event("[{", SECRET, now_ms()), 400),
        (rest_event(&good, "forged", now_ms()), 401),
        (rest_event(&good, SECRET, now_ms() - 3_600_000), 401),
        (rest_event_with_headers("PUT", &good, json!({})), 405),
    ] {
        assert_eq!(post(&receipt, event).await.0, status);
    }
    assert_eq!(visible_count(&sqs, &queue_url).await, 0);
}

#[tokio::test]
async fn unreachable_sqs_is_answered_503() {
    // A port nothing listens on: the SDK's connection fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = aws_sdk_sqs::config::Builder::from(&moto::sdk_config().await)
        .endpoint_url(format!("http://{closed}"))
        .build();
    let sqs = aws_sdk_sqs::Client::from_conf(config);
    let receipt = Harness::new(
        Arc::new(SqsFifo::new(
            sqs,
            format!("http://{closed}/000000000000/q.fifo"),
        )),
        settings(),
    );
    let body = serde_json::to_string(&hubspot_events(10, 1)).unwrap();
    let (status, answer) = post(&receipt, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(status, 503);
    assert_eq!(
        (answer["error"].as_str(), answer["failed"].as_u64()),
        (Some("enqueue_failed"), Some(10))
    );
}

#[tokio::test]
async fn client_secrets_come_from_secrets_manager() {
    let sm = aws_sdk_secretsmanager::Client::new(&moto::sdk_config().await);
    let name = moto::unique_name("hubspot");
    let created = sm
        .create_secret()
        .name(&name)
        .secret_string(json!({"clientSecret": "current", "previousClientSecret": "older", "accessToken": "pat"}).to_string())
        .send()
        .await
        .unwrap();
    let aws = moto::sdk_config().await;
    let load = |arn: &str| receipt::SecretSource::SecretsManager {
        arn: arn.to_owned(),
    };
    let secrets = receipt::secrets::client_secrets(&load(created.arn().unwrap()), &aws)
        .await
        .unwrap()
        .unwrap();
    let ok = |secret: &str| {
        let sig = events::signature::v1_digest(secret, b"[]");
        let sig = hex::encode(sig);
        let request = events::SignedRequest {
            method: "POST",
            uri: URL,
            body: b"[]",
            signature_v3: None,
            timestamp: None,
            signature: Some(&sig),
            signature_version: Some("v1"),
        };
        events::signature::verify(&request, &secrets, events::AcceptedVersions::ALL, 0, 1).is_ok()
    };
    assert!(ok("current") && ok("older") && !ok("pat"));

    let no_secret = sm
        .create_secret()
        .name(moto::unique_name("empty"))
        .secret_string("{}")
        .send()
        .await
        .unwrap();
    let err = receipt::secrets::client_secrets(&load(no_secret.arn().unwrap()), &aws)
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("clientSecret"), "{err}");
    let missing = receipt::secrets::client_secrets(
        &load("arn:aws:secretsmanager:us-east-1:123456789012:secret:nope"),
        &aws,
    )
    .await;
    assert!(missing.is_err());
}

#[tokio::test]
async fn a_queue_that_hangs_is_answered_503_within_the_request_budget() {
    // Accepts connections and never answers: an SQS endpoint that hangs.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = aws_sdk_sqs::config::Builder::from(&moto::sdk_config().await)
        .endpoint_url(format!("http://{addr}"))
        .build();
    let sqs = aws_sdk_sqs::Client::from_conf(config);
    let budget = std::time::Duration::from_millis(600);
    let receipt = Harness::new(
        Arc::new(SqsFifo::new(
            sqs,
            format!("http://{addr}/000000000000/q.fifo"),
        )),
        receipt::Settings {
            request_budget: budget,
            ..settings()
        },
    );
    let body = serde_json::to_string(&hubspot_events(20, 1)).unwrap();
    let started = std::time::Instant::now();
    let (status, answer) = post(&receipt, rest_event(&body, SECRET, now_ms())).await;
    let took = started.elapsed();
    assert_eq!(
        (status, answer["failed"].as_u64()),
        (503, Some(20)),
        "{answer}"
    );
    assert!(
        took < budget + std::time::Duration::from_millis(400),
        "answered after {took:?}"
    );
}

#[tokio::test]
async fn rejected_events_land_in_the_dlq_with_their_reason() {
    let sqs = moto::sqs().await;
    let (queue_url, dlq_url) = moto::fifo_queue_with_dlq(&sqs, "rejected", 5, 30)
        .await
        .unwrap();
    let receipt = Harness::keeping_rejected(
        Arc::new(SqsFifo::new(sqs.clone(), &queue_url)),
        Arc::new(SqsFifo::new(sqs.clone(), &dlq_url)),
        settings(),
    );
    let mut events = hubspot_events(5, 62515);
    events[2] = json!({"eventId": 9, "portalId": 62515, "occurredAt": 1, "subscriptionType": "deal.creation"});
    let body = serde_json::to_string(&events).unwrap();
    let (status, answer) = post(&receipt, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(
        (status, answer["rejected"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
    assert_eq!(moto::drain(&sqs, &queue_url).await.unwrap().len(), 4);
    let kept = sqs
        .receive_message()
        .queue_url(&dlq_url)
        .message_attribute_names("All")
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(kept.len(), 1);
    let reason = kept[0].message_attributes().unwrap()["RejectedReason"].string_value();
    assert_eq!(reason, Some("missing_object_id"));
    assert_eq!(
        serde_json::from_str::<Value>(kept[0].body().unwrap()).unwrap(),
        events[2]
    );
}
