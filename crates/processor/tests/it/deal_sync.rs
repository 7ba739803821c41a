//! Deal sync against the sandbox fakes with the real HubSpot and Partner Central clients:
//! create, update, no-op, coalescing, redelivery, write-back failure, submitted opportunities.

use crate::common::*;
use sandbox::hubspot::{ObjectType, RequestKind};
use sandbox::partner_central::{AwsReview, PartnerCentralFault};
use serde_json::json;

#[tokio::test]
async fn creates_the_opportunity_and_links_the_deal() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let report = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;

    assert_eq!(response_json(&report), json!({"batchItemFailures": []}));
    assert_eq!(outcomes(&report), ["created"]);
    let out = &report.outcomes[0];
    assert_eq!(out.message_id, "m1");
    assert_eq!(out.correlation_id.as_deref(), Some("corr-m1"));
    assert_eq!(out.event_type.as_deref(), Some("deal.creation"));
    assert_eq!(out.object_type.as_deref(), Some("deal"));
    assert_eq!(out.object_id.as_deref(), Some(deal.as_str()));

    let id = out.opportunity_id.clone().expect("opportunity id");
    assert_eq!(env.pc.create_count(), 1);
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(opp["PartnerOpportunityIdentifier"], deal.as_str());
    assert_eq!(
        opp["Project"]["Title"],
        "Acme Analytics data lake migration"
    );
    assert_eq!(
        opp["Customer"]["Account"]["CompanyName"],
        "Acme Analytics Inc."
    );
    assert_eq!(
        opp["Customer"]["Account"]["WebsiteUrl"],
        "https://www.acmeanalytics.com"
    );
    assert_eq!(
        opp["Customer"]["Account"]["Industry"],
        "Software and Internet"
    );
    assert_eq!(opp["Customer"]["Account"]["Address"]["CountryCode"], "US");
    assert_eq!(
        opp["Customer"]["Account"]["Address"]["StateOrRegion"],
        "Washington"
    );
    assert_eq!(opp["Customer"]["Contacts"][0]["Phone"], "+12065550142");
    assert_eq!(opp["LifeCycle"]["Stage"], "Qualified");
    assert_eq!(
        opp["Project"]["ExpectedCustomerSpend"][0]["Amount"],
        "240000"
    );
    assert!(
        opp["LifeCycle"]["NextSteps"]
            .as_str()
            .unwrap()
            .starts_with("Discovery call")
    );
    assert_eq!(env.pc.origin(&id).as_deref(), Some("Partner Referral"));
    assert_eq!(
        env.pc.associations(&id),
        [("Solutions".to_owned(), SOLUTION.to_owned())]
    );

    assert_eq!(
        deal_prop(&env, &deal, "aws_opportunity_id").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_opportunity_title").as_deref(),
        Some("Acme Analytics data lake migration")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("synced")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Pending Submission")
    );
    assert!(deal_prop(&env, &deal, "aws_last_synced_at").is_some());
    assert_eq!(deal_prop(&env, &deal, "aws_sync_error"), None);
}

#[tokio::test]
async fn updates_then_skips_a_no_op() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();

    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("amount", "300000.5"), ("dealstage", "contractsent")],
    );
    let report = run(&env, &[deal_change("m2", &deal, "amount", "300000.5")]).await;
    assert_eq!(outcomes(&report), ["updated"]);
    assert!(failures(&report).is_empty());
    assert_eq!(env.pc.write_count("UpdateOpportunity"), 1);
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(
        opp["Project"]["ExpectedCustomerSpend"][0]["Amount"],
        "300000.5"
    );
    assert_eq!(opp["LifeCycle"]["Stage"], "Committed");

    // The same state again: GetOpportunity, compare, no UpdateOpportunity, no write-back.
    let patches_before = env.hubspot.patches_of(ObjectType::Deal, &deal);
    let report = run(&env, &[deal_change("m3", &deal, "amount", "300000.5")]).await;
    assert_eq!(outcomes(&report), ["unchanged"]);
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 1);
    assert_eq!(
        env.hubspot.patches_of(ObjectType::Deal, &deal),
        patches_before
    );
}

#[tokio::test]
async fn our_own_write_back_echo_causes_no_write() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    env.hubspot.clear_requests();
    let echo: Vec<Msg> = [
        "aws_opportunity_id",
        "aws_sync_status",
        "aws_last_synced_at",
    ]
    .iter()
    .enumerate()
    .map(|(i, p)| deal_change(&format!("echo{i}"), &deal, p, "x"))
    .collect();
    let report = run(&env, &echo).await;
    assert_eq!(outcomes(&report), ["skipped", "skipped", "skipped"]);
    assert!(
        env.hubspot.requests().is_empty(),
        "sync-owned echoes are not even read"
    );
    // Processed anyway (e.g. generic object.* without property name): diff ⇒ no write.
    let report = run(&env, &[object_event("m2", "deal.propertyChange", &deal)]).await;
    assert_eq!(outcomes(&report), ["unchanged"]);
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 0);
    assert_eq!(env.hubspot.request_count(RequestKind::PatchObject), 0);
}

#[tokio::test]
async fn five_changes_in_one_batch_make_one_read_and_one_write() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let messages: Vec<Msg> = [
        "amount",
        "dealstage",
        "closedate",
        "description",
        "dealname",
    ]
    .iter()
    .enumerate()
    .map(|(i, p)| deal_change(&format!("m{i}"), &deal, p, "v"))
    .collect();
    let report = run(&env, &messages).await;
    assert_eq!(
        outcomes(&report),
        [
            "created",
            "unchanged",
            "unchanged",
            "unchanged",
            "unchanged"
        ]
    );
    assert!(failures(&report).is_empty());
    assert_eq!(env.hubspot.reads_of(ObjectType::Deal, &deal), 1);
    assert_eq!(
        env.pc.write_count("CreateOpportunity") + env.pc.write_count("UpdateOpportunity"),
        1
    );
}

#[tokio::test]
async fn the_same_batch_delivered_ten_times_makes_one_opportunity() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    let messages = [
        object_event("m1", "deal.creation", &deal),
        deal_change("m2", &deal, "amount", "1"),
        deal_change("m3", &deal, "dealstage", "qualifiedtobuy"),
    ];
    for delivery in 1..=10u32 {
        let redelivered: Vec<Msg> = messages
            .iter()
            .cloned()
            .map(|mut m| {
                m.receive_count = delivery;
                m
            })
            .collect();
        let report = run(&env, &redelivered).await;
        assert!(failures(&report).is_empty(), "delivery {delivery}");
        let expected = if delivery == 1 {
            "created"
        } else {
            "unchanged"
        };
        assert_eq!(
            report.outcomes[0].outcome.as_str(),
            expected,
            "delivery {delivery}"
        );
    }
    assert_eq!(env.pc.opportunities().len(), 1);
    assert_eq!(env.pc.create_count(), 1);
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 0);
}

#[tokio::test]
async fn write_back_failure_then_retry_finds_the_same_opportunity() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    env.fail_updates
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let first = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(outcomes(&first), ["transient_error"]);
    assert_eq!(failures(&first), ["m1"]);
    assert_eq!(env.pc.create_count(), 1);
    assert_eq!(
        deal_prop(&env, &deal, "aws_opportunity_id"),
        None,
        "the write-back was lost"
    );

    // Meanwhile the deal changed, so a replayed CreateOpportunity would carry another body.
    env.hubspot
        .upsert(ObjectType::Deal, &deal, [("amount", "250000")]);
    let mut again = object_event("m1", "deal.creation", &deal);
    again.receive_count = 2;
    let retry = run(&env, &[again]).await;
    assert_eq!(outcomes(&retry), ["updated"]);
    assert!(failures(&retry).is_empty());
    assert_eq!(env.pc.opportunities().len(), 1);
    assert_eq!(env.pc.create_count(), 1);
    let id = retry.outcomes[0].opportunity_id.clone().unwrap();
    assert_eq!(
        deal_prop(&env, &deal, "aws_opportunity_id").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(
        env.pc.opportunity(&id).unwrap()["Project"]["ExpectedCustomerSpend"][0]["Amount"],
        "250000"
    );
}

#[tokio::test]
async fn submitted_opportunity_is_blocked_and_keeps_its_title() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    submit(&env, &id).await;
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("dealname", "Acme lakehouse #AWS"), ("amount", "1")],
    );

    let report = run(
        &env,
        &[deal_change("m2", &deal, "dealname", "Acme lakehouse #AWS")],
    )
    .await;
    assert_eq!(outcomes(&report), ["blocked"]);
    assert!(failures(&report).is_empty(), "blocked is acknowledged");
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 0);
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(
        opp["Project"]["Title"],
        "Acme Analytics data lake migration"
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("blocked")
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_review_status").as_deref(),
        Some("Submitted")
    );
    assert!(
        deal_prop(&env, &deal, "aws_sync_error")
            .unwrap()
            .contains("Submitted")
    );
    let notes = env
        .hubspot
        .associated_ids(ObjectType::Deal, &deal, ObjectType::Note);
    assert_eq!(
        notes.len(),
        2,
        "the seeded note plus one explaining the title"
    );
    let body = notes
        .iter()
        .filter_map(|n| env.hubspot.property(ObjectType::Note, n, "hs_note_body"))
        .find(|b| b.contains("Acme lakehouse"))
        .expect("title note");
    assert!(body.contains("Acme Analytics data lake migration"));

    // Once approved, updates flow again but the title stays; the note is not repeated.
    env.pc.review(&id, AwsReview::StartReview).unwrap();
    env.pc.review(&id, AwsReview::Approve).unwrap();
    let report = run(&env, &[deal_change("m3", &deal, "amount", "1")]).await;
    assert_eq!(outcomes(&report), ["updated"]);
    let opp = env.pc.opportunity(&id).unwrap();
    assert_eq!(
        opp["Project"]["Title"],
        "Acme Analytics data lake migration"
    );
    assert_eq!(opp["Project"]["ExpectedCustomerSpend"][0]["Amount"], "1");
    let next_steps = opp["LifeCycle"]["NextSteps"].as_str().unwrap();
    assert!(
        !next_steps.contains("Partner Central sync"),
        "our own note is not a next step: {next_steps}"
    );
    assert_eq!(
        env.hubspot
            .associated_ids(ObjectType::Deal, &deal, ObjectType::Note)
            .len(),
        2
    );
    assert_eq!(
        deal_prop(&env, &deal, "aws_sync_status").as_deref(),
        Some("synced")
    );
}

#[tokio::test]
async fn a_conflict_retry_does_not_repeat_the_title_note() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    submit(&env, &id).await;
    env.pc.review(&id, AwsReview::StartReview).unwrap();
    env.pc.review(&id, AwsReview::Approve).unwrap();
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("dealname", "Acme lakehouse #AWS"), ("amount", "1")],
    );
    // The first update conflicts: the retry re-reads the opportunity, not the deal's notes.
    env.pc
        .fail_next_op("UpdateOpportunity", 1, PartnerCentralFault::Conflict);

    let report = run(
        &env,
        &[deal_change("m2", &deal, "dealname", "Acme lakehouse #AWS")],
    )
    .await;
    assert_eq!(outcomes(&report), ["updated"]);
    assert_eq!(env.pc.call_count("UpdateOpportunity"), 2);
    assert_eq!(
        env.pc.opportunity(&id).unwrap()["Project"]["Title"],
        "Acme Analytics data lake migration"
    );
    assert_eq!(
        env.hubspot
            .associated_ids(ObjectType::Deal, &deal, ObjectType::Note)
            .len(),
        2,
        "the seeded note plus exactly one title note"
    );
}

#[tokio::test]
async fn a_title_with_markup_characters_is_noted_once() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    submit(&env, &id).await;
    // Note bodies are HTML: `<phase 2>` does not survive as text when the note is read back.
    env.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("dealname", "Acme lakehouse <phase 2> #AWS")],
    );
    for m in ["m2", "m3"] {
        let report = run(&env, &[deal_change(m, &deal, "amount", "1")]).await;
        assert_eq!(outcomes(&report), ["blocked"]);
    }
    assert_eq!(
        env.hubspot
            .associated_ids(ObjectType::Deal, &deal, ObjectType::Note)
            .len(),
        2,
        "the seeded note plus one title note, not one per event"
    );
}

#[tokio::test]
async fn the_solution_is_associated_before_the_deal_is_linked() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    // Created, then AssociateOpportunity fails: the deal stays unlinked for the redelivery.
    env.pc
        .fail_next_op("AssociateOpportunity", 1, PartnerCentralFault::AccessDenied);
    let first = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(failures(&first), ["m1"]);
    // The redelivery adopts the opportunity; AssociateOpportunity fails again. Linking the
    // deal now would leave nothing to retry the association: linked deals never associate.
    env.pc
        .fail_next_op("AssociateOpportunity", 1, PartnerCentralFault::AccessDenied);
    let second = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(failures(&second), ["m1"]);
    assert_eq!(deal_prop(&env, &deal, "aws_opportunity_id"), None);

    let third = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert!(failures(&third).is_empty());
    assert_eq!(env.pc.opportunities().len(), 1);
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    assert_eq!(
        env.pc.associations(&id),
        [("Solutions".to_owned(), SOLUTION.to_owned())]
    );
}

#[tokio::test]
async fn untagged_and_deleted_deals_are_acknowledged() {
    let env = env().await;
    let gone = env.ids.deal_nordwind.clone();
    assert!(env.hubspot.archive(ObjectType::Deal, &gone));
    let report = run(
        &env,
        &[
            object_event("m1", "deal.creation", &env.ids.deal_untagged),
            object_event("m2", "deal.deletion", &gone),
        ],
    )
    .await;
    assert_eq!(outcomes(&report), ["skipped", "not_found"]);
    assert!(failures(&report).is_empty());
    assert!(env.pc.calls().is_empty());
    assert_eq!(env.hubspot.request_count(RequestKind::PatchObject), 0);
}

#[tokio::test]
async fn conflicting_client_token_is_resolved_by_a_wider_lookup() {
    let env = env().await;
    let deal = env.ids.deal_acme.clone();
    env.fail_updates
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let first = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(failures(&first), ["m1"]);

    // The company was renamed before the redelivery: the lookup filtered by company name misses,
    // the replayed CreateOpportunity (same token, new body) conflicts, the unfiltered lookup finds it.
    env.hubspot.upsert(
        ObjectType::Company,
        &env.ids.company_acme,
        [("name", "Acme Renamed Ltd")],
    );
    let retry = run(&env, &[object_event("m1", "deal.creation", &deal)]).await;
    assert_eq!(outcomes(&retry), ["updated"]);
    let conflicts = env
        .pc
        .calls()
        .iter()
        .filter(|c| {
            c.operation == "CreateOpportunity" && c.error.as_deref() == Some("ConflictException")
        })
        .count();
    assert_eq!(
        conflicts, 1,
        "the replayed create was refused, not duplicated"
    );
    assert_eq!(env.pc.opportunities().len(), 1);
    let id = deal_prop(&env, &deal, "aws_opportunity_id").unwrap();
    assert_eq!(
        env.pc.opportunity(&id).unwrap()["Customer"]["Account"]["CompanyName"],
        "Acme Renamed Ltd"
    );
}
