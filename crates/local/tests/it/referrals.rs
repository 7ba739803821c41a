//! AWS referrals through the whole local pipeline (embedded queue and moto, two processor
//! instances polling at once): the Partner Central fake's invitation events reach the queue as
//! the EventBridge rule delivers them, the processor makes the deals, and HubSpot webhooks carry
//! a person's decisions. What the demo scenarios do not show: duplicate deliveries under two
//! instances, a decision after expiry, and an invitation whose events were all lost.

use std::time::{Duration, Instant};

use local::pipeline::Pipeline;
use local::webhook::{DEMO_PORTAL, DEMO_SECRET, EventFactory, WebhookClient};
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::NewInvitation;

use crate::support::Queue;

async fn two_instances(queue: Queue) -> Pipeline {
    crate::support::pipeline_with_workers(queue, 3, 2).await
}

/// Deals carrying invitation `id`.
fn deals_of(p: &Pipeline, id: &str) -> Vec<String> {
    p.sandbox
        .as_ref()
        .unwrap()
        .hubspot
        .with_value(ObjectType::Deal, "aws_invitation_id", id)
}

/// Waits until invitation `id` has a deal whose aws_invitation_status is `status`.
async fn deal_with_status(p: &Pipeline, id: &str, status: &str) -> String {
    let hubspot = &p.sandbox.as_ref().unwrap().hubspot;
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let deals = deals_of(p, id);
        if let [deal] = deals.as_slice()
            && hubspot
                .property(ObjectType::Deal, deal, "aws_invitation_status")
                .as_deref()
                == Some(status)
        {
            assert!(p.wait_drained(Duration::from_secs(30)).await);
            return deal.clone();
        }
        assert!(
            Instant::now() < until,
            "invitation {id}: deals {deals:?}, none {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn duplicates_make_one_deal(queue: Queue) {
    let p = two_instances(queue).await;
    let pc = &p.sandbox.as_ref().unwrap().partner_central;
    // EventBridge delivers the invitation's event ten times.
    pc.duplicate_next_events(9);
    let id = pc.invite(NewInvitation::default());
    let deal = deal_with_status(&p, &id, "pending").await;
    assert_eq!(deals_of(&p, &id), vec![deal.clone()]);
    let hubspot = &p.sandbox.as_ref().unwrap().hubspot;
    assert_eq!(hubspot.tasks_of_deal(&deal).len(), 1);
    assert_eq!(p.dlq.depth().await.unwrap().total(), 0);
    p.shutdown().await;
}

async fn a_late_decision_is_explained(queue: Queue) {
    let p = two_instances(queue).await;
    let sandbox = p.sandbox.as_ref().unwrap();
    let id = sandbox.partner_central.invite(NewInvitation::default());
    deal_with_status(&p, &id, "pending").await;
    // Expired unanswered…
    sandbox.partner_central.expire_invitation(&id).unwrap();
    let deal = deal_with_status(&p, &id, "expired").await;
    // …then a seller accepts it anyway.
    sandbox.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("aws_invitation_decision", "accept")],
    );
    let client = WebhookClient::new(p.webhook_url(), DEMO_SECRET);
    let event = EventFactory::new(DEMO_PORTAL).property_change(
        "deal",
        deal.parse().unwrap(),
        "aws_invitation_decision",
        "accept",
    );
    assert_eq!(client.deliver(&[event]).await.unwrap().status, 200);
    assert!(p.wait_drained(Duration::from_secs(30)).await);
    let error = sandbox
        .hubspot
        .property(ObjectType::Deal, &deal, "aws_sync_error")
        .unwrap_or_default();
    assert!(error.contains("expired"), "{error}");
    assert_eq!(
        sandbox
            .partner_central
            .call_count("StartEngagementByAcceptingInvitationTask"),
        0
    );
    assert_eq!(
        p.dlq.depth().await.unwrap().total(),
        0,
        "nothing in the DLQ"
    );
    p.shutdown().await;
}

async fn the_sweep_finds_a_lost_invitation(queue: Queue) {
    let p = two_instances(queue).await;
    let pc = &p.sandbox.as_ref().unwrap().partner_central;
    pc.set_event_delivery(false);
    let id = pc.invite(NewInvitation::default());
    pc.set_event_delivery(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(deals_of(&p, &id).is_empty(), "no event, no deal yet");
    p.sweep_now().await.unwrap();
    deal_with_status(&p, &id, "pending").await;
    p.shutdown().await;
}

macro_rules! on_both_queues {
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

on_both_queues!(
    duplicates_make_one_deal,
    a_late_decision_is_explained,
    the_sweep_finds_a_lost_invitation,
);
