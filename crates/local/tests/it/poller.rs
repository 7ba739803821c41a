//! The poller behaves like Lambda's SQS event source mapping: Lambda-shaped events, successes
//! deleted, reported failures (or the whole batch on an error) redelivered after the visibility
//! timeout, an unknown itemIdentifier failing the whole batch.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::sqs::{BatchItemFailure, SqsEvent};
use events::ManualClock;
use local::poller::{self, BatchHandler, HandledBatch, PollerConfig};
use local::status::Status;
use queue::{EmbeddedQueue, FifoQueue, QueueSettings, SendEntry};
use tokio::sync::watch;

/// Fails the listed bodies (or the whole invocation) and records every event it got.
#[derive(Default)]
struct Scripted {
    fail_bodies: Mutex<Vec<String>>,
    error_once: Mutex<bool>,
    bogus_identifier_once: Mutex<bool>,
    seen: Mutex<Vec<SqsEvent>>,
}

impl BatchHandler for Scripted {
    async fn handle(&self, event: SqsEvent) -> Result<HandledBatch, String> {
        self.seen.lock().unwrap().push(event.clone());
        if std::mem::take(&mut *self.error_once.lock().unwrap()) {
            return Err("crashed".into());
        }
        let mut batch = HandledBatch::default();
        if std::mem::take(&mut *self.bogus_identifier_once.lock().unwrap()) {
            let mut f = BatchItemFailure::default();
            f.item_identifier = "not-in-this-batch".into();
            batch.response.batch_item_failures.push(f);
            return Ok(batch);
        }
        let fail = self.fail_bodies.lock().unwrap().clone();
        for r in &event.records {
            if fail.contains(r.body.as_ref().unwrap()) {
                let mut f = BatchItemFailure::default();
                f.item_identifier = r.message_id.clone().unwrap();
                batch.response.batch_item_failures.push(f);
            }
        }
        Ok(batch)
    }
}

struct Rig {
    queue: EmbeddedQueue,
    clock: ManualClock,
    handler: Arc<Scripted>,
    stop: watch::Sender<bool>,
}

async fn rig(handler: Scripted) -> Rig {
    let clock = ManualClock::starting_now();
    let (queue, _dlq) = EmbeddedQueue::with_dlq(
        QueueSettings::new("poller", Duration::from_secs(30), Some(5)),
        Arc::new(clock.clone()),
    );
    let handler = Arc::new(handler);
    let (stop, stopped) = watch::channel(false);
    let config = PollerConfig {
        workers: 1,
        wait: Duration::from_millis(50),
        ..PollerConfig::default()
    };
    poller::spawn(
        std::sync::Arc::new(queue.clone()),
        vec![handler.clone()],
        Arc::new(Status::default()),
        config,
        stopped,
    );
    Rig {
        queue,
        clock,
        handler,
        stop,
    }
}

async fn send(queue: &EmbeddedQueue, bodies: &[&str]) {
    let entries: Vec<SendEntry> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| SendEntry {
            body: (*b).to_owned(),
            group_id: format!("g{i}"),
            dedup_id: (*b).to_owned(),
            ..SendEntry::default()
        })
        .collect();
    queue.send_batch(&entries).await.unwrap();
}

async fn until(mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached");
}

async fn depth(queue: &EmbeddedQueue) -> (u64, u64) {
    let d = queue.depth().await.unwrap();
    (d.visible, d.in_flight)
}

#[tokio::test]
async fn events_are_shaped_as_lambda_sends_them_and_successes_are_deleted() {
    let r = rig(Scripted::default()).await;
    send(&r.queue, &["a", "b"]).await;
    until(|| !r.handler.seen.lock().unwrap().is_empty()).await;
    until(|| r.handler.seen.lock().unwrap().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(depth(&r.queue).await, (0, 0));
    let event = r.handler.seen.lock().unwrap()[0].clone();
    let json = serde_json::to_value(&event).unwrap();
    let record = &json["Records"][0];
    assert_eq!(record["eventSource"], "aws:sqs");
    assert_eq!(record["awsRegion"], "us-east-1");
    assert_eq!(record["eventSourceARN"], r.queue.arn());
    assert_eq!(record["body"], "a");
    assert_eq!(record["md5OfBody"], queue::md5_hex("a"));
    assert!(record["messageId"].as_str().unwrap().len() > 10);
    assert!(record["receiptHandle"].as_str().is_some());
    for name in [
        "ApproximateReceiveCount",
        "SentTimestamp",
        "ApproximateFirstReceiveTimestamp",
        "SequenceNumber",
        "MessageGroupId",
        "MessageDeduplicationId",
        "SenderId",
    ] {
        assert!(record["attributes"][name].is_string(), "{name}: {record}");
    }
    assert_eq!(record["attributes"]["ApproximateReceiveCount"], "1");
    r.stop.send(true).unwrap();
}

#[tokio::test]
async fn reported_failures_come_back_after_the_visibility_timeout() {
    let handler = Scripted::default();
    handler.fail_bodies.lock().unwrap().push("bad".into());
    let r = rig(handler).await;
    send(&r.queue, &["good", "bad"]).await;
    until(|| r.handler.seen.lock().unwrap().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        depth(&r.queue).await,
        (0, 1),
        "only the failure is left, in flight"
    );
    r.handler.fail_bodies.lock().unwrap().clear();
    r.clock.advance(Duration::from_secs(30));
    until(|| r.handler.seen.lock().unwrap().len() == 2).await;
    let again = r.handler.seen.lock().unwrap()[1].clone();
    assert_eq!(again.records.len(), 1);
    assert_eq!(again.records[0].body.as_deref(), Some("bad"));
    assert_eq!(again.records[0].attributes["ApproximateReceiveCount"], "2");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(depth(&r.queue).await, (0, 0));
    r.stop.send(true).unwrap();
}

#[tokio::test]
async fn an_error_or_an_unknown_identifier_fails_the_whole_batch() {
    for bogus in [false, true] {
        let handler = Scripted::default();
        if bogus {
            *handler.bogus_identifier_once.lock().unwrap() = true;
        } else {
            *handler.error_once.lock().unwrap() = true;
        }
        let r = rig(handler).await;
        send(&r.queue, &["x", "y", "z"]).await;
        until(|| r.handler.seen.lock().unwrap().len() == 1).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            depth(&r.queue).await,
            (0, 3),
            "nothing deleted (bogus={bogus})"
        );
        r.clock.advance(Duration::from_secs(30));
        until(|| r.handler.seen.lock().unwrap().len() == 2).await;
        assert_eq!(r.handler.seen.lock().unwrap()[1].records.len(), 3);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(depth(&r.queue).await, (0, 0));
        r.stop.send(true).unwrap();
    }
}
