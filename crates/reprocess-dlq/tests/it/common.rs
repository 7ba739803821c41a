//! Test harness over moto (a real SQS protocol server): per-test FIFO queue + FIFO DLQ with a
//! redrive policy, and helpers to poison messages into the DLQ the way failed processing does.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use events::SyncEvent;
use queue::{Queue, SqsFifo};
use reprocess_dlq::Reprocessor;
use std::sync::Arc;

/// Receives on the main queue after which SQS (moto) moves a message to the DLQ.
pub const MAX_RECEIVE_COUNT: u32 = 2;

/// The moto endpoint, from `MOTO_ENDPOINT` (`scripts/test.sh` starts `moto_server` and sets it).
/// Missing ⇒ the test fails: a silently skipped integration test would pass without testing.
pub fn moto_endpoint() -> String {
    match std::env::var("MOTO_ENDPOINT") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "MOTO_ENDPOINT is not set: these tests need a moto SQS server. Run them through \
             scripts/test.sh, or start `moto_server -H 127.0.0.1 -p 5000` and export \
             MOTO_ENDPOINT=http://127.0.0.1:5000"
        ),
    }
}

pub fn client() -> Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .endpoint_url(moto_endpoint())
        .build();
    Client::from_conf(config)
}

fn unique_name(tag: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("rdlq-{tag}-{}-{nanos}-{n}", std::process::id())
}

/// A main FIFO queue and its FIFO DLQ, unique to one test.
pub struct Queues {
    pub client: Client,
    pub queue_url: String,
    pub dlq_url: String,
}

impl Queues {
    pub async fn create(tag: &str) -> Self {
        let client = client();
        let name = unique_name(tag);
        let dlq_url = client
            .create_queue()
            .queue_name(format!("{name}-dlq.fifo"))
            .attributes(QueueAttributeName::FifoQueue, "true")
            .send()
            .await
            .expect("create the DLQ on moto (is MOTO_ENDPOINT a running moto_server?)")
            .queue_url
            .unwrap();
        let dlq_arn = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()
            .remove(&QueueAttributeName::QueueArn)
            .unwrap();
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": MAX_RECEIVE_COUNT,
        });
        let queue_url = client
            .create_queue()
            .queue_name(format!("{name}.fifo"))
            .attributes(QueueAttributeName::FifoQueue, "true")
            .attributes(QueueAttributeName::VisibilityTimeout, "30")
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        Queues {
            client,
            queue_url,
            dlq_url,
        }
    }

    pub fn queue(&self) -> Queue {
        Arc::new(SqsFifo::new(self.client.clone(), &self.queue_url))
    }

    pub fn dlq(&self) -> Queue {
        Arc::new(SqsFifo::new(self.client.clone(), &self.dlq_url))
    }

    pub fn reprocessor(&self) -> Reprocessor {
        Reprocessor::new(self.queue(), self.dlq())
    }

    /// What the receipt Lambda does: the event on the main queue with its own group and dedup id.
    pub async fn enqueue(&self, event: &SyncEvent) {
        self.enqueue_raw(
            &event.to_json(),
            &event.message_group_id(),
            &event.message_deduplication_id(),
        )
        .await;
    }

    pub async fn enqueue_raw(&self, body: &str, group_id: &str, deduplication_id: &str) {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .message_group_id(group_id)
            .message_deduplication_id(deduplication_id)
            .send()
            .await
            .unwrap();
    }

    /// What a failing processor does: receive and let go (ChangeMessageVisibility 0) without
    /// deleting, until SQS has moved `expected` messages to the DLQ. Returns how many times
    /// messages were delivered (and failed) on the main queue before that.
    pub async fn poison_until_dead(&self, expected: usize) -> usize {
        let mut deliveries = 0;
        for _ in 0..20 {
            if self.count(&self.dlq_url).await == expected && self.count(&self.queue_url).await == 0
            {
                return deliveries;
            }
            for message in receive(&self.client, &self.queue_url, Duration::from_secs(30)).await {
                deliveries += 1;
                self.client
                    .change_message_visibility()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle.unwrap())
                    .visibility_timeout(0)
                    .send()
                    .await
                    .unwrap();
            }
        }
        panic!(
            "after 20 receives the DLQ holds {} messages, expected {expected}",
            self.count(&self.dlq_url).await
        );
    }

    /// Visible + in-flight messages (`ApproximateNumberOfMessages` + `...NotVisible`).
    pub async fn count(&self, queue_url: &str) -> usize {
        let attributes = self
            .client
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        let number = |name: QueueAttributeName| -> usize {
            attributes.get(&name).map_or(0, |v| v.parse().unwrap())
        };
        number(QueueAttributeName::ApproximateNumberOfMessages)
            + number(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
    }

    /// Receives (and deletes) everything the main queue hands out, as the processor would on
    /// success; in the order delivered.
    pub async fn process_main_queue(&self) -> Vec<Message> {
        drain(&self.client, &self.queue_url).await
    }

    /// Everything the DLQ hands out right now, in order, without deleting (released at the end).
    pub async fn peek_dlq(&self) -> Vec<Message> {
        let mut all = Vec::new();
        loop {
            let batch = receive(&self.client, &self.dlq_url, Duration::from_secs(30)).await;
            if batch.is_empty() {
                break;
            }
            all.extend(batch);
        }
        for message in &all {
            self.client
                .change_message_visibility()
                .queue_url(&self.dlq_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .visibility_timeout(0)
                .send()
                .await
                .unwrap();
        }
        all
    }
}

pub async fn receive(client: &Client, queue_url: &str, visibility: Duration) -> Vec<Message> {
    client
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(10)
        .visibility_timeout(i32::try_from(visibility.as_secs()).unwrap())
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default()
}

async fn drain(client: &Client, queue_url: &str) -> Vec<Message> {
    let mut all = Vec::new();
    loop {
        let batch = receive(client, queue_url, Duration::from_secs(30)).await;
        if batch.is_empty() {
            return all;
        }
        for message in &batch {
            client
                .delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
        all.extend(batch);
    }
}

pub fn attribute(message: &Message, name: MessageSystemAttributeName) -> Option<String> {
    message.attributes().and_then(|a| a.get(&name)).cloned()
}

pub fn body(message: &Message) -> &str {
    message.body().unwrap()
}

/// A HubSpot-originated event as the receipt Lambda enqueues it. `seq` makes each distinct
/// (different time ⇒ different dedup id) and lets tests tell them apart.
pub fn event(
    portal: u64,
    object_type: &str,
    object_id: u64,
    event_type: &str,
    seq: i64,
) -> SyncEvent {
    SyncEvent::from_json(
        &serde_json::json!({
            "schemaVersion": 1,
            "source": "hubspot",
            "eventType": event_type,
            "objectType": object_type,
            "objectId": object_id.to_string(),
            "portalId": portal,
            "occurredAt": 1_700_000_000_000_i64 + seq,
            "receivedAt": 1_700_000_000_500_i64 + seq,
            "correlationId": format!("req-{seq}"),
            "attemptNumber": 0,
        })
        .to_string(),
    )
    .unwrap()
}

pub fn deal(object_id: u64, seq: i64) -> SyncEvent {
    event(62515, "deal", object_id, "deal.propertyChange", seq)
}

/// A deadline comfortably beyond any test run.
pub fn later() -> Instant {
    Instant::now() + Duration::from_secs(60)
}
