//! Hearing AWS: Partner Central's EventBridge events and the reconciliation sweep, through the
//! real SDK and HubSpot clients against the fakes, with an embedded FIFO queue as the events
//! queue (the processor hands its per-deal hints to it, as it does to SQS in AWS). AWS's
//! decisions come from the fake's reviewer control; the events are the ones the fake emits.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use events::SystemClock;
use processor::{
    BatchReport, Catalog, Opportunities, PartnerCentralClient, Processor, SyncSettings, WriteSlots,
};
use queue::{EmbeddedQueue, Queue, QueueSettings};
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::{AwsReview, AwsSummaryChange, AwsTeamMember};
use serde_json::{Value, json};

use crate::common::*;

const EVENTS_GROUP: &str = "partner-central-events";

pub(crate) type QueuedProcessor = Processor<FlakyCrm, processor::PartnerCentralClient, SystemClock>;

/// The test's events queue and a processor that hands hints to it.
pub(crate) fn queued(env: &Env) -> (QueuedProcessor, Queue) {
    queued_with(env, SyncSettings::new(Catalog::Sandbox))
}

/// [`queued`] with the settings the test chooses.
pub(crate) fn queued_with(env: &Env, settings: SyncSettings) -> (QueuedProcessor, Queue) {
    let settings_q = QueueSettings::new("events", Duration::from_secs(30), Some(5));
    let queue: Queue = Arc::new(EmbeddedQueue::new(settings_q, Arc::new(SystemClock)));
    (
        processor_on(env, settings).with_requeue(queue.clone()),
        queue,
    )
}

/// A processor with its own clients (another instance) on the test's fakes.
pub(crate) fn processor_on(env: &Env, settings: SyncSettings) -> QueuedProcessor {
    processor_with(
        &env.hubspot,
        &env.pc,
        WriteSlots::for_quota(1, 1000.0),
        SystemClock,
        settings,
    )
    .0
}

/// An EventBridge delivery as the events rule's FIFO target makes it.
pub(crate) fn delivered(message_id: &str, event: &Value) -> Msg {
    Msg {
        message_id: message_id.to_owned(),
        body: event.to_string(),
        group: EVENTS_GROUP.to_owned(),
        receive_count: 1,
    }
}

pub(crate) fn schedule(message_id: &str) -> Msg {
    let event = json!({
        "version": "0", "id": format!("sched-{message_id}"), "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "111122223333",
        "time": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:111122223333:rule/sweep"],
        "detail": {}
    });
    Msg {
        message_id: message_id.to_owned(),
        body: event.to_string(),
        group: "reconciliation-sweep".to_owned(),
        receive_count: 1,
    }
}

/// Runs whatever the queue holds through the processor (as Lambda's event source would) until
/// it is empty; returns the reports in order.
pub(crate) async fn drain(processor: &QueuedProcessor, queue: &Queue) -> Vec<BatchReport> {
    let mut reports = Vec::new();
    for _ in 0..20 {
        let received = queue
            .receive(10, None, Duration::from_millis(50))
            .await
            .unwrap();
        if received.is_empty() {
            return reports;
        }
        let msgs: Vec<Msg> = received
            .iter()
            .map(|m| Msg {
                message_id: m.message_id.clone(),
                body: m.body.clone(),
                group: m.group_id().unwrap_or_default().to_owned(),
                receive_count: m.receive_count().unwrap_or(1),
            })
            .collect();
        let report = processor.handle_batch(batch(&msgs), deadline()).await;
        let failed = failures(&report);
        for m in &received {
            if !failed.contains(&m.message_id) {
                queue.delete(&m.receipt_handle).await.unwrap();
            }
        }
        reports.push(report);
    }
    panic!("the queue never emptied");
}

pub(crate) fn all_outcomes(reports: &[BatchReport]) -> Vec<&'static str> {
    reports.iter().flat_map(outcomes).collect()
}

/// The last event the fake emitted about `id`.
pub(crate) fn last_event(env: &Env, id: &str) -> Value {
    env.pc
        .emitted_events()
        .into_iter()
        .rev()
        .find(|e| e["detail"]["opportunity"]["identifier"] == id)
        .expect("an event about the opportunity")
}

/// A deal submitted through the sync, then taken into review by AWS.
async fn in_review(env: &Env, processor: &QueuedProcessor, queue: &Queue, deal: &str) -> String {
    env.hubspot
        .upsert(ObjectType::Deal, deal, [("aws_submit", "true")]);
    let report = processor
        .handle_batch(
            batch(&[deal_change("submit", deal, "aws_submit", "true")]),
            deadline(),
        )
        .await;
    assert_eq!(outcomes(&report), ["submitted"], "{:?}", report.outcomes);
    drain(processor, queue).await;
    let id = deal_prop(env, deal, "aws_opportunity_id").unwrap();
    env.pc.review(&id, AwsReview::StartReview).unwrap();
    id
}

#[tokio::test]
async fn approval_reaches_the_deal_with_aws_team_and_score_from_one_event() {
    let env = env().await;
    let (processor, queue) = queued(&env);
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &processor, &queue, &deal).await;
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("blocked")
    );
    env.pc.review(&id, AwsReview::Approve).unwrap();
    let event = last_event(&env, &id);
    assert_eq!(event["detail-type"], "Opportunity Updated");

    let report = processor
        .handle_batch(batch(&[delivered("eb-1", &event)]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["forwarded"], "{:?}", report.outcomes);
    assert_eq!(
        report
            .signals
            .partner_central_events
            .get("Opportunity Updated"),
        Some(&1)
    );
    let reports = drain(&processor, &queue).await;
    assert_eq!(
        all_outcomes(&reports),
        ["unchanged"],
        "the hint synced the deal"
    );
    let hint = &reports[0].outcomes[0];
    assert_eq!(hint.event_type.as_deref(), Some("deal.awsChange"));
    assert_eq!(hint.correlation_id.as_deref(), event["id"].as_str());

    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Approved")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("synced")
    );
    let team = deal_prop(&env, &deal, "aws_team").unwrap_or_default();
    assert_eq!(team.lines().count(), 2, "{team}");
    assert!(
        team.contains("AWSAccountOwner") && team.contains("@amazon.com"),
        "{team}"
    );
    let summary = env.pc.aws_summary(&id).unwrap();
    assert_eq!(
        deal_prop(&env, &deal, "aws_engagement_score"),
        summary["Insights"]["EngagementScore"]
            .as_str()
            .map(str::to_owned)
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_seller_stage"),
        summary["LifeCycle"]["Stage"].as_str().map(str::to_owned)
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_involvement_type").as_deref(),
        Some("Co-Sell")
    );

    // AWS's seller changes the team and the next steps: one more event, the deal follows;
    // the echo of our own write-back changes nothing.
    let change = AwsSummaryChange {
        next_steps: Some("Joint call with the customer on Tuesday".into()),
        team: Some(vec![AwsTeamMember {
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            email: "ana.silva@amazon.com".into(),
            business_title: "AWSSalesRep".into(),
        }]),
        ..AwsSummaryChange::default()
    };
    env.pc.set_aws_summary(&id, change).unwrap();
    let event = last_event(&env, &id);
    processor
        .handle_batch(batch(&[delivered("eb-2", &event)]), deadline())
        .await;
    drain(&processor, &queue).await;
    assert_eq!(
        deal_prop(&env, &deal, "aws_team").as_deref(),
        Some("AWSSalesRep, Ana Silva, ana.silva@amazon.com")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_seller_next_steps").as_deref(),
        Some("Joint call with the customer on Tuesday")
    );
    let patches = env.hubspot.patches_of(ObjectType::Deal, &deal);
    let echo = run(&env, &[deal_change("echo", &deal, "aws_team", "x")]).await;
    assert_eq!(outcomes(&echo), ["skipped"]);
    let hint_again = processor
        .handle_batch(batch(&[delivered("eb-3", &event)]), deadline())
        .await;
    assert_eq!(outcomes(&hint_again), ["forwarded"]);
    let reports = drain(&processor, &queue).await;
    assert!(
        reports.is_empty(),
        "the same event id within the window is one hint"
    );
    assert_eq!(env.hubspot.patches_of(ObjectType::Deal, &deal), patches);
}

#[tokio::test]
async fn duplicate_deliveries_have_one_effect() {
    let env = env().await;
    let (processor, queue) = queued(&env);
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &processor, &queue, &deal).await;
    env.pc
        .review(
            &id,
            AwsReview::RequireAction {
                comments: "Add the customer's website".into(),
                reason: "Incomplete information".into(),
            },
        )
        .unwrap();
    let event = last_event(&env, &id);
    // EventBridge's retries: the same envelope twice in one batch and once more later.
    let first = processor
        .handle_batch(
            batch(&[delivered("eb-a", &event), delivered("eb-b", &event)]),
            deadline(),
        )
        .await;
    assert_eq!(outcomes(&first), ["forwarded", "forwarded"]);
    let later = processor
        .handle_batch(batch(&[delivered("eb-c", &event)]), deadline())
        .await;
    assert_eq!(outcomes(&later), ["forwarded"]);
    let reports = drain(&processor, &queue).await;
    assert_eq!(
        all_outcomes(&reports),
        ["action_required"],
        "one hint, one sync"
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_comments").as_deref(),
        Some("Add the customer's website (reason: Incomplete information)")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("action_required")
    );
}

#[tokio::test]
async fn an_edit_made_during_review_is_sent_after_the_decision_without_another_hubspot_event() {
    let env = env().await;
    let (processor, queue) = queued(&env);
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &processor, &queue, &deal).await;
    env.hubspot
        .upsert(ObjectType::Deal, &deal, [("amount", "98765")]);
    let during = processor
        .handle_batch(
            batch(&[deal_change("edit", &deal, "amount", "98765")]),
            deadline(),
        )
        .await;
    assert_eq!(outcomes(&during), ["blocked"]);
    let updates = env.pc.write_count("UpdateOpportunity");

    env.pc.review(&id, AwsReview::Approve).unwrap();
    let event = last_event(&env, &id);
    processor
        .handle_batch(batch(&[delivered("eb-1", &event)]), deadline())
        .await;
    let reports = drain(&processor, &queue).await;
    assert_eq!(all_outcomes(&reports), ["updated"]);
    assert_eq!(env.pc.write_count("UpdateOpportunity"), updates + 1);
    let opportunity = env.pc.opportunity(&id).unwrap();
    let spend = &opportunity["Project"]["ExpectedCustomerSpend"][0]["Amount"];
    assert!(
        spend.as_str().is_some_and(|a| a.starts_with("98765")),
        "{spend}"
    );
}

#[tokio::test]
async fn an_event_about_an_unlinked_opportunity_is_counted_and_acknowledged() {
    let env = env().await;
    let (processor, queue) = queued(&env);
    // An opportunity whose PartnerOpportunityIdentifier is a console user's own reference,
    // not a HubSpot deal id.
    let deal = env.ids.deal_acme.clone();
    let created = run(&env, &[object_event("c", "deal.creation", &deal)]).await;
    assert_eq!(outcomes(&created), ["created"]);
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    let client = PartnerCentralClient::new(env.pc.client(), Catalog::Sandbox, None, 1)
        .with_write_slots(WriteSlots::for_quota(1, 1000.0));
    let current = client.get(&id).await.unwrap();
    let mut fields = current.fields.clone();
    fields.partner_opportunity_identifier = "CONSOLE-REF-1".into();
    client.update(&current, &fields).await.unwrap();
    // …and no deal names it any more.
    env.hubspot
        .unset(ObjectType::Deal, &deal, "aws_opportunity_id");
    let event = last_event(&env, &id);
    assert_eq!(event["detail-type"], "Opportunity Updated");
    let report = processor
        .handle_batch(batch(&[delivered("eb-1", &event)]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["unlinked"]);
    assert!(failures(&report).is_empty());
    assert_eq!(report.signals.unlinked_opportunities, 1);
    let lines = report.metric_lines("NS", 1);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"UnlinkedOpportunities\":1")),
        "{lines:?}"
    );
    assert!(drain(&processor, &queue).await.is_empty());

    // An event of another catalog, an invitation (counted only) and a malformed body.
    let other = json!({"version":"0","id":"x","detail-type":"Engagement Invitation Created",
        "source":"aws.partnercentral-selling","account":"1","time":"2026-12-02T10:00:00Z",
        "region":"us-east-1","resources":[],"detail":{"catalog":"Sandbox"}});
    let report = processor
        .handle_batch(batch(&[delivered("eb-2", &other)]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["skipped"]);
    assert_eq!(
        report
            .signals
            .partner_central_events
            .get("Engagement Invitation Created"),
        Some(&1)
    );
}

#[tokio::test]
async fn the_sweep_converges_deals_whose_events_were_dropped_and_heals_a_lost_webhook() {
    let env = env().await;
    let (processor, queue) = queued(&env);
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &processor, &queue, &deal).await;
    let other = env.ids.deal_nordwind.clone();
    let created = run(&env, &[object_event("c", "deal.creation", &other)]).await;
    assert_eq!(outcomes(&created), ["created"]);
    let other_id = deal_prop(&env, &other, "aws_opportunity_id").unwrap();

    // AWS approves; no event reaches us. A person edits the other deal; the webhook is lost.
    env.pc.review(&id, AwsReview::Approve).unwrap();
    env.hubspot
        .upsert(ObjectType::Deal, &other, [("amount", "4242")]);

    let report = processor
        .handle_batch(batch(&[schedule("s-1")]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["swept"], "{:?}", report.outcomes);
    assert!(report.signals.sweep_hints >= 2, "{:?}", report.signals);
    assert_eq!(report.signals.sweeps_completed, 1);
    let lines = report.metric_lines("NS", 1);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("SweepRuns") && l.contains("completed"))
    );
    // The same sweep delivered again queues nothing new (deduplicated per sweep and deal).
    let again = processor
        .handle_batch(batch(&[schedule("s-1")]), deadline())
        .await;
    assert_eq!(outcomes(&again), ["swept"]);
    let reports = drain(&processor, &queue).await;
    let hinted: Vec<_> = reports
        .iter()
        .flat_map(|r| r.outcomes.iter())
        .filter_map(|o| o.object_id.clone())
        .collect();
    assert!(
        hinted.contains(&deal) && hinted.contains(&other),
        "{hinted:?}"
    );
    let mut unique = hinted.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), hinted.len(), "one hint per deal: {hinted:?}");

    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Approved")
    );
    assert!(deal_prop(&env, &deal, "aws_team").is_some());
    let spend =
        &env.pc.opportunity(&other_id).unwrap()["Project"]["ExpectedCustomerSpend"][0]["Amount"];
    assert!(
        spend.as_str().is_some_and(|a| a.starts_with("4242")),
        "{spend}"
    );
}

#[tokio::test]
async fn a_failing_sweep_is_counted_and_acknowledged() {
    let env = env().await;
    let (processor, _queue) = queued(&env);
    env.pc.fail_next_op(
        "ListOpportunities",
        10,
        sandbox::partner_central::PartnerCentralFault::AccessDenied,
    );
    let report = processor
        .handle_batch(batch(&[schedule("s-1")]), deadline())
        .await;
    assert_eq!(outcomes(&report), ["sweep_failed"], "{:?}", report.outcomes);
    assert!(
        failures(&report).is_empty(),
        "never held in the schedule's group"
    );
    assert_eq!(report.signals.sweeps_failed, 1);
    let lines = report.metric_lines("NS", 1);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("SweepRuns") && l.contains("\"Result\":\"failed\""))
    );
}
