//! AWS's review and the edit rules that follow it, through the real SDK client: the reviewer
//! played through the fake's handle, the Sandbox simulation, and what Launched / Closed Lost
//! opportunities still allow.

use aws_sdk_partnercentralselling::types::{ClosedLostReason, ReviewStatus};
use sandbox::partner_central::{AwsReview, SandboxError};

use crate::common::partner_central::{Spec, fields, last_modified, refused_update, review_status};
use crate::common::submission::{DELAY, create_submittable, fake_with_clock, start, submitted};

#[tokio::test]
async fn the_reviewer_follows_the_real_lifecycle() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let draft = create_submittable(&client, &Spec::valid(), "draft").await;
    let refused = fake.review(&draft, AwsReview::StartReview).unwrap_err();
    assert_eq!(
        refused,
        SandboxError::InvalidTransition {
            id: draft.clone(),
            from: "Pending Submission".into(),
            to: "In review".into()
        }
    );
    let id = submitted(&client, &clock, "reviewed").await;
    assert!(matches!(
        fake.review(&id, AwsReview::Approve),
        Err(SandboxError::InvalidTransition { .. })
    ));
    fake.review(&id, AwsReview::StartReview).unwrap();
    assert_eq!(review_status(&client, &id).await, ReviewStatus::InReview);
    let action = AwsReview::RequireAction {
        comments: "Add the customer's website".into(),
        reason: "Missing customer website".into(),
    };
    fake.review(&id, action.clone()).unwrap();
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
    assert_eq!(
        life.review_status_reason(),
        Some("Missing customer website")
    );
    assert!(matches!(
        fake.review(&id, action),
        Err(SandboxError::InvalidTransition { .. })
    ));

    // Action Required: only the listed fields, and the fix goes back into review.
    let mut renamed = Spec::valid();
    renamed.title = Some("Renamed".into());
    let v = refused_update(&client, &id, &renamed).await;
    assert_eq!(
        fields(&v),
        vec![(
            "Project.Title".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );
    let mut fixed = Spec::valid();
    fixed.website = Some("https://acme.example.com".into());
    fixed
        .update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .unwrap();
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Submitted);

    fake.review(&id, AwsReview::StartReview).unwrap();
    fake.review(
        &id,
        AwsReview::Reject {
            comments: "Duplicate of an AWS opportunity".into(),
            reason: "Duplicate".into(),
        },
    )
    .unwrap();
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Rejected);
    assert!(matches!(
        fake.review(&id, AwsReview::Approve),
        Err(SandboxError::InvalidTransition { .. })
    ));
    assert_eq!(
        fake.review("O9999999999", AwsReview::Approve),
        Err(SandboxError::UnknownOpportunity("O9999999999".into()))
    );
}

#[tokio::test]
async fn the_sandbox_simulation_needs_a_submission() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = create_submittable(&client, &Spec::valid(), "sim").await;
    let mut approve = Spec::valid();
    approve.review_status = Some("Approved".into());
    let v = refused_update(&client, &id, &approve).await;
    assert_eq!(
        fields(&v),
        vec![(
            "LifeCycle.ReviewStatus".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );
    start(&client, &id, "sim").send().await.unwrap();
    clock.advance(DELAY);
    approve
        .update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .expect("simulated decision on a submitted opportunity");
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Approved);
    let mut back = Spec::valid();
    back.review_status = Some("Pending Submission".into());
    let v = refused_update(&client, &id, &back).await;
    assert_eq!(
        v.error_list()[0].field_name(),
        Some("LifeCycle.ReviewStatus")
    );
}

#[tokio::test]
async fn launched_and_closed_lost_opportunities_are_mostly_frozen() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut launched = Spec::valid();
    launched.stage = Some("Launched".into());
    // Launched needs AWS's approval: not at create, not on a draft.
    let v = launched
        .create(&client, "launched-draft")
        .send()
        .await
        .unwrap_err();
    let v = v.into_service_error();
    assert!(
        v.to_string().contains("approved"),
        "a draft cannot be created Launched: {v}"
    );
    let id = submitted(&client, &clock, "launched").await;
    fake.review(&id, AwsReview::StartReview).unwrap();
    fake.review(&id, AwsReview::Approve).unwrap();
    launched
        .update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .expect("an approved opportunity can be launched");
    let mut renamed = launched.clone();
    renamed.title = Some("Renamed".into());
    renamed.stage = Some("Committed".into());
    let v = refused_update(&client, &id, &renamed).await;
    assert_eq!(
        fields(&v),
        vec![
            (
                "Project.Title".to_owned(),
                "ACTION_NOT_PERMITTED".to_owned()
            ),
            (
                "LifeCycle.Stage".to_owned(),
                "ACTION_NOT_PERMITTED".to_owned()
            ),
        ]
    );
    let mut delivery = launched.clone();
    delivery.delivery = vec!["Managed Services".into()];
    delivery
        .update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .expect("DeliveryModels stay editable after launch");

    let mut lost = Spec::valid();
    lost.stage = Some("Closed Lost".into());
    lost.closed_lost_reason = Some(ClosedLostReason::values()[0].to_owned());
    let id = lost
        .create(&client, "lost")
        .send()
        .await
        .unwrap()
        .id()
        .to_owned();
    let mut changed = lost.clone();
    changed.delivery = vec!["Managed Services".into()];
    let v = refused_update(&client, &id, &changed).await;
    assert_eq!(
        fields(&v),
        vec![(
            "Project.DeliveryModels".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );
}
