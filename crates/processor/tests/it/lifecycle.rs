//! Submission and AWS's review, against the Partner Central fake through the real SDK client:
//! the submission task started once and followed to its end, the pre-submission check, every
//! review state, won and lost deals, and the account-wide write quota shared by two processors.
//! Review statuses move only as they do for a real partner: the submission task, and the fake's
//! control that plays AWS's reviewer.

use std::time::Duration;

use chrono::Utc;
use events::{ManualClock, SystemClock};
use processor::{BatchReport, Catalog, DEFAULT_SLOT, SubmitTrigger, SyncSettings, WriteSlots};
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::{AwsReview, PartnerCentralConfig, PartnerCentralFake};

use crate::common::*;

const TASK: &str = "StartEngagementFromOpportunityTask";

fn tick(env: &Env, deal: &str) {
    env.hubspot
        .upsert(ObjectType::Deal, deal, [("aws_submit", "true")]);
}

/// A person sets one deal property in HubSpot; its `deal.propertyChange` is synced.
async fn edit(env: &Env, message_id: &str, deal: &str, property: &str, value: &str) -> BatchReport {
    env.hubspot
        .upsert(ObjectType::Deal, deal, [(property, value)]);
    run(env, &[deal_change(message_id, deal, property, value)]).await
}

/// Creates the opportunity of `deal` (no submission) and returns its id.
async fn linked(env: &Env, deal: &str) -> String {
    let report = run(env, &[object_event("create", "deal.creation", deal)]).await;
    assert_eq!(outcomes(&report), ["created"]);
    deal_prop(env, deal, "aws_opportunity_id").expect("linked")
}

/// Ticks `aws_submit`, syncs the deal (create, submit, task followed to COMPLETE) and returns
/// the opportunity id.
async fn submitted(env: &Env, deal: &str) -> String {
    tick(env, deal);
    let report = run(env, &[deal_change("submit", deal, "aws_submit", "true")]).await;
    assert_eq!(outcomes(&report), ["submitted"], "{:?}", report.outcomes);
    deal_prop(env, deal, "aws_opportunity_id").unwrap()
}

/// [`submitted`], then AWS's reviewer starts the review.
async fn in_review(env: &Env, deal: &str) -> String {
    let id = submitted(env, deal).await;
    review(env, &id, AwsReview::StartReview);
    id
}

fn review(env: &Env, id: &str, decision: AwsReview) {
    env.pc.review(id, decision).expect("reviewer step");
}

/// Every UpdateOpportunity the fake refused (a refused write is a bug in the sync).
fn refused_updates(env: &Env) -> usize {
    env.pc
        .calls()
        .iter()
        .filter(|c| c.operation == "UpdateOpportunity" && c.error.is_some())
        .count()
}

#[tokio::test]
async fn a_ticked_deal_is_submitted_once_under_ten_deliveries() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    tick(&env, &deal);
    let report = run(&env, &[deal_change("m1", &deal, "aws_submit", "true")]).await;
    assert_eq!(outcomes(&report), ["submitted"], "{:?}", report.outcomes);
    let id = report.outcomes[0].opportunity_id.clone().unwrap();
    assert_eq!(env.pc.write_count(TASK), 1);
    assert!(env.pc.engagement_id(&id).is_some(), "the task completed");
    // The status Partner Central holds after the task, not the one read before it.
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Submitted")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("blocked")
    );

    // The same event delivered ten times, in one batch and in ten: still one task.
    let again: Vec<Msg> = (0..10)
        .map(|i| deal_change(&format!("d{i}"), &deal, "aws_submit", "true"))
        .collect();
    let report = run(&env, &again).await;
    assert!(failures(&report).is_empty());
    for m in &again {
        run(&env, std::slice::from_ref(m)).await;
    }
    assert_eq!(env.pc.call_count(TASK), 1, "never a second task call");
    assert_eq!(env.pc.create_count(), 1);
}

#[tokio::test]
async fn a_crash_between_the_task_and_the_write_back_finishes_the_same_task() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let id = linked(&env, &deal).await;
    tick(&env, &deal);
    env.fail_updates
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let report = run(&env, &[deal_change("m1", &deal, "aws_submit", "true")]).await;
    assert_eq!(
        outcomes(&report),
        ["transient_error"],
        "{:?}",
        report.outcomes
    );
    assert_eq!(env.pc.write_count(TASK), 1);

    let report = run(&env, &[deal_change("m1", &deal, "aws_submit", "true")]).await;
    assert!(failures(&report).is_empty(), "{:?}", report.outcomes);
    assert_eq!(
        env.pc.call_count(TASK),
        1,
        "the task was looked up, not restarted"
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Submitted")
    );
    assert!(env.pc.engagement_id(&id).is_some());
}

#[tokio::test]
async fn a_slow_task_leaves_the_deal_submitting_and_a_failed_one_is_reported() {
    // AWS takes 10 s (on the fake's clock, which only the test moves); the processor follows
    // a task for 1 s of real time.
    let clock = ManualClock::new(Utc::now());
    let config = PartnerCentralConfig::default()
        .unthrottled()
        .with_clock(clock.clone())
        .with_submission_delay(Duration::from_secs(10));
    let env = env_with(config, 1000.0).await;
    let mut settings = SyncSettings::new(Catalog::Sandbox);
    settings.submission_follow = Duration::from_secs(1);
    let (processor, _) = processor_with(
        &env.hubspot,
        &env.pc,
        WriteSlots::unlimited(),
        clock.clone(),
        settings,
    );
    let deal = env.ids.deal_acme.clone();
    tick(&env, &deal);
    let sync = |id: &str| {
        processor.handle_batch(
            batch(&[deal_change(id, &deal, "aws_submit", "true")]),
            deadline(),
        )
    };

    let report = sync("m1").await;
    assert_eq!(outcomes(&report), ["submitting"], "{:?}", report.outcomes);
    assert!(
        failures(&report).is_empty(),
        "acknowledged, never failed on purpose"
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("submitting")
    );
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();

    // Meanwhile someone changes the currency in the console: the task will fail AWS's rules.
    let client = env.pc.client();
    let current = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap();
    let mut project = current.project().unwrap().clone();
    let spend = project.expected_customer_spend.as_mut().unwrap();
    spend[0] = aws_sdk_partnercentralselling::types::ExpectedCustomerSpend::builder()
        .amount("240000")
        .currency_code("EUR".into())
        .frequency("Monthly".into())
        .target_company("AWS")
        .build()
        .unwrap();
    client
        .update_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .last_modified_date(*current.last_modified_date())
        .set_customer(current.customer().cloned())
        .project(project)
        .set_life_cycle(current.life_cycle().cloned().map(|l| {
            let mut l = l;
            l.review_status = None;
            l
        }))
        .set_opportunity_type(current.opportunity_type().cloned())
        .set_primary_needs_from_aws(Some(current.primary_needs_from_aws().to_vec()))
        .set_partner_opportunity_identifier(
            current.partner_opportunity_identifier().map(str::to_owned),
        )
        .send()
        .await
        .expect("console edit");
    clock.advance(Duration::from_secs(11));

    // The failure is shown and, in the same sync, the draft follows the deal again (the
    // console's EUR is replaced by the deal's USD).
    let report = sync("m2").await;
    assert_eq!(outcomes(&report), ["updated"], "{:?}", report.outcomes);
    let error = deal_prop(&env, &deal, "aws_sync_error").unwrap();
    assert!(error.contains("OpportunityValidationFailed"), "{error}");
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("error")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_submit").as_deref(),
        Some("false"),
        "cleared so a person can submit again"
    );
    assert_eq!(env.pc.call_count(TASK), 1);

    // The echo of that write-back starts nothing, and the failure stays on the deal.
    let report = sync("m3").await;
    assert_eq!(outcomes(&report), ["data_error"], "{:?}", report.outcomes);
    assert_eq!(env.pc.call_count(TASK), 1);
    assert_eq!(deal_prop(&env, &deal, "aws_sync_error").unwrap(), error);
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("error")
    );

    // A person ticks it again: the draft is brought back to the deal (USD) and a second task,
    // with a new token, submits it.
    tick(&env, &deal);
    let report = sync("m4").await;
    assert_eq!(outcomes(&report), ["submitting"], "{:?}", report.outcomes);
    assert_eq!(env.pc.write_count(TASK), 2);
    clock.advance(Duration::from_secs(11));
    let report = sync("m5").await;
    assert_eq!(outcomes(&report), ["blocked"], "{:?}", report.outcomes);
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Submitted")
    );
    assert_eq!(env.pc.call_count(TASK), 2);
}

#[tokio::test]
async fn an_incomplete_deal_is_not_submitted_and_says_what_to_fill_in() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    env.hubspot
        .unset(ObjectType::Company, &env.ids.company_acme, "industry");
    env.hubspot
        .unset(ObjectType::Company, &env.ids.company_acme, "zip");
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [
            ("aws_submit", "true"),
            ("description", "too short"),
            ("dealstage", "appointmentscheduled"),
        ],
    );
    let report = run(&env, &[deal_change("m1", &deal, "aws_submit", "true")]).await;
    assert_eq!(outcomes(&report), ["data_error"]);
    assert!(env.pc.calls().is_empty(), "no call to AWS at all");
    let error = deal_prop(&env, &deal, "aws_sync_error").unwrap();
    for item in [
        "company industry",
        "company zip",
        "aws_business_problem",
        "dealstage",
    ] {
        assert!(error.contains(item), "{item} missing from: {error}");
    }
}

#[tokio::test]
async fn an_edit_made_during_review_is_sent_after_approval() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &deal).await;

    let report = edit(&env, "m2", &deal, "amount", "310000").await;
    assert_eq!(outcomes(&report), ["blocked"]);
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 0);
    let waiting = deal_prop(&env, &deal, "aws_sync_error").unwrap();
    assert!(waiting.contains("sent when the review ends"), "{waiting}");
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("In review")
    );

    review(&env, &id, AwsReview::Approve);
    let report = run(&env, &[object_event("m3", "deal.propertyChange", &deal)]).await;
    assert_eq!(outcomes(&report), ["updated"], "{:?}", report.outcomes);
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(
        opp["Project"]["ExpectedCustomerSpend"][0]["Amount"],
        "310000"
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Approved")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("synced")
    );
    assert_eq!(refused_updates(&env), 0);
}

#[tokio::test]
async fn action_required_puts_the_comments_on_the_deal_and_sends_only_what_aws_allows() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &deal).await;
    review(
        &env,
        &id,
        AwsReview::RequireAction {
            comments: "Please give the customer's real website.".into(),
            reason: "Customer website is incorrect".into(),
        },
    );
    let report = run(&env, &[object_event("m2", "deal.propertyChange", &deal)]).await;
    assert_eq!(
        outcomes(&report),
        ["action_required"],
        "{:?}",
        report.outcomes
    );
    let comments = deal_prop(&env, &deal, "aws_review_comments").unwrap();
    assert!(comments.contains("real website"), "{comments}");
    assert!(
        comments.contains("Customer website is incorrect"),
        "{comments}"
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("action_required")
    );

    // The fix (website) and an edit AWS does not take in this state (stage).
    env.hubspot.upsert(
        ObjectType::Company,
        &env.ids.company_acme,
        [("website", "https://acme-analytics.example")],
    );
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("dealstage", "presentationscheduled")],
    );
    let report = run(
        &env,
        &[object_event(
            "m3",
            "company.propertyChange",
            &env.ids.company_acme,
        )],
    )
    .await;
    assert_eq!(outcomes(&report), ["updated"], "{:?}", report.outcomes);
    assert_eq!(refused_updates(&env), 0, "only allowed fields were sent");
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(
        opp["Customer"]["Account"]["WebsiteUrl"],
        "https://acme-analytics.example"
    );
    assert_eq!(opp["LifeCycle"]["Stage"], "Qualified");
    // The fix sent the opportunity back into review; the deal says so.
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Submitted")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("blocked")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_comments").filter(|c| !c.is_empty()),
        None,
        "AWS's comments are cleared once the review goes on"
    );
}

#[tokio::test]
async fn a_rejected_opportunity_is_final() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &deal).await;
    review(
        &env,
        &id,
        AwsReview::Reject {
            comments: "Duplicate of an opportunity AWS already has.".into(),
            reason: "Duplicate Opportunity".into(),
        },
    );
    for (i, amount) in ["1", "2", "3"].iter().enumerate() {
        let report = edit(&env, &format!("r{i}"), &deal, "amount", amount).await;
        assert_eq!(outcomes(&report), ["rejected"]);
        assert!(
            failures(&report).is_empty(),
            "never retried, never in the DLQ"
        );
    }
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 0);
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("rejected")
    );
    let comments = deal_prop(&env, &deal, "aws_review_comments").unwrap();
    assert!(comments.contains("Duplicate Opportunity"), "{comments}");
}

#[tokio::test]
async fn won_and_lost_deals_close_the_opportunity_and_are_never_refused() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let id = in_review(&env, &deal).await;

    // AWS approves, then the deal is won: Launched, with the deal's own (past) close date.
    review(&env, &id, AwsReview::Approve);
    let yesterday = (Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [
            ("dealstage", "closedwon"),
            ("closedate", yesterday.as_str()),
        ],
    );
    let report = run(&env, &[deal_change("m2", &deal, "dealstage", "closedwon")]).await;
    assert_eq!(outcomes(&report), ["updated"], "{:?}", report.outcomes);
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(opp["LifeCycle"]["Stage"], "Launched");
    assert_eq!(
        opp["LifeCycle"]["TargetCloseDate"],
        yesterday.as_str(),
        "the deal's own close date, not the floor"
    );
    // After Launched: edits the API refuses are not sent; days pass, nothing loops.
    let report = edit(&env, "m3", &deal, "amount", "999").await;
    assert_eq!(outcomes(&report), ["unchanged"], "{:?}", report.outcomes);

    // A lost draft: Closed Lost with the default reason, then nothing more is sent.
    let lost = env.ids.deal_nordwind.clone();
    let lost_id = linked(&env, &lost).await;
    let report = edit(&env, "m4", &lost, "dealstage", "closedlost").await;
    assert_eq!(outcomes(&report), ["updated"], "{:?}", report.outcomes);
    let opp = env.pc.opportunity(&lost_id).unwrap();
    assert_eq!(opp["LifeCycle"]["Stage"], "Closed Lost");
    assert_eq!(opp["LifeCycle"]["ClosedLostReason"], "Other");
    let updates = env.pc.call_count("UpdateOpportunity");
    env.hubspot.upsert(
        ObjectType::Deal,
        &lost,
        [("closedate", yesterday.as_str()), ("amount", "5")],
    );
    let report = run(&env, &[deal_change("m5", &lost, "amount", "5")]).await;
    assert_eq!(outcomes(&report), ["unchanged"]);
    assert_eq!(env.pc.call_count("UpdateOpportunity"), updates);
    assert_eq!(refused_updates(&env), 0);
    assert_eq!(
        deal_prop(&env, &lost, "aws_sync_status").as_deref(),
        Some("synced")
    );
}

#[tokio::test]
async fn a_deal_won_yesterday_still_gets_a_draft_opportunity() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let yesterday = (Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [
            ("dealstage", "closedwon"),
            ("closedate", yesterday.as_str()),
        ],
    );
    let report = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(outcomes(&report), ["created"], "{:?}", report.outcomes);
    let id = report.outcomes[0].opportunity_id.clone().unwrap();
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(
        opp["LifeCycle"]["Stage"], "Committed",
        "Launched waits for approval"
    );
    assert!(
        opp["LifeCycle"]["TargetCloseDate"].as_str().unwrap() > yesterday.as_str(),
        "an open stage carries a date ahead: {}",
        opp["LifeCycle"]["TargetCloseDate"]
    );
    let report = run(&env, &[deal_change("m2", &deal, "amount", "1")]).await;
    assert!(failures(&report).is_empty());
    assert_eq!(
        refused_updates(&env),
        0,
        "no update refused for its date either"
    );
}

#[tokio::test]
async fn a_won_draft_is_not_launched_before_approval() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let id = linked(&env, &deal).await;
    let report = edit(&env, "m1", &deal, "dealstage", "closedwon").await;
    assert!(failures(&report).is_empty());
    assert_eq!(refused_updates(&env), 0);
    assert_eq!(
        env.pc.opportunity(&id).unwrap()["LifeCycle"]["Stage"],
        "Qualified"
    );
}

#[tokio::test]
async fn the_stage_trigger_submits_once_the_deal_is_far_enough() {
    let env = env().await;
    let mut settings = SyncSettings::new(Catalog::Sandbox);
    settings.submit_trigger = SubmitTrigger::Stage("Technical Validation".into());
    let (processor, _) = processor_with(
        &env.hubspot,
        &env.pc,
        WriteSlots::unlimited(),
        SystemClock,
        settings,
    );
    let deal = env.ids.deal_acme.clone();
    let sync = |id: &str| {
        processor.handle_batch(
            batch(&[object_event(id, "deal.propertyChange", &deal)]),
            deadline(),
        )
    };
    let report = sync("m1").await;
    assert_eq!(
        outcomes(&report),
        ["created"],
        "Qualified is not far enough"
    );
    assert_eq!(env.pc.call_count(TASK), 0);
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("dealstage", "presentationscheduled")],
    );
    let report = sync("m2").await;
    assert_eq!(outcomes(&report), ["submitted"], "{:?}", report.outcomes);
    assert_eq!(env.pc.call_count(TASK), 1);
}

#[tokio::test]
async fn two_processors_share_the_accounts_write_quota() {
    // The real quota (1 write/s for the whole account) and two processors, as the event
    // source's MaximumConcurrency of 2 allows, each syncing its own deals at the same time.
    let pc = PartnerCentralFake::start_with(PartnerCentralConfig::default())
        .await
        .unwrap();
    let env = env().await;
    let settings = SyncSettings::new(Catalog::Sandbox);
    let (first, _) = processor_with(
        &env.hubspot,
        &pc,
        WriteSlots::new(2, DEFAULT_SLOT),
        SystemClock,
        settings.clone(),
    );
    let (second, _) = processor_with(
        &env.hubspot,
        &pc,
        WriteSlots::new(2, DEFAULT_SLOT),
        SystemClock,
        settings,
    );
    let first_deals = [env.ids.deal_acme.clone(), env.ids.deal_nordwind.clone()];
    let second_deals = [
        copy_deal(&env, &env.ids.deal_acme, "9001"),
        copy_deal(&env, &env.ids.deal_nordwind, "9002"),
    ];
    let messages = |deals: &[String]| -> Vec<Msg> {
        deals
            .iter()
            .map(|d| object_event(&format!("m{d}"), "deal.creation", d))
            .collect()
    };
    let (a, b) = tokio::join!(
        first.handle_batch(batch(&messages(&first_deals)), deadline()),
        second.handle_batch(batch(&messages(&second_deals)), deadline()),
    );
    for report in [&a, &b] {
        assert_eq!(
            outcomes(report),
            ["created", "created"],
            "{:?}",
            report.outcomes
        );
        assert!(failures(report).is_empty());
    }
    // create + associate per deal
    assert_eq!(pc.write_count("CreateOpportunity"), 4);
    assert_eq!(pc.peak_writes_per_second(), 1);
    // Two processors that picked one lane collide until one moves (two collisions on
    // average); the bound only catches a fight over every write.
    let (_, throttled_writes) = pc.throttled_calls();
    assert!(
        throttled_writes <= 8,
        "{throttled_writes} throttled writes for 8 writes"
    );
}

/// A second deal like `from`, with its company and contacts, under id `id`.
fn copy_deal(env: &Env, from: &str, id: &str) -> String {
    let props: Vec<(&str, String)> = [
        "dealname",
        "amount",
        "dealstage",
        "closedate",
        "description",
    ]
    .into_iter()
    .filter_map(|name| Some((name, env.hubspot.property(ObjectType::Deal, from, name)?)))
    .collect();
    env.hubspot.upsert(ObjectType::Deal, id, props);
    for company in env
        .hubspot
        .associated_ids(ObjectType::Deal, from, ObjectType::Company)
    {
        env.hubspot
            .associate_primary((ObjectType::Deal, id), (ObjectType::Company, &company));
    }
    id.to_owned()
}
