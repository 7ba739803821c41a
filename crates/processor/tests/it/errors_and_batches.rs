//! Error classification and batch semantics against the sandbox fakes: conflicts, throttling,
//! validation errors, FIFO partial failures, unreadable messages, HubSpot rate limits, and
//! company / note changes fanning out to deals.

use std::sync::Arc;
use std::time::{Duration, Instant};

use events::SystemClock;

use crate::common::*;
use sandbox::hubspot::{HubSpotFault, ObjectType};
use sandbox::partner_central::{PartnerCentralConfig, PartnerCentralFault};
use serde_json::json;

#[tokio::test]
async fn conflict_exception_is_recovered_by_reading_again() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    env.hubspot
        .upsert(ObjectType::Deal, &deal, [("amount", "1234")]);
    env.pc
        .fail_next_op("UpdateOpportunity", 1, PartnerCentralFault::Conflict);

    let report = run(&env, &[deal_change("m2", &deal, "amount", "1234")]).await;
    assert_eq!(outcomes(&report), ["updated"]);
    assert!(failures(&report).is_empty());
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 2);
    assert_eq!(env.pc.write_count("UpdateOpportunity"), 1);
    // GetOpportunity before each attempt: the retry used a fresh LastModifiedDate.
    // (and once after the write, for the review status Partner Central holds now)
    assert_eq!(env.pc.call_count("GetOpportunity"), 3);
    assert_eq!(
        env.pc.opportunity(&id).unwrap()["Project"]["ExpectedCustomerSpend"][0]["Amount"],
        "1234"
    );
}

#[tokio::test]
async fn throttling_is_retried_in_write_slots_and_never_fails_the_event() {
    let env = env().await;
    env.pc
        .fail_next_op("CreateOpportunity", 2, PartnerCentralFault::Throttling);
    let report = run(
        &env,
        &[object_event("m1", "deal.creation", &env.ids.deal_acme)],
    )
    .await;
    assert_eq!(outcomes(&report), ["created"]);
    assert_eq!(env.pc.call_count("CreateOpportunity"), 3);
    assert_eq!(env.pc.create_count(), 1);

    // Still throttled after every attempt: the record goes back to the queue as a new message
    // at the end of its group and the original is acknowledged, so the quota never counts
    // toward maxReceiveCount and never sends anything to the DLQ.
    let queue: queue::Queue = Arc::new(queue::EmbeddedQueue::new(
        queue::QueueSettings::new("events", Duration::from_secs(30), Some(3)),
        Arc::new(SystemClock),
    ));
    let (processor, _) = processor_for(&env.hubspot, &env.pc, 1000.0);
    let processor = processor.with_requeue(queue.clone());
    env.pc.fail_next_op(
        "CreateOpportunity",
        processor::partner_central::WRITE_ATTEMPTS as usize,
        PartnerCentralFault::Throttling,
    );
    let messages = [object_event("m2", "deal.creation", &env.ids.deal_nordwind)];
    let report = processor.handle_batch(batch(&messages), deadline()).await;
    assert_eq!(outcomes(&report), ["deferred"]);
    assert!(failures(&report).is_empty(), "acknowledged, not failed");
    let detail = report.outcomes[0].detail.as_deref().unwrap();
    assert!(detail.contains("Throttling"), "{detail}");
    assert!(detail.contains("handed back"), "{detail}");
    assert_eq!(
        deal_prop(&env, &env.ids.deal_nordwind, "aws_sync_status"),
        None,
        "no error on the deal"
    );
    let copies = queue
        .receive(10, None, Duration::ZERO)
        .await
        .expect("receive");
    assert_eq!(copies.len(), 1);
    assert_eq!(
        copies[0].body,
        batch(&messages).records[0].body.clone().unwrap()
    );
    assert_eq!(copies[0].group_id(), Some(messages[0].group.as_str()));

    // The copy syncs the deal once the quota allows it.
    let redelivered = run(
        &env,
        &[object_event("m3", "deal.creation", &env.ids.deal_nordwind)],
    )
    .await;
    assert_eq!(outcomes(&redelivered), ["created"]);

    // Without a queue to hand it back to, the record is failed for SQS to redeliver.
    env.pc.fail_next_op(
        "UpdateOpportunity",
        processor::partner_central::WRITE_ATTEMPTS as usize,
        PartnerCentralFault::Throttling,
    );
    env.hubspot.upsert(
        ObjectType::Deal,
        &env.ids.deal_nordwind,
        [("amount", "777")],
    );
    let report = run(
        &env,
        &[deal_change("m4", &env.ids.deal_nordwind, "amount", "777")],
    )
    .await;
    assert_eq!(outcomes(&report), ["transient_error"]);
    assert_eq!(failures(&report), ["m4"]);
}

#[tokio::test]
async fn the_real_write_quota_is_respected_by_the_client_limiter() {
    // Partner Central's real quota (1 write/s) and the production client-side limiter.
    let env = env_with(PartnerCentralConfig::default(), 1.0).await;
    let report = run(
        &env,
        &[
            object_event("m1", "deal.creation", &env.ids.deal_acme),
            object_event("m2", "deal.creation", &env.ids.deal_nordwind),
        ],
    )
    .await;
    assert_eq!(outcomes(&report), ["created", "created"]);
    assert_eq!(env.pc.create_count(), 2);
}

#[tokio::test]
async fn validation_error_goes_on_the_deal_and_is_acknowledged() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    env.hubspot
        .upsert(ObjectType::Deal, &deal, [("deal_currency_code", "GBP")]);
    let report = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(outcomes(&report), ["data_error"]);
    assert_eq!(response_json(&report), json!({"batchItemFailures": []}));
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("error")
    );
    let error = deal_prop(&env, &deal, "aws_sync_error").unwrap();
    assert!(
        error.contains("Project.ExpectedCustomerSpend[0].CurrencyCode"),
        "{error}"
    );
    assert_eq!(env.pc.create_count(), 0);

    // The next edit of the deal retries naturally and clears the error.
    env.hubspot
        .upsert(ObjectType::Deal, &deal, [("deal_currency_code", "EUR")]);
    let report = run(
        &env,
        &[deal_change("m2", &deal, "deal_currency_code", "EUR")],
    )
    .await;
    assert_eq!(outcomes(&report), ["created"]);
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("synced")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_error")
            .as_deref()
            .unwrap_or(""),
        ""
    );
}

#[tokio::test]
async fn a_deal_without_company_is_a_data_error_without_any_partner_central_call() {
    let env = env().await;
    let deal = env.ids.deal_without_company.clone();
    let report = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(outcomes(&report), ["data_error"]);
    assert!(failures(&report).is_empty());
    assert!(
        deal_prop(&env, &deal, "aws_sync_error")
            .unwrap()
            .contains("CompanyName")
    );
    assert!(env.pc.calls().is_empty());
}

#[tokio::test]
async fn fifo_failure_fails_the_rest_of_its_group_only() {
    let env = env().await;
    let (acme, nordwind, lost) = (
        &env.ids.deal_acme,
        &env.ids.deal_nordwind,
        &env.ids.deal_closed_lost,
    );
    // The first Partner Central call (acme's lookup) is denied: a transient, alarming failure.
    env.pc
        .fail_next_op("ListOpportunities", 1, PartnerCentralFault::AccessDenied);
    let garbage = Msg {
        message_id: "c1".into(),
        body: "{not a SyncEvent".into(),
        group: format!("{PORTAL}-deal-{lost}"),
        receive_count: 1,
    };
    let report = run(
        &env,
        &[
            object_event("a1", "deal.creation", acme),
            object_event("b1", "deal.creation", nordwind),
            deal_change("a2", acme, "amount", "1"),
            garbage,
            deal_change("b2", nordwind, "amount", "2"),
            deal_change("c2", lost, "amount", "3"),
            deal_change("a3", acme, "amount", "4"),
        ],
    )
    .await;
    assert_eq!(
        response_json(&report),
        json!({"batchItemFailures": [
            {"itemIdentifier": "a1"}, {"itemIdentifier": "a2"}, {"itemIdentifier": "c1"},
            {"itemIdentifier": "c2"}, {"itemIdentifier": "a3"}
        ]})
    );
    assert_eq!(
        outcomes(&report),
        [
            "transient_error",
            "created",
            "transient_error",
            "data_error",
            "unchanged",
            "transient_error",
            "transient_error"
        ]
    );
    assert!(
        report.outcomes[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("AccessDenied")
    );
    assert!(
        report.outcomes[2]
            .detail
            .as_deref()
            .unwrap()
            .contains("earlier message")
    );
    assert!(
        report.outcomes[3]
            .detail
            .as_deref()
            .unwrap()
            .contains("not a SyncEvent")
    );
    assert_eq!(
        env.hubspot.reads_of(ObjectType::Deal, lost),
        0,
        "c2 was not processed"
    );
    assert_eq!(env.pc.create_count(), 1);
}

#[tokio::test]
async fn records_without_message_id_fail_the_whole_batch() {
    let env = env().await;
    let mut event = batch(&[
        object_event("m1", "deal.creation", &env.ids.deal_acme),
        object_event("m2", "deal.creation", &env.ids.deal_nordwind),
    ]);
    event.records[1].message_id = None;
    assert!(!processor::all_records_identifiable(&event));
    let report = env.processor.handle_batch(event, deadline()).await;
    assert_eq!(
        failures(&report),
        ["m1"],
        "the identifiable record is reported; Function::invoke fails the invocation"
    );
    assert_eq!(outcomes(&report), ["transient_error", "transient_error"]);
    assert!(env.hubspot.requests().is_empty());
}

#[tokio::test]
async fn records_are_not_started_without_time_left() {
    let env = env().await;
    let event = batch(&[object_event("m1", "deal.creation", &env.ids.deal_acme)]);
    let report = env.processor.handle_batch(event, Instant::now()).await;
    assert_eq!(failures(&report), ["m1"]);
    assert!(
        report.outcomes[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("out of time")
    );
    assert!(env.hubspot.requests().is_empty());
}

#[tokio::test]
async fn hubspot_rate_limits_and_outages() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    env.hubspot.fail_next(1, HubSpotFault::RateLimited);
    env.hubspot.fail_next(1, HubSpotFault::Status(503));
    let report = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(outcomes(&report), ["created"]);
    let statuses: Vec<u16> = env
        .hubspot
        .requests()
        .iter()
        .map(|r| r.status)
        .take(3)
        .collect();
    assert_eq!(statuses, [429, 503, 200]);

    // The daily cap will not reset within the invocation: no retry, the record goes back.
    env.hubspot.clear_requests();
    env.hubspot.fail_next(1, HubSpotFault::DailyLimit);
    let report = run(&env, &[deal_change("m2", &deal, "amount", "5")]).await;
    assert_eq!(failures(&report), ["m2"]);
    assert!(
        report.outcomes[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("daily")
    );
    assert_eq!(env.hubspot.requests().len(), 1);
}

#[tokio::test]
async fn company_change_updates_every_linked_opportunity() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    env.hubspot.upsert(
        ObjectType::Company,
        &env.ids.company_acme,
        [("name", "Acme Analytics Holding")],
    );
    let report = run(
        &env,
        &[object_event(
            "m2",
            "company.propertyChange",
            &env.ids.company_acme,
        )],
    )
    .await;
    assert_eq!(outcomes(&report), ["updated"]);
    assert_eq!(
        report.outcomes[0].opportunity_id.as_deref(),
        Some(id.as_str())
    );
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(
        opp["Customer"]["Account"]["CompanyName"],
        "Acme Analytics Holding"
    );

    // A company whose deals are not marked for AWS: nothing to do.
    let report = run(
        &env,
        &[object_event(
            "m3",
            "company.propertyChange",
            &env.ids.company_maple,
        )],
    )
    .await;
    assert_eq!(outcomes(&report), ["skipped"]);
}

#[tokio::test]
async fn a_new_note_becomes_next_steps() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    let stamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let note = env.hubspot.create(
        ObjectType::Note,
        [
            ("hs_note_body", "<p>Send the SOW on Friday</p>".to_owned()),
            ("hs_timestamp", stamp),
        ],
    );
    env.hubspot
        .associate((ObjectType::Note, &note), (ObjectType::Deal, &deal));
    let report = run(&env, &[object_event("m2", "note.creation", &note)]).await;
    assert_eq!(outcomes(&report), ["updated"]);
    let next = env.pc.opportunity(&id).unwrap()["LifeCycle"]["NextSteps"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        next.starts_with("Send the SOW on Friday | Discovery call"),
        "{next}"
    );

    assert!(env.hubspot.archive(ObjectType::Note, &note));
    let report = run(&env, &[object_event("m3", "note.deletion", &note)]).await;
    assert_eq!(
        outcomes(&report),
        ["not_found"],
        "a deleted note no longer names its deal"
    );
    // The next deal event (HubSpot sends deal.associationChange for the removed link) heals it.
    let report = run(&env, &[object_event("m4", "deal.associationChange", &deal)]).await;
    assert_eq!(outcomes(&report), ["updated"]);
    let next = env.pc.opportunity(&id).unwrap()["LifeCycle"]["NextSteps"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(next.starts_with("Discovery call"), "{next}");
}
