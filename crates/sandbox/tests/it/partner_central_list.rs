//! ListOpportunities as a reconciliation sweep uses it, through the real SDK client: the
//! LastModifiedDate window, Sort, paging, and the members of each summary.

use std::time::Duration;

use aws_sdk_partnercentralselling::types::{
    OpportunitySort, OpportunitySortName, ReviewStatus, SortOrder, Stage,
};

use crate::common::listing::{sweep, window};
use crate::common::partner_central::{SIGNED, Spec, last_modified, raw};
use crate::common::submission::{DELAY, create_submittable, fake_with_clock, start};

#[tokio::test]
async fn a_last_modified_window_pages_oldest_first() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut ids = Vec::new();
    let mut stamps = Vec::new();
    for n in 0..5 {
        let mut spec = Spec::valid();
        spec.partner_id = Some(format!("deal-{n}"));
        let out = spec.create(&client, &format!("t{n}")).send().await.unwrap();
        ids.push(out.id().to_owned());
        stamps.push(*out.last_modified_date().unwrap());
        clock.advance(Duration::from_secs(1));
    }

    // After is inclusive, Before exclusive.
    let (seen, calls) = sweep(&client, window(Some(stamps[1]), Some(stamps[4])), 2).await;
    assert_eq!(seen, ["deal-1", "deal-2", "deal-3"]);
    assert_eq!(calls, 2);
    let (seen, _) = sweep(&client, window(Some(stamps[3]), None), 100).await;
    assert_eq!(seen, ["deal-3", "deal-4"]);
    let (seen, _) = sweep(&client, window(None, Some(stamps[1])), 100).await;
    assert_eq!(seen, ["deal-0"]);

    // A change moves an opportunity into the newest window.
    let mut spec = Spec::valid();
    spec.partner_id = Some("deal-0".into());
    spec.next_steps = Some("Follow up".into());
    spec.update(&client, &ids[0], last_modified(&client, &ids[0]).await)
        .send()
        .await
        .unwrap();
    let (seen, _) = sweep(&client, window(Some(stamps[4]), None), 1).await;
    assert_eq!(seen, ["deal-4", "deal-0"]);

    // The SDK's paginator walks the same pages.
    let all: Vec<String> = client
        .list_opportunities()
        .catalog("Sandbox")
        .last_modified_date(window(Some(stamps[2]), None))
        .sort(
            OpportunitySort::builder()
                .sort_by(OpportunitySortName::LastModifieddate)
                .sort_order(SortOrder::Descending)
                .build()
                .unwrap(),
        )
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .filter_map(|s| s.partner_opportunity_identifier().map(str::to_owned))
        .collect();
    assert_eq!(all, ["deal-0", "deal-4", "deal-3", "deal-2"]);
}

#[tokio::test]
async fn summaries_carry_what_a_sweep_compares() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = create_submittable(&client, &Spec::valid(), "carry").await;
    start(&client, &id, "carry").send().await.unwrap();
    clock.advance(DELAY);
    let out = client
        .list_opportunities()
        .catalog("Sandbox")
        .life_cycle_review_status(ReviewStatus::Submitted)
        .life_cycle_stage(Stage::Qualified)
        .identifier(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.opportunity_summaries().len(), 1);
    let item = &out.opportunity_summaries()[0];
    assert_eq!(item.id(), Some(id.as_str()));
    assert_eq!(
        item.partner_opportunity_identifier(),
        Some("hubspot-deal-7")
    );
    assert_eq!(
        item.last_modified_date(),
        Some(&last_modified(&client, &id).await)
    );
    let life = item.life_cycle().unwrap();
    assert_eq!(life.review_status(), Some(&ReviewStatus::Submitted));
    assert_eq!(life.stage(), Some(&Stage::Qualified));

    let none = client
        .list_opportunities()
        .catalog("Sandbox")
        .life_cycle_review_status(ReviewStatus::Approved)
        .send()
        .await
        .unwrap();
    assert!(none.opportunity_summaries().is_empty());
}

#[tokio::test]
async fn malformed_windows_and_sorts_are_refused() {
    let (fake, _clock) = fake_with_clock().await;
    let base = fake.base_url();
    let target = "AWSPartnerCentralSelling.ListOpportunities";
    for (body, field) in [
        (
            r#"{"Catalog":"Sandbox","LastModifiedDate":{"AfterLastModifiedDate":"yesterday"}}"#,
            "LastModifiedDate.AfterLastModifiedDate",
        ),
        (
            r#"{"Catalog":"Sandbox","Sort":{"SortBy":"LastModifiedDate"}}"#,
            "Sort.SortOrder",
        ),
        (
            r#"{"Catalog":"Sandbox","Sort":{"SortBy":"Amount","SortOrder":"ASCENDING"}}"#,
            "Sort.SortBy",
        ),
    ] {
        let (status, reply, kind) = raw(&base, target, Some(SIGNED), body).await;
        assert_eq!(status, 400, "{reply}");
        assert_eq!(kind.as_deref(), Some("ValidationException"));
        assert_eq!(reply["ErrorList"][0]["FieldName"], field, "{reply}");
    }
}
