//! One test per fault, each ending with every event's effect present exactly once: one
//! opportunity per deal, linked and synced, as many creates as opportunities, nothing left in
//! the queue or the DLQ. Run with the embedded queue and with moto.

use std::time::Duration;

use crate::support::Queue;
use local::pipeline::Pipeline;
use local::webhook::{DEMO_PORTAL, DEMO_SECRET, EventFactory, WebhookClient};
use sandbox::hubspot::{HubSpotFault, ObjectType};
use sandbox::partner_central::PartnerCentralFault;
use serde_json::Value;

/// Generous: redeliveries must not end in the DLQ while a storm lasts.
const MAX_RECEIVES: u32 = 10;
const DRAIN: Duration = Duration::from_secs(60);

struct Fixture {
    pipeline: Pipeline,
    client: WebhookClient,
    events: EventFactory,
    deals: Vec<String>,
}

async fn fixture(queue: Queue) -> Fixture {
    let pipeline = crate::support::pipeline(queue, MAX_RECEIVES).await;
    let ids = pipeline.sandbox.as_ref().unwrap().demo.clone().unwrap();
    Fixture {
        client: WebhookClient::new(pipeline.webhook_url(), DEMO_SECRET),
        events: EventFactory::new(DEMO_PORTAL),
        deals: vec![ids.deal_acme, ids.deal_nordwind, ids.deal_closed_lost],
        pipeline,
    }
}

impl Fixture {
    fn creations(&self) -> Vec<Value> {
        self.deals
            .iter()
            .map(|d| self.events.creation("deal", d.parse().unwrap()))
            .collect()
    }

    async fn finish(self) {
        assert!(
            self.pipeline.wait_drained(DRAIN).await,
            "queue did not drain"
        );
        let deals: Vec<&str> = self.deals.iter().map(String::as_str).collect();
        crate::support::assert_exactly_once(&self.pipeline, &deals);
        assert_eq!(self.pipeline.dlq.depth().await.unwrap().total(), 0, "DLQ");
        self.pipeline.shutdown().await;
    }
}

async fn queue_unavailable_at_receipt(queue: Queue) {
    let f = fixture(queue).await;
    f.pipeline.faults.queue_unavailable_for(1);
    let answers = f
        .client
        .deliver_with_retries(&f.creations(), 3, Duration::from_millis(100))
        .await
        .unwrap();
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [503, 200], "HubSpot's retry is accepted");
    f.finish().await;
}

async fn processor_crash_mid_batch(queue: Queue) {
    let f = fixture(queue).await;
    // The first invocation syncs 2 of the 3 records, then dies: all 3 come back.
    f.pipeline.faults.crash_next_batch_after(2);
    let answer = f.client.deliver(&f.creations()).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(f.pipeline.wait_drained(DRAIN).await);
    let history = f.pipeline.status.history();
    assert!(
        history.iter().any(|r| r.outcome == "invocation_error"),
        "the crash happened: {history:?}"
    );
    f.finish().await;
}

async fn partner_central_throttling_storm(queue: Queue) {
    let f = fixture(queue).await;
    let pc = &f.pipeline.sandbox.as_ref().unwrap().partner_central;
    pc.fail_next(8, PartnerCentralFault::Throttling);
    let answer = f.client.deliver(&f.creations()).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(f.pipeline.wait_drained(DRAIN).await);
    let throttled = pc
        .calls()
        .iter()
        .filter(|c| c.error.as_deref().is_some_and(|e| e.contains("Throttling")))
        .count();
    assert_eq!(throttled, 8, "every injected throttle was hit");
    f.finish().await;
}

async fn hubspot_429_storm(queue: Queue) {
    let f = fixture(queue).await;
    let hubspot = &f.pipeline.sandbox.as_ref().unwrap().hubspot;
    hubspot.fail_next(6, HubSpotFault::RateLimited);
    let answer = f.client.deliver(&f.creations()).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(f.pipeline.wait_drained(DRAIN).await);
    let limited = hubspot
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(limited, 6, "every injected 429 was hit");
    f.finish().await;
}

async fn poison_with_short_redrive(queue: Queue) {
    let pipeline = crate::support::pipeline(queue, 2).await;
    let sandbox = pipeline.sandbox.as_ref().unwrap();
    let ids = sandbox.demo.clone().unwrap();
    let client = WebhookClient::new(pipeline.webhook_url(), DEMO_SECRET);
    let events = EventFactory::new(DEMO_PORTAL);
    sandbox.partner_central.fail_next_op(
        "CreateOpportunity",
        10_000,
        PartnerCentralFault::AccessDenied,
    );
    let poison = events.creation("deal", ids.deal_closed_lost.parse().unwrap());
    let healthy = events.creation("deal", ids.deal_acme.parse().unwrap());
    assert_eq!(client.deliver(&[poison]).await.unwrap().status, 200);
    assert!(
        pipeline.wait_dlq_depth(1, DRAIN).await,
        "poison reached the DLQ"
    );
    sandbox.partner_central.clear_faults();
    // Other deals keep flowing while the poison waits in the DLQ.
    assert_eq!(client.deliver(&[healthy]).await.unwrap().status, 200);
    assert!(pipeline.wait_drained(DRAIN).await);
    assert_eq!(crate::support::opportunities_per_deal(&pipeline).len(), 1);
    let summary = pipeline
        .reprocess_dlq(serde_json::Value::Null)
        .await
        .unwrap();
    assert_eq!((summary.moved, summary.failed), (1, 0), "{summary:?}");
    assert!(pipeline.wait_drained(DRAIN).await);
    crate::support::assert_exactly_once(&pipeline, &[&ids.deal_closed_lost, &ids.deal_acme]);
    assert_eq!(pipeline.dlq.depth().await.unwrap().total(), 0);
    let hubspot = &sandbox.hubspot;
    assert!(
        hubspot
            .property(
                ObjectType::Deal,
                &ids.deal_closed_lost,
                "aws_opportunity_id"
            )
            .is_some()
    );
    pipeline.shutdown().await;
}

macro_rules! faults {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name(super::Queue::Embedded).await;
            })*
        }
        mod moto {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name(super::Queue::Moto).await;
            })*
        }
    };
}

faults!(
    queue_unavailable_at_receipt,
    processor_crash_mid_batch,
    partner_central_throttling_storm,
    hubspot_429_storm,
    poison_with_short_redrive,
);
