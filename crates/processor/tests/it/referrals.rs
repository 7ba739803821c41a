//! AWS referrals end to end through the real SDK and HubSpot clients against the fakes: an
//! engagement invitation becomes exactly one deal, a person's decision on the deal goes back to
//! Partner Central (accept: the new opportunity is linked and follows the deal; reject: with its
//! reason), answers given elsewhere and expiry are mirrored, and the sweep finds invitations
//! whose events were lost. AWS is played by the Partner Central fake's controls.

use std::time::Duration;

use events::{EventSource, SyncEvent};
use processor::{Catalog, SyncSettings};
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::NewInvitation;
use serde_json::Value;

use crate::common::*;
use crate::partner_events::*;

/// The last event the fake emitted about invitation `id`.
fn invitation_event(env: &Env, id: &str) -> Value {
    env.pc
        .emitted_events()
        .into_iter()
        .rev()
        .find(|e| e["detail"]["engagementInvitation"]["id"] == id)
        .expect("an event about the invitation")
}

/// Deals that carry invitation `id`.
fn deals_of(env: &Env, id: &str) -> Vec<String> {
    env.hubspot
        .with_value(ObjectType::Deal, "aws_invitation_id", id)
}

async fn the_deal(env: &Env, id: &str) -> String {
    let deals = deals_of(env, id);
    assert_eq!(deals.len(), 1, "deals of invitation {id}: {deals:?}");
    deals[0].clone()
}

fn settings(auto_accept: bool) -> SyncSettings {
    let mut s = SyncSettings::new(Catalog::Sandbox);
    s.referrals.auto_accept = auto_accept;
    s.referrals.rejected_stage = Some("closedlost".into());
    s.referrals.owner_id = Some("5550001".into());
    s
}

/// AWS refers an opportunity and its event reaches the processor; returns the invitation id
/// and the referral's deal.
async fn referred(
    env: &Env,
    processor: &QueuedProcessor,
    queue: &queue::Queue,
) -> (String, String) {
    let id = env.pc.invite(NewInvitation::default());
    let event = invitation_event(env, &id);
    assert_eq!(event["detail-type"], "Engagement Invitation Created");
    let report = processor
        .handle_batch(batch(&[delivered("eb-created", &event)]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["forwarded"], "{:?}", report.outcomes);
    let reports = drain(processor, queue).await;
    assert!(
        all_outcomes(&reports).contains(&"received"),
        "{:?}",
        all_outcomes(&reports)
    );
    let deal = the_deal(env, &id).await;
    (id, deal)
}

/// A person sets a deal property and its webhook is synced.
async fn decide(
    env: &Env,
    processor: &QueuedProcessor,
    queue: &queue::Queue,
    deal: &str,
    property: &str,
    value: &str,
) -> Vec<&'static str> {
    env.hubspot
        .upsert(ObjectType::Deal, deal, [(property, value)]);
    let report = processor
        .handle_batch(
            batch(&[deal_change(
                &format!("d-{property}-{value}"),
                deal,
                property,
                value,
            )]),
            deadline(),
        )
        .await;
    let mut all = outcomes(&report);
    all.extend(all_outcomes(&drain(processor, queue).await));
    all
}

#[tokio::test]
async fn an_invitation_becomes_one_complete_deal_under_duplicates_and_two_processors() {
    let env = env().await;
    let (first, queue) = queued_with(&env, settings(false));
    let second = processor_on(&env, settings(false)).with_requeue(queue.clone());
    let id = env.pc.invite(NewInvitation::default());
    let event = invitation_event(&env, &id);
    // Ten deliveries of the event, five to each of two processors at once (EventBridge retries
    // and a redelivery) — then every invitation hint they queued, again by both at once.
    let deliveries: Vec<Msg> = (0..10)
        .map(|i| delivered(&format!("eb-{i}"), &event))
        .collect();
    let (a, b) = tokio::join!(
        first.handle_batch(batch(&deliveries[..5]), deadline()),
        second.handle_batch(batch(&deliveries[5..]), deadline()),
    );
    assert!(failures(&a).is_empty() && failures(&b).is_empty());
    // Hints that escape the queue's deduplication (other causes: the sweep, later events).
    let hints: Vec<Msg> = (0..10)
        .map(|i| {
            let h = SyncEvent::invitation_hint(
                EventSource::Sweep,
                PORTAL,
                &id,
                &format!("cause-{i}"),
                1,
                2,
            );
            Msg {
                message_id: format!("h-{i}"),
                group: h.message_group_id(),
                body: h.to_json(),
                receive_count: 1,
            }
        })
        .collect();
    // Without the queue's one-at-a-time group: the unique aws_invitation_id is the guard.
    let (a, b) = tokio::join!(
        first.handle_batch(batch(&hints[..5]), deadline()),
        second.handle_batch(batch(&hints[5..]), deadline()),
    );
    assert!(
        failures(&a).is_empty() && failures(&b).is_empty(),
        "{:?} {:?}",
        a.outcomes,
        b.outcomes
    );
    drain(&first, &queue).await;
    let deal = the_deal(&env, &id).await;

    let prop = |name: &str| deal_prop(&env, &deal, name);
    assert_eq!(
        prop("dealname").as_deref(),
        Some("E-commerce platform migration to AWS")
    );
    assert_eq!(prop("amount").as_deref(), Some("25000"));
    assert_eq!(prop("aws_invitation_status").as_deref(), Some("pending"));
    assert!(prop("aws_invitation_expires_at").is_some());
    assert!(
        prop("description")
            .unwrap_or_default()
            .contains("holiday peaks")
    );
    assert!(
        prop("description")
            .unwrap_or_default()
            .contains("co-sell with you")
    );
    assert!(
        prop("aws_team")
            .unwrap_or_default()
            .contains("maria.gonzalez@amazon.com")
    );
    assert_eq!(prop("hubspot_owner_id").as_deref(), Some("5550001"));
    assert_eq!(
        prop("dealstage").as_deref(),
        Some("appointmentscheduled"),
        "the default pipeline's first stage"
    );
    let companies = env
        .hubspot
        .associated_ids(ObjectType::Deal, &deal, ObjectType::Company);
    assert_eq!(companies.len(), 1, "{companies:?}");
    assert_eq!(
        env.hubspot
            .property(ObjectType::Company, &companies[0], "domain")
            .as_deref(),
        Some("brightlineretail.com")
    );
    let tasks = env.hubspot.tasks_of_deal(&deal);
    assert_eq!(tasks.len(), 1, "one task for the owner: {tasks:?}");
    // Nothing was decided: no accept or reject reached Partner Central.
    assert_eq!(
        env.pc
            .call_count("StartEngagementByAcceptingInvitationTask"),
        0
    );
    assert_eq!(env.pc.call_count("RejectEngagementInvitation"), 0);
}

#[tokio::test]
async fn accept_links_the_new_opportunity_and_a_deal_edit_then_updates_it() {
    let env = env().await;
    let (processor, queue) = queued_with(&env, settings(false));
    let (id, deal) = referred(&env, &processor, &queue).await;
    let all = decide(
        &env,
        &processor,
        &queue,
        &deal,
        "aws_invitation_decision",
        "accept",
    )
    .await;
    assert!(
        all.contains(&"updated") || all.contains(&"unchanged"),
        "{all:?}: {:?}",
        deal_prop(&env, &deal, "aws_sync_error")
    );
    let opportunity = deal_prop(&env, &deal, "aws_opportunity_id").expect("linked");
    assert_eq!(
        deal_prop(&env, &deal, "aws_invitation_status").as_deref(),
        Some("accepted")
    );
    assert_eq!(env.pc.origin(&opportunity).as_deref(), Some("AWS Referral"));
    assert_eq!(
        env.pc
            .call_count("StartEngagementByAcceptingInvitationTask"),
        1
    );
    assert_eq!(env.pc.invitation(&id).unwrap()["Status"], "ACCEPTED");
    // AWS's events about the referral's opportunity (it has no PartnerOpportunityIdentifier,
    // and one cannot be set once approved) reach the deal through aws_opportunity_id.
    env.pc
        .set_aws_summary(
            &opportunity,
            sandbox::partner_central::AwsSummaryChange {
                next_steps: Some("Kick-off with the customer".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let event = env
        .pc
        .emitted_events()
        .into_iter()
        .rev()
        .find(|e| e["detail"]["opportunity"]["identifier"] == opportunity.as_str())
        .unwrap();
    let report = processor
        .handle_batch(batch(&[delivered("eb-summary", &event)]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["forwarded"], "{:?}", report.outcomes);
    drain(&processor, &queue).await;
    assert_eq!(
        deal_prop(&env, &deal, "aws_seller_next_steps").as_deref(),
        Some("Kick-off with the customer")
    );
    let all = decide(&env, &processor, &queue, &deal, "amount", "31000").await;
    assert!(all.contains(&"updated"), "{all:?}");
    let spend =
        &env.pc.opportunity(&opportunity).unwrap()["Project"]["ExpectedCustomerSpend"][0]["Amount"];
    assert!(
        spend.as_str().is_some_and(|a| a.starts_with("31000")),
        "{spend}"
    );
    // The decision delivered again changes nothing.
    decide(
        &env,
        &processor,
        &queue,
        &deal,
        "aws_invitation_decision",
        "accept",
    )
    .await;
    assert_eq!(
        env.pc
            .call_count("StartEngagementByAcceptingInvitationTask"),
        1
    );
}

#[tokio::test]
async fn reject_sends_the_reason_and_moves_the_deal_to_the_lost_stage() {
    let env = env().await;
    let (processor, queue) = queued_with(&env, settings(false));
    let (id, deal) = referred(&env, &processor, &queue).await;
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("aws_invitation_rejection_reason", "Unable to support")],
    );
    let all = decide(
        &env,
        &processor,
        &queue,
        &deal,
        "aws_invitation_decision",
        "reject",
    )
    .await;
    assert!(all.contains(&"updated"), "{all:?}");
    let invitation = env.pc.invitation(&id).unwrap();
    assert_eq!(invitation["Status"], "REJECTED");
    assert_eq!(invitation["RejectionReason"], "Unable to support");
    assert_eq!(
        deal_prop(&env, &deal, "aws_invitation_status").as_deref(),
        Some("rejected")
    );
    assert_eq!(
        deal_prop(&env, &deal, "dealstage").as_deref(),
        Some("closedlost")
    );
    // Its event mirrors nothing new.
    let event = invitation_event(&env, &id);
    assert_eq!(event["detail-type"], "Engagement Invitation Rejected");
    processor
        .handle_batch(batch(&[delivered("eb-rejected", &event)]), deadline())
        .await;
    drain(&processor, &queue).await;
    assert_eq!(env.pc.call_count("RejectEngagementInvitation"), 1);
}

#[tokio::test]
async fn a_decision_after_expiry_or_a_console_answer_is_explained_on_the_deal_never_failed() {
    let env = env().await;
    let (processor, queue) = queued_with(&env, settings(false));
    let (id, deal) = referred(&env, &processor, &queue).await;
    env.pc.expire_invitation(&id).unwrap();
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("aws_invitation_decision", "accept")],
    );
    let report = processor
        .handle_batch(
            batch(&[deal_change(
                "late",
                &deal,
                "aws_invitation_decision",
                "accept",
            )]),
            deadline(),
        )
        .await;
    assert!(failures(&report).is_empty(), "{:?}", report.outcomes);
    assert_eq!(outcomes(&report), ["data_error"], "{:?}", report.outcomes);
    assert_eq!(report.signals.referrals.get("expired"), Some(&1));
    assert_eq!(
        deal_prop(&env, &deal, "aws_invitation_status").as_deref(),
        Some("expired")
    );
    let error = deal_prop(&env, &deal, "aws_sync_error").unwrap_or_default();
    assert!(error.contains("expired"), "{error}");
    assert_eq!(
        env.pc
            .call_count("StartEngagementByAcceptingInvitationTask"),
        0
    );
    // Our write-back cleared the spent decision; HubSpot echoes that change as a webhook. The
    // explanation stays.
    let echo = processor
        .handle_batch(
            batch(&[deal_change("echo", &deal, "aws_invitation_decision", "")]),
            deadline(),
        )
        .await;
    assert!(failures(&echo).is_empty());
    assert_eq!(deal_prop(&env, &deal, "aws_sync_error"), Some(error));
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("error")
    );

    // Answered in the Partner Central console: mirrored on the next look.
    let (other, other_deal) = {
        let id2 = env.pc.invite(NewInvitation {
            engagement_title: "Second".into(),
            ..NewInvitation::default()
        });
        let event = invitation_event(&env, &id2);
        processor
            .handle_batch(batch(&[delivered("eb-2", &event)]), deadline())
            .await;
        drain(&processor, &queue).await;
        let deal = the_deal(&env, &id2).await;
        (id2, deal)
    };
    env.pc.answer_in_console(&other, false).unwrap();
    let event = invitation_event(&env, &other);
    processor
        .handle_batch(batch(&[delivered("eb-3", &event)]), deadline())
        .await;
    drain(&processor, &queue).await;
    assert_eq!(
        deal_prop(&env, &other_deal, "aws_invitation_status").as_deref(),
        Some("rejected")
    );
}

#[tokio::test]
async fn auto_accept_accepts_on_arrival_and_only_when_asked() {
    let env = env().await;
    let (processor, queue) = queued_with(&env, settings(true));
    let (id, deal) = referred(&env, &processor, &queue).await;
    assert_eq!(
        deal_prop(&env, &deal, "aws_invitation_status").as_deref(),
        Some("accepted")
    );
    assert!(deal_prop(&env, &deal, "aws_opportunity_id").is_some());
    assert_eq!(env.pc.invitation(&id).unwrap()["Status"], "ACCEPTED");

    let env = crate::common::env().await;
    let (processor, queue) = queued_with(&env, settings(false));
    let (id, deal) = referred(&env, &processor, &queue).await;
    assert_eq!(
        deal_prop(&env, &deal, "aws_invitation_status").as_deref(),
        Some("pending")
    );
    assert_eq!(env.pc.invitation(&id).unwrap()["Status"], "PENDING");
}

#[tokio::test]
async fn the_sweep_picks_up_an_invitation_whose_events_were_lost() {
    let env = env().await;
    let (processor, queue) = queued_with(&env, settings(false));
    env.pc.set_event_delivery(false);
    let id = env.pc.invite(NewInvitation::default());
    env.pc.set_event_delivery(true);
    let report = processor
        .handle_batch(batch(&[schedule("s-1")]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["swept"], "{:?}", report.outcomes);
    let reports = drain(&processor, &queue).await;
    assert!(
        all_outcomes(&reports).contains(&"received"),
        "{:?}",
        all_outcomes(&reports)
    );
    let deal = the_deal(&env, &id).await;
    assert_eq!(
        deal_prop(&env, &deal, "aws_invitation_status").as_deref(),
        Some("pending")
    );
    // The next sweep finds it again (pending) and makes no second deal.
    tokio::time::sleep(Duration::from_millis(10)).await;
    processor
        .handle_batch(batch(&[schedule("s-2")]), deadline())
        .await;
    drain(&processor, &queue).await;
    assert_eq!(deals_of(&env, &id).len(), 1);
}

#[tokio::test]
async fn a_rejection_whose_write_back_failed_still_moves_the_deal_on_the_retry() {
    let env = env().await;
    let (processor, queue) = queued_with(&env, settings(false));
    let (id, deal) = referred(&env, &processor, &queue).await;
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("aws_invitation_decision", "reject")],
    );
    // AWS takes the rejection; our HubSpot write-back fails once.
    let (flaky, fail_updates) = processor_with(
        &env.hubspot,
        &env.pc,
        processor::WriteSlots::for_quota(1, 1000.0),
        events::SystemClock,
        settings(false),
    );
    fail_updates.store(1, std::sync::atomic::Ordering::SeqCst);
    let msg = deal_change("reject", &deal, "aws_invitation_decision", "reject");
    let first = flaky
        .handle_batch(batch(std::slice::from_ref(&msg)), deadline())
        .await;
    assert_eq!(failures(&first), ["reject"], "{:?}", first.outcomes);
    assert_eq!(env.pc.invitation(&id).unwrap()["Status"], "REJECTED");
    // The redelivery finds it rejected at AWS: mirrored, moved, no error, no second call.
    let retry = flaky.handle_batch(batch(&[msg]), deadline()).await;
    assert!(failures(&retry).is_empty(), "{:?}", retry.outcomes);
    assert_eq!(
        deal_prop(&env, &deal, "aws_invitation_status").as_deref(),
        Some("rejected")
    );
    assert_eq!(
        deal_prop(&env, &deal, "dealstage").as_deref(),
        Some("closedlost")
    );
    assert_eq!(deal_prop(&env, &deal, "aws_sync_status"), None);
    assert_eq!(env.pc.call_count("RejectEngagementInvitation"), 1);
}
