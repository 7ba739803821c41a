//! GetAwsOpportunitySummary through the real SDK client: not found before submission, the
//! submission's choices until AWS reviews it, AWS's side after approval, and changes AWS's
//! people make to it.

use aws_sdk_partnercentralselling::Client;
use aws_sdk_partnercentralselling::operation::get_aws_opportunity_summary::{
    GetAwsOpportunitySummaryError, GetAwsOpportunitySummaryOutput,
};
use aws_sdk_partnercentralselling::types::{
    AwsMemberBusinessTitle, AwsOpportunityStage, EngagementScore, InvolvementTypeChangeReason,
    OpportunityOrigin, ReviewStatus, SalesInvolvementType, Visibility,
};
use sandbox::partner_central::{
    AwsReview, AwsSummaryChange, AwsTeamMember, PartnerCentralConfig, PartnerCentralFake, Rate,
    SandboxError, sdk_client_without_retries,
};

use crate::common::partner_central::{Spec, clock, create_valid, last_modified, review_status};
use crate::common::submission::{fake_with_clock, submitted};

async fn summary(
    client: &Client,
    id: &str,
) -> Result<GetAwsOpportunitySummaryOutput, GetAwsOpportunitySummaryError> {
    client
        .get_aws_opportunity_summary()
        .catalog("Sandbox")
        .related_opportunity_identifier(id)
        .send()
        .await
        .map_err(|e| e.into_service_error())
}

#[tokio::test]
async fn there_is_no_aws_side_before_submission() {
    let (fake, _clock) = fake_with_clock().await;
    let client = fake.client();
    let unknown = summary(&client, "O9999999999").await.unwrap_err();
    assert!(unknown.is_resource_not_found_exception(), "{unknown:?}");
    let (draft, _) = create_valid(&client, "draft").await;
    let error = summary(&client, &draft).await.unwrap_err();
    assert!(error.is_resource_not_found_exception(), "{error:?}");
    assert_eq!(fake.aws_summary(&draft), None);
    assert_eq!(
        fake.set_aws_summary(&draft, AwsSummaryChange::default()),
        Err(SandboxError::NotSubmitted(draft.clone()))
    );
    // Another catalog is another world.
    let other = client
        .get_aws_opportunity_summary()
        .catalog("AWS")
        .related_opportunity_identifier(&draft)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(other.is_resource_not_found_exception(), "{other:?}");
}

#[tokio::test]
async fn a_submission_leaves_its_choices_and_approval_fills_aws_s_side() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = submitted(&client, &clock, "summary").await;

    let before = summary(&client, &id).await.unwrap();
    assert_eq!(before.catalog(), "Sandbox");
    assert_eq!(before.related_opportunity_id(), Some(id.as_str()));
    assert_eq!(before.origin(), Some(&OpportunityOrigin::PartnerReferral));
    assert_eq!(
        before.involvement_type(),
        Some(&SalesInvolvementType::CoSell)
    );
    assert_eq!(before.visibility(), Some(&Visibility::Full));
    assert_eq!(before.life_cycle(), None, "AWS has not looked at it yet");
    assert!(before.opportunity_team().is_empty());
    assert_eq!(before.insights(), None);
    assert_eq!(before.involvement_type_change_reason(), None);

    fake.review(&id, AwsReview::StartReview).unwrap();
    assert_eq!(summary(&client, &id).await.unwrap().life_cycle(), None);
    fake.review(&id, AwsReview::Approve).unwrap();
    let after = summary(&client, &id).await.unwrap();
    let life = after.life_cycle().expect("AWS's lifecycle after approval");
    assert_eq!(life.stage(), Some(&AwsOpportunityStage::Qualified));
    assert_eq!(life.target_close_date(), Some("2030-09-30"));
    assert!(life.next_steps().is_some_and(|s| !s.is_empty()));
    assert_eq!(life.next_steps_history().len(), 1);
    let titles: Vec<&AwsMemberBusinessTitle> = after
        .opportunity_team()
        .iter()
        .filter_map(|m| m.business_title())
        .collect();
    assert_eq!(
        titles,
        [
            &AwsMemberBusinessTitle::AwsAccountOwner,
            &AwsMemberBusinessTitle::Pdm
        ]
    );
    for member in after.opportunity_team() {
        assert!(member.first_name().is_some() && member.last_name().is_some());
        assert!(member.email().is_some_and(|e| e.ends_with("@amazon.com")));
    }
    assert_eq!(
        after.insights().and_then(|i| i.engagement_score()),
        Some(&EngagementScore::High)
    );
    let spend = after.project().unwrap().expected_customer_spend();
    assert_eq!(spend[0].amount(), "20000");
    assert_eq!(
        after.related_entity_ids().unwrap().solutions(),
        ["S-0000001"]
    );
    // The handle shows the same JSON the operation answers.
    let shown = fake.aws_summary(&id).unwrap();
    assert_eq!(shown["LifeCycle"]["Stage"], "Qualified");
    assert_eq!(shown["InvolvementType"], "Co-Sell");
}

#[tokio::test]
async fn aws_people_change_their_side_without_touching_the_partner_s_record() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = submitted(&client, &clock, "changed").await;
    fake.review(&id, AwsReview::StartReview).unwrap();
    fake.review(&id, AwsReview::Approve).unwrap();
    let modified = last_modified(&client, &id).await;
    let team = vec![AwsTeamMember {
        first_name: "Sam".into(),
        last_name: "Okafor".into(),
        email: "sam.okafor@amazon.com".into(),
        business_title: "PSM".into(),
    }];
    clock.advance(std::time::Duration::from_secs(60));
    fake.set_aws_summary(
        &id,
        AwsSummaryChange {
            stage: Some("Technical Validation".into()),
            next_steps: Some("Run the proof of concept".into()),
            engagement_score: Some("Medium".into()),
            team: Some(team),
            involvement_type: Some("For Visibility Only".into()),
        },
    )
    .unwrap();
    let out = summary(&client, &id).await.unwrap();
    let life = out.life_cycle().unwrap();
    assert_eq!(
        life.stage(),
        Some(&AwsOpportunityStage::TechnicalValidation)
    );
    assert_eq!(life.next_steps(), Some("Run the proof of concept"));
    let history: Vec<&str> = life
        .next_steps_history()
        .iter()
        .map(|h| h.value())
        .collect();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1], "Run the proof of concept");
    assert_eq!(
        out.insights().and_then(|i| i.engagement_score()),
        Some(&EngagementScore::Medium)
    );
    assert_eq!(out.opportunity_team().len(), 1);
    assert_eq!(
        out.opportunity_team()[0].business_title(),
        Some(&AwsMemberBusinessTitle::Psm)
    );
    assert_eq!(
        out.involvement_type(),
        Some(&SalesInvolvementType::ForVisibilityOnly)
    );
    assert_eq!(
        out.involvement_type_change_reason(),
        Some(&InvolvementTypeChangeReason::ChangeInDealInformation)
    );
    // The partner's record (and its optimistic-concurrency token) did not change.
    assert_eq!(last_modified(&client, &id).await, modified);
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Approved);

    let refused = fake.set_aws_summary(
        &id,
        AwsSummaryChange {
            engagement_score: Some("Very high".into()),
            ..AwsSummaryChange::default()
        },
    );
    assert!(
        matches!(&refused, Err(SandboxError::InvalidValue { field, .. }) if field == "Insights.EngagementScore"),
        "{refused:?}"
    );
    let refused = fake.set_aws_summary(
        &id,
        AwsSummaryChange {
            stage: Some("Won".into()),
            ..AwsSummaryChange::default()
        },
    );
    assert!(matches!(refused, Err(SandboxError::InvalidValue { .. })));
    assert_eq!(
        fake.set_aws_summary("O9999999999", AwsSummaryChange::default()),
        Err(SandboxError::UnknownOpportunity("O9999999999".into()))
    );
}

#[tokio::test]
async fn the_sandbox_simulated_approval_fills_aws_s_side_too() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = submitted(&client, &clock, "simulated").await;
    for status in ["In review", "Approved"] {
        let mut spec = Spec::valid();
        spec.review_status = Some(status.into());
        spec.update(&client, &id, last_modified(&client, &id).await)
            .send()
            .await
            .unwrap();
    }
    let out = summary(&client, &id).await.unwrap();
    assert!(out.life_cycle().and_then(|l| l.stage()).is_some());
}

#[tokio::test]
async fn the_summary_is_a_read_on_the_read_quota() {
    let fake = PartnerCentralFake::start_with(PartnerCentralConfig {
        reads: Some(Rate {
            per_second: 1.0,
            burst: 1,
        }),
        writes: None,
        ..PartnerCentralConfig::default().with_clock(clock())
    })
    .await
    .unwrap();
    let client = sdk_client_without_retries(&fake.base_url());
    let first = summary(&client, "O4000000001").await.unwrap_err();
    assert!(first.is_resource_not_found_exception(), "{first:?}");
    let second = summary(&client, "O4000000001").await.unwrap_err();
    assert!(second.is_throttling_exception(), "{second:?}");
    assert_eq!(fake.throttled_calls(), (1, 0));
    assert_eq!(fake.call_count("GetAwsOpportunitySummary"), 2);
}
