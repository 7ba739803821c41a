//! The FIFO semantics the pipeline relies on, as one set of tests run against the embedded
//! queue and against moto (a real SQS protocol server; `MOTO_ENDPOINT`, set by scripts/test.sh).
//! The embedded queue runs on a manual clock, so "wait for the visibility timeout" costs
//! nothing there; against moto it is a real 1-second wait.

use std::sync::Arc;
use std::time::Duration;

use events::{Clock, ManualClock};
use queue::{
    EmbeddedQueue, FifoQueue, QueueSettings, ReceivedMessage, SendEntry, SendResult, SqsFifo,
    attribute,
};

const VISIBILITY: Duration = Duration::from_secs(1);
const NO_WAIT: Duration = Duration::ZERO;

trait Harness {
    type Q: FifoQueue;
    /// A fresh (queue, DLQ) pair: redrive after `max_receive_count`, 1 s visibility timeout.
    async fn pair(&self, max_receive_count: u32) -> (Self::Q, Self::Q);
    /// Lets `d` pass on the queue's clock.
    async fn pass(&self, d: Duration);
    /// Whether the clock can jump 5 minutes (the deduplication window) without waiting.
    fn can_jump(&self) -> bool;
    /// SQS remembers a deduplication id for 5 minutes even after the message was deleted;
    /// moto forgets it with the message (a moto quirk, docs/local.md).
    fn dedup_outlives_delete(&self) -> bool {
        true
    }
    /// SQS sequence numbers grow within a group; moto's are random 20-digit numbers.
    fn sequence_numbers_grow(&self) -> bool {
        true
    }
}

struct Embedded(ManualClock);

impl Harness for Embedded {
    type Q = EmbeddedQueue;
    async fn pair(&self, max_receive_count: u32) -> (EmbeddedQueue, EmbeddedQueue) {
        let settings = QueueSettings::new("conformance", VISIBILITY, Some(max_receive_count));
        EmbeddedQueue::with_dlq(settings, Arc::new(self.0.clone()))
    }
    async fn pass(&self, d: Duration) {
        self.0.advance(d);
    }
    fn can_jump(&self) -> bool {
        true
    }
}

struct Moto(aws_sdk_sqs::Client);

impl Harness for Moto {
    type Q = SqsFifo;
    async fn pair(&self, max_receive_count: u32) -> (SqsFifo, SqsFifo) {
        let (queue, dlq) = sandbox::moto::fifo_queue_with_dlq(
            &self.0,
            "conformance",
            max_receive_count,
            u32::try_from(VISIBILITY.as_secs()).unwrap(),
        )
        .await
        .unwrap();
        (
            SqsFifo::new(self.0.clone(), queue),
            SqsFifo::new(self.0.clone(), dlq),
        )
    }
    async fn pass(&self, d: Duration) {
        // moto compares whole-second timestamps: a little extra makes "1 s later" certain.
        tokio::time::sleep(d + Duration::from_millis(150)).await;
    }
    fn can_jump(&self) -> bool {
        false
    }
    fn dedup_outlives_delete(&self) -> bool {
        false
    }
    fn sequence_numbers_grow(&self) -> bool {
        false
    }
}

fn entry(group: &str, dedup: &str, body: &str) -> SendEntry {
    SendEntry {
        body: body.to_owned(),
        group_id: group.to_owned(),
        dedup_id: dedup.to_owned(),
        ..SendEntry::default()
    }
}

async fn send<Q: FifoQueue>(q: &Q, entries: &[(&str, &str)]) -> Vec<SendResult> {
    let entries: Vec<SendEntry> = entries
        .iter()
        .map(|(group, body)| entry(group, body, body))
        .collect();
    let mut results = Vec::new();
    for chunk in entries.chunks(10) {
        results.extend(q.send_batch(chunk).await.unwrap());
    }
    results
}

async fn receive<Q: FifoQueue>(q: &Q, max: usize) -> Vec<ReceivedMessage> {
    q.receive(max, None, NO_WAIT).await.unwrap()
}

fn bodies(messages: &[ReceivedMessage]) -> Vec<&str> {
    messages.iter().map(|m| m.body.as_str()).collect()
}

async fn delete_all<Q: FifoQueue>(q: &Q, messages: &[ReceivedMessage]) {
    for m in messages {
        q.delete(&m.receipt_handle).await.unwrap();
    }
}

/// Receives (deleting as it goes) until the queue hands out nothing more.
async fn drain<Q: FifoQueue>(q: &Q) -> Vec<String> {
    let mut all = Vec::new();
    loop {
        let got = receive(q, 10).await;
        if got.is_empty() {
            return all;
        }
        delete_all(q, &got).await;
        all.extend(got.into_iter().map(|m| m.body));
    }
}

// ----- the suite --------------------------------------------------------------------------------

async fn order_is_kept_within_a_group<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    send(
        &q,
        &[
            ("a", "a1"),
            ("b", "b1"),
            ("a", "a2"),
            ("a", "a3"),
            ("b", "b2"),
        ],
    )
    .await;
    let all = drain(&q).await;
    let of = |g: char| {
        all.iter()
            .filter(|b| b.starts_with(g))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(of('a'), ["a1", "a2", "a3"]);
    assert_eq!(of('b'), ["b1", "b2"]);
}

async fn a_group_in_flight_is_blocked_for_other_receivers<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    send(&q, &[("a", "a1"), ("a", "a2"), ("b", "b1")]).await;
    let first = receive(&q, 1).await;
    assert_eq!(bodies(&first), ["a1"]);
    // Another receiver: a2 must not be handed out while a1 is in flight.
    let second = receive(&q, 10).await;
    assert_eq!(bodies(&second), ["b1"]);
    assert!(
        receive(&q, 10).await.is_empty(),
        "group a is still in flight"
    );
    delete_all(&q, &first).await;
    assert_eq!(bodies(&receive(&q, 10).await), ["a2"]);
}

async fn a_receive_returns_at_most_ten<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    let names: Vec<String> = (0..15).map(|i| format!("m{i:02}")).collect();
    let entries: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), n.as_str())).collect();
    send(&q, &entries).await;
    let first = receive(&q, 10).await;
    assert_eq!(first.len(), 10);
    let second = receive(&q, 10).await;
    assert_eq!(second.len(), 5);
    let mut seen: Vec<&str> = bodies(&first).into_iter().chain(bodies(&second)).collect();
    seen.sort_unstable();
    assert_eq!(seen, names.iter().map(String::as_str).collect::<Vec<_>>());
}

async fn duplicates_within_the_window_are_dropped<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    let first = q.send_batch(&[entry("g", "d1", "one")]).await.unwrap();
    let again = q
        .send_batch(&[entry("g", "d1", "one again")])
        .await
        .unwrap();
    let other = q.send_batch(&[entry("g", "d2", "two")]).await.unwrap();
    for r in [&first, &again, &other] {
        assert!(matches!(r[0], SendResult::Sent { .. }), "{r:?}");
    }
    assert_eq!(drain(&q).await, ["one", "two"]);
    // Even after the first copy was consumed, the id stays remembered for 5 minutes.
    if h.dedup_outlives_delete() {
        q.send_batch(&[entry("g", "d1", "late copy")])
            .await
            .unwrap();
        assert!(drain(&q).await.is_empty());
    }
    if h.can_jump() {
        h.pass(Duration::from_secs(301)).await;
        q.send_batch(&[entry("g", "d1", "after the window")])
            .await
            .unwrap();
        assert_eq!(drain(&q).await, ["after the window"]);
    }
}

async fn an_undeleted_message_reappears_after_the_visibility_timeout<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    send(&q, &[("g", "m1"), ("g", "m2")]).await;
    let first = receive(&q, 1).await;
    assert_eq!(first[0].receive_count(), Some(1));
    assert!(receive(&q, 10).await.is_empty());
    h.pass(VISIBILITY).await;
    let again = receive(&q, 1).await;
    assert_eq!(bodies(&again), ["m1"], "the same message, not the next one");
    assert_eq!(again[0].message_id, first[0].message_id);
    assert_eq!(again[0].receive_count(), Some(2));
    assert_ne!(again[0].receipt_handle, first[0].receipt_handle);
    delete_all(&q, &again).await;
    assert_eq!(drain(&q).await, ["m2"]);
}

async fn visibility_zero_releases_at_once<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    send(&q, &[("g", "m1")]).await;
    let first = receive(&q, 1).await;
    q.change_visibility(&first[0].receipt_handle, Duration::ZERO)
        .await
        .unwrap();
    let again = receive(&q, 1).await;
    assert_eq!(bodies(&again), ["m1"]);
    assert_eq!(again[0].receive_count(), Some(2));
}

async fn a_message_received_too_often_moves_to_the_dlq<H: Harness>(h: H) {
    let (q, dlq) = h.pair(2).await;
    send(&q, &[("g", "poison"), ("g", "next")]).await;
    for expected in 1..=2 {
        let got = receive(&q, 1).await;
        assert_eq!(bodies(&got), ["poison"]);
        assert_eq!(got[0].receive_count(), Some(expected));
        h.pass(VISIBILITY).await;
    }
    // The third receive finds it over maxReceiveCount: it goes to the DLQ, unblocking "next".
    let after = receive(&q, 10).await;
    assert_eq!(bodies(&after), ["next"]);
    let dead = dlq.receive(10, None, Duration::from_secs(1)).await.unwrap();
    assert_eq!(bodies(&dead), ["poison"]);
    assert_eq!(dead[0].group_id(), Some("g"));
    assert_eq!(
        dead[0].attribute(attribute::MESSAGE_DEDUPLICATION_ID),
        Some("poison")
    );
    assert!(dead[0].receive_count() >= Some(1));
    let depth = dlq.depth().await.unwrap();
    assert_eq!((depth.visible, depth.in_flight), (0, 1));
}

async fn system_attributes_are_set_as_sqs_sets_them<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    let before = events::SystemClock.now_ms() - 2_000;
    let sent = send(&q, &[("g", "m1"), ("g", "m2")]).await;
    let got = receive(&q, 10).await;
    assert_eq!(bodies(&got), ["m1", "m2"]);
    let mut sequence = Vec::new();
    for (m, s) in got.iter().zip(&sent) {
        let SendResult::Sent {
            message_id,
            sequence_number,
        } = s
        else {
            panic!("{s:?}");
        };
        assert_eq!(&m.message_id, message_id);
        assert_eq!(
            m.attribute(attribute::SEQUENCE_NUMBER),
            Some(sequence_number.as_str())
        );
        assert_eq!(m.md5_of_body, queue::md5_hex(&m.body));
        assert_eq!(m.attribute(attribute::MESSAGE_GROUP_ID), Some("g"));
        assert_eq!(
            m.attribute(attribute::MESSAGE_DEDUPLICATION_ID),
            Some(m.body.as_str())
        );
        assert_eq!(m.attribute(attribute::APPROXIMATE_RECEIVE_COUNT), Some("1"));
        let ts = |name| m.attribute(name).unwrap().parse::<i64>().unwrap();
        assert!(ts(attribute::SENT_TIMESTAMP) >= before);
        assert!(
            ts(attribute::APPROXIMATE_FIRST_RECEIVE_TIMESTAMP) >= ts(attribute::SENT_TIMESTAMP)
        );
        assert!(m.attribute(attribute::SENDER_ID).is_some());
        assert_eq!(sequence_number.len(), 20, "{sequence_number}");
        sequence.push(sequence_number.parse::<u128>().unwrap());
    }
    if h.sequence_numbers_grow() {
        assert!(sequence[0] < sequence[1], "{sequence:?}");
    }
    let depth = q.depth().await.unwrap();
    assert_eq!((depth.visible, depth.in_flight), (0, 2));
    delete_all(&q, &got).await;
    assert_eq!(q.depth().await.unwrap().total(), 0);
}

async fn only_the_latest_receipt_handle_deletes<H: Harness>(h: H) {
    let (q, _) = h.pair(5).await;
    send(&q, &[("g", "m1")]).await;
    let first = receive(&q, 1).await;
    h.pass(VISIBILITY).await;
    let second = receive(&q, 1).await;
    assert_eq!(second[0].receive_count(), Some(2));
    // Whatever the stale handle does, the message must still be deletable with the new one
    // and gone afterwards.
    let _ = q.delete(&first[0].receipt_handle).await;
    q.delete(&second[0].receipt_handle).await.unwrap();
    h.pass(VISIBILITY).await;
    assert!(receive(&q, 10).await.is_empty());
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Embedded(super::ManualClock::starting_now())).await;
            })*
        }
        mod moto {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Moto(sandbox::moto::sqs().await)).await;
            })*
        }
    };
}

async fn message_attributes_travel_with_the_message<H: Harness>(h: H) {
    let (q, _dlq) = h.pair(3).await;
    let mut tagged = entry("g1", "tagged", "tagged");
    tagged
        .attributes
        .insert("RejectedReason".into(), "missing_object_id".into());
    let results = q
        .send_batch(&[tagged, entry("g2", "plain", "plain")])
        .await
        .unwrap();
    assert!(results.iter().all(|r| matches!(r, SendResult::Sent { .. })));
    let got = receive(&q, 10).await;
    let by_body = |body: &str| got.iter().find(|m| m.body == body).unwrap();
    assert_eq!(
        by_body("tagged")
            .message_attributes
            .get("RejectedReason")
            .map(String::as_str),
        Some("missing_object_id")
    );
    assert!(by_body("plain").message_attributes.is_empty());
}

conformance!(
    message_attributes_travel_with_the_message,
    order_is_kept_within_a_group,
    a_group_in_flight_is_blocked_for_other_receivers,
    a_receive_returns_at_most_ten,
    duplicates_within_the_window_are_dropped,
    an_undeleted_message_reappears_after_the_visibility_timeout,
    visibility_zero_releases_at_once,
    a_message_received_too_often_moves_to_the_dlq,
    system_attributes_are_set_as_sqs_sets_them,
    only_the_latest_receipt_handle_deletes,
);
