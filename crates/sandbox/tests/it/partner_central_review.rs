//! Review-status rules and associations, through the real SDK client: read-only while under
//! review, fields frozen after approval, Action Required, and solutions.

use aws_sdk_partnercentralselling::operation::associate_opportunity::AssociateOpportunityError;
use aws_sdk_partnercentralselling::types::ReviewStatus;
use sandbox::partner_central::AwsReview;

use crate::common::partner_central::{
    Spec, create_valid, fields, last_modified, refused_update, review_status, unthrottled,
    update_validation,
};
use crate::common::submission::{fake_with_clock, submitted};

#[tokio::test]
async fn opportunities_under_review_or_rejected_are_read_only() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = submitted(&client, &clock, "ro").await;
    let steps = [
        None,
        Some(AwsReview::StartReview),
        Some(AwsReview::Reject {
            comments: "Duplicate of an AWS opportunity".into(),
            reason: "Duplicate".into(),
        }),
    ];
    for (status, step) in ["Submitted", "In review", "Rejected"]
        .into_iter()
        .zip(steps)
    {
        if let Some(step) = step {
            fake.review(&id, step).unwrap();
        }
        assert_eq!(review_status(&client, &id).await.as_str(), status);
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
async fn title_is_frozen_once_approved() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = submitted(&client, &clock, "approved").await;
    fake.review(&id, AwsReview::StartReview).unwrap();
    fake.review(&id, AwsReview::Approve).unwrap();
    let mut spec = Spec::valid();
    spec.title = Some("Renamed in HubSpot".into());
    let v = refused_update(&client, &id, &spec).await;
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
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Approved);
}

#[tokio::test]
async fn action_required_opens_listed_fields_and_resubmits() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = submitted(&client, &clock, "action").await;
    fake.review(&id, AwsReview::StartReview).unwrap();
    let action = AwsReview::RequireAction {
        comments: "Add the customer's website".into(),
        reason: "Missing customer website".into(),
    };
    fake.review(&id, action).unwrap();
    let mut spec = Spec::valid();
    spec.stage = Some("Business Validation".into());
    let v = refused_update(&client, &id, &spec).await;
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
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Submitted);
}

#[tokio::test]
async fn solutions_are_associated_once_each() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, modified) = create_valid(&client, "assoc").await;
    let associate = |solution: String| {
        client
            .associate_opportunity()
            .catalog("Sandbox")
            .opportunity_identifier(&id)
            .related_entity_type("Solutions".into())
            .related_entity_identifier(solution)
            .send()
    };
    let error = associate("my-solution".into())
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_validation_exception(), "{error:?}");
    associate("S-0000001".into()).await.unwrap();
    associate("S-0000001".into())
        .await
        .expect("repeating is a no-op");
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

    // Ten solutions per opportunity at most.
    for n in 2..=10 {
        associate(format!("S-{n:07}")).await.unwrap();
    }
    let error = associate("S-0000011".into())
        .await
        .unwrap_err()
        .into_service_error();
    let AssociateOpportunityError::ValidationException(v) = error else {
        panic!("expected ValidationException, got {error:?}");
    };
    assert_eq!(
        fields(&v),
        vec![(
            "RelatedEntityIdentifiers.Solutions".to_owned(),
            "TOO_MANY_VALUES".to_owned()
        )]
    );
    assert_eq!(fake.associations(&id).len(), 10);
}

#[tokio::test]
async fn the_sandbox_catalog_lets_the_partner_play_the_reviewer() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = submitted(&client, &clock, "review-sim").await;
    let decide = |status: &str, comments: Option<&str>| {
        let mut spec = Spec::valid();
        spec.review_status = Some(status.into());
        spec.review_comments = comments.map(str::to_owned);
        spec
    };
    decide("Approved", None)
        .update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .expect("the reviewer may act on a Submitted opportunity");
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Approved);

    decide("Action Required", Some("Add the customer's website"))
        .update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .unwrap();
    let got = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap();
    let life = got.life_cycle().unwrap();
    assert_eq!(life.review_status(), Some(&ReviewStatus::ActionRequired));
    assert_eq!(life.review_comments(), Some("Add the customer's website"));

    // Sending back the status GetOpportunity returned is an ordinary partner update.
    let mut echo = decide("Action Required", None);
    echo.stage = Some("Business Validation".into());
    let v = refused_update(&client, &id, &echo).await;
    assert_eq!(
        fields(&v),
        vec![(
            "LifeCycle.Stage".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );

    let v = refused_update(&client, &id, &decide("Done", None)).await;
    assert_eq!(
        fields(&v),
        vec![(
            "LifeCycle.ReviewStatus".to_owned(),
            "INVALID_ENUM_VALUE".to_owned()
        )]
    );
}

#[tokio::test]
async fn the_aws_catalog_ignores_a_partner_sent_review_status() {
    let fake = unthrottled().await;
    let client = fake.client();
    let mut spec = Spec::valid();
    spec.catalog = "AWS".into();
    let created = spec.create(&client, "aws-review").send().await.unwrap();
    spec.review_status = Some("Approved".into());
    spec.update(
        &client,
        created.id(),
        *created.last_modified_date().unwrap(),
    )
    .send()
    .await
    .unwrap();
    let got = client
        .get_opportunity()
        .catalog("AWS")
        .identifier(created.id())
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.life_cycle().unwrap().review_status(),
        Some(&ReviewStatus::PendingSubmission)
    );
}
