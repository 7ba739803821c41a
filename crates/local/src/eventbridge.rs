//! EventBridge's two deliveries to the events queue, played locally as the stack's rules play
//! them in AWS (template.yaml `PartnerCentralEventsRule` and `ReconciliationSweepSchedule`):
//! the body is the event envelope itself, the message group is the rule target's constant
//! `MessageGroupId`, and the deduplication id is the SHA-256 of the body — what the queue's
//! content-based deduplication computes
//! (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html>).

use std::time::Duration;

use chrono::{DateTime, Utc};
use events::eventbridge::{PARTNER_CENTRAL_SOURCE, SCHEDULE_SOURCE, SCHEDULED_EVENT};
use queue::{Queue, SendEntry};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

/// `SqsParameters.MessageGroupId` of the Partner Central events rule's target.
pub const EVENTS_GROUP: &str = "partner-central-events";
/// `SqsParameters.MessageGroupId` of the sweep schedule's target.
pub const SWEEP_GROUP: &str = "reconciliation-sweep";
/// The partner account of the local envelopes (the Partner Central fake's account).
const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";

/// One EventBridge delivery to a FIFO target.
pub fn delivery(body: String, group: &str) -> SendEntry {
    SendEntry {
        dedup_id: hex::encode(Sha256::digest(body.as_bytes())),
        group_id: group.to_owned(),
        body,
        attributes: Default::default(),
    }
}

/// The schedule's event, as EventBridge sends a scheduled rule's target.
pub fn scheduled_event(at: DateTime<Utc>) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": SCHEDULED_EVENT,
        "source": SCHEDULE_SOURCE,
        "account": ACCOUNT,
        "time": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/sync-local-reconciliation-sweep")],
        "detail": {},
    })
}

/// Queues one sweep now; returns the message id.
pub async fn send_sweep(queue: &Queue) -> anyhow::Result<String> {
    let body = scheduled_event(Utc::now()).to_string();
    Ok(queue::send_one(queue.as_ref(), delivery(body, SWEEP_GROUP)).await?)
}

/// The rule's event pattern: Partner Central's events of the stack's catalog.
fn matches_rule(event: &Value, catalog: &str) -> bool {
    event.get("source").and_then(Value::as_str) == Some(PARTNER_CENTRAL_SOURCE)
        && event.pointer("/detail/catalog").and_then(Value::as_str) == Some(catalog)
}

/// Delivers the Partner Central fake's events to the queue until `stop`, as the events rule
/// does. A failed send is retried for a while (EventBridge retries for up to 24 hours).
pub fn spawn_event_rule(
    mut events: tokio::sync::mpsc::UnboundedReceiver<Value>,
    queue: Queue,
    catalog: &'static str,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                event = events.recv() => event,
                _ = stop.wait_for(|s| *s) => None,
            };
            let Some(event) = event else { return };
            if !matches_rule(&event, catalog) {
                continue;
            }
            let entry = delivery(event.to_string(), EVENTS_GROUP);
            let mut attempt = 0;
            while let Err(e) = queue::send_one(queue.as_ref(), entry.clone()).await {
                attempt += 1;
                if attempt >= 10 {
                    tracing::error!(error = %e, "EventBridge rule: event not delivered");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
        }
    })
}

/// Queues a sweep every `every` until `stop`, as the schedule rule does.
pub fn spawn_schedule(
    queue: Queue,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            if let Err(e) = send_sweep(&queue).await {
                tracing::error!(error = %e, "schedule: sweep not queued");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_are_content_deduplicated_and_grouped() {
        let a = delivery("{\"x\":1}".into(), EVENTS_GROUP);
        assert_eq!(a.dedup_id, delivery("{\"x\":1}".into(), "g").dedup_id);
        assert_ne!(
            a.dedup_id,
            delivery("{\"x\":2}".into(), EVENTS_GROUP).dedup_id
        );
        assert_eq!(a.group_id, EVENTS_GROUP);
        assert_eq!(a.dedup_id.len(), 64);
    }

    #[test]
    fn the_schedule_event_is_what_the_processor_reads_as_a_sweep() {
        let body = scheduled_event(Utc::now()).to_string();
        match events::QueueMessage::from_json(&body) {
            Ok(events::QueueMessage::EventBridge(e)) => assert!(e.is_schedule()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_rule_pattern_is_source_and_catalog() {
        let event = json!({"source": PARTNER_CENTRAL_SOURCE, "detail": {"catalog": "Sandbox"}});
        assert!(matches_rule(&event, "Sandbox"));
        assert!(!matches_rule(&event, "AWS"));
        assert!(!matches_rule(&json!({"source": "aws.events"}), "Sandbox"));
    }
}
