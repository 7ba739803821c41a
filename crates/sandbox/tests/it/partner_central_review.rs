//! Review-status rules and the submission flow, through the real SDK client: read-only while
//! under review, fields frozen after approval, Action Required, solutions and submission.

use crate::common::partner_central::{
    Spec, create_valid, fields, last_modified, unthrottled, update_validation,
};
use aws_sdk_partnercentralselling::operation::update_opportunity::UpdateOpportunityError;
use sandbox::partner_central::{PartnerCentralConfig, PartnerCentralFake, ReadOnlyError};

#[tokio::test]
async fn submitted_and_in_review_opportunities_are_read_only() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, _) = create_valid(&client, "ro").await;
    for status in ["Submitted", "In review"] {
        fake.set_review_status(&id, status).unwrap();
        let fresh = last_modified(&client, &id).await;
        let v = update_validation(
            Spec::valid()
                .update(&client, &id, fresh)
                .send()
                .await
                .unwrap_err(),
        );
        assert_eq!(
            fields(&v),
            vec![(
                "LifeCycle.ReviewStatus".to_owned(),
                "ACTION_NOT_PERMITTED".to_owned()
            )],
            "{status}"
        );
    }
    assert_eq!(fake.write_count("UpdateOpportunity"), 0);
}

#[tokio::test]
async fn read_only_can_be_reported_as_conflict() {
    let config = PartnerCentralConfig {
        read_only_error: ReadOnlyError::Conflict,
        ..PartnerCentralConfig::default()
            .unthrottled()
            .with_clock(crate::common::partner_central::clock())
    };
    let fake = PartnerCentralFake::start_with(config).await.unwrap();
    let client = fake.client();
    let (id, _) = create_valid(&client, "ro-conflict").await;
    fake.submit(&id).unwrap();
    let fresh = last_modified(&client, &id).await;
    let error = Spec::valid()
        .update(&client, &id, fresh)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, UpdateOpportunityError::ConflictException(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn title_is_frozen_once_approved() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, _) = create_valid(&client, "approved").await;
    fake.set_review_status(&id, "Approved").unwrap();
    let mut spec = Spec::valid();
    spec.title = Some("Renamed in HubSpot".into());
    let v = update_validation(
        spec.update(&client, &id, last_modified(&client, &id).await)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        fields(&v),
        vec![(
            "Project.Title".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );
    // Other fields stay editable after approval.
    let mut spec = Spec::valid();
    spec.stage = Some("Committed".into());
    spec.update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .expect("stage change");
    assert_eq!(fake.review_status(&id).as_deref(), Some("Approved"));
}

#[tokio::test]
async fn action_required_opens_listed_fields_and_resubmits() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, _) = create_valid(&client, "action").await;
    fake.set_review_status(&id, "Action Required").unwrap();
    let mut spec = Spec::valid();
    spec.stage = Some("Business Validation".into());
    let v = update_validation(
        spec.update(&client, &id, last_modified(&client, &id).await)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        fields(&v),
        vec![(
            "LifeCycle.Stage".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );
    let mut spec = Spec::valid();
    spec.website = Some("https://acme.example.com".into());
    spec.spends[0].amount = "25000".into();
    spec.update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .expect("listed fields");
    assert_eq!(fake.review_status(&id).as_deref(), Some("Submitted"));
}

#[tokio::test]
async fn solutions_are_associated_and_required_for_submission() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, modified) = create_valid(&client, "assoc").await;
    let submit = || {
        client
            .submit_opportunity()
            .catalog("Sandbox")
            .identifier(&id)
            .involvement_type("Co-Sell".into())
            .send()
    };
    let error = submit().await.unwrap_err().into_service_error();
    assert!(
        error.is_validation_exception(),
        "no solution yet: {error:?}"
    );

    let associate = |solution: &'static str| {
        client
            .associate_opportunity()
            .catalog("Sandbox")
            .opportunity_identifier(&id)
            .related_entity_type("Solutions".into())
            .related_entity_identifier(solution)
            .send()
    };
    let error = associate("my-solution")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_validation_exception(), "{error:?}");
    associate("S-0000001").await.unwrap();
    associate("S-0000001").await.expect("repeating is a no-op");
    assert_eq!(
        fake.associations(&id),
        vec![("Solutions".to_owned(), "S-0000001".to_owned())]
    );
    assert_eq!(fake.write_count("AssociateOpportunity"), 1);

    let got = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.related_entity_identifiers().unwrap().solutions(),
        ["S-0000001"]
    );
    assert!(
        got.last_modified_date() > &modified,
        "associating modifies the opportunity"
    );

    submit().await.expect("submit with a solution");
    assert_eq!(fake.review_status(&id).as_deref(), Some("Submitted"));
    let error = submit().await.unwrap_err().into_service_error();
    assert!(
        error.is_validation_exception(),
        "already submitted: {error:?}"
    );
}

#[tokio::test]
async fn start_engagement_task_submits_too() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, _) = create_valid(&client, "engage").await;
    client
        .associate_opportunity()
        .catalog("Sandbox")
        .opportunity_identifier(&id)
        .related_entity_type("Solutions".into())
        .related_entity_identifier("S-0000042")
        .send()
        .await
        .unwrap();
    let submission = aws_sdk_partnercentralselling::types::AwsSubmission::builder()
        .involvement_type("Co-Sell".into())
        .build()
        .unwrap();
    let task = client
        .start_engagement_from_opportunity_task()
        .catalog("Sandbox")
        .identifier(&id)
        .aws_submission(submission)
        .send()
        .await
        .unwrap();
    assert_eq!(task.opportunity_id(), Some(id.as_str()));
    assert_eq!(fake.review_status(&id).as_deref(), Some("Submitted"));
}
