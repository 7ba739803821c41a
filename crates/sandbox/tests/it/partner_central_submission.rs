//! The submission task through the real SDK client: StartEngagementFromOpportunityTask
//! (asynchronous, idempotent, one live task per opportunity), ListEngagementFromOpportunityTasks,
//! and the account-wide quota it shares.

use std::time::Duration;

use aws_sdk_partnercentralselling::types::{
    AwsSubmission, ListTasksSortBase, ListTasksSortName, ReasonCode, ReviewStatus,
    SalesInvolvementType, SortOrder, TaskStatus, Visibility,
};
use sandbox::partner_central::{
    PartnerCentralConfig, PartnerCentralFake, sdk_client_without_retries,
};

use crate::common::partner_central::{
    Spec, clock, fields, last_modified, refused_update, review_status,
};
use crate::common::submission::{
    DELAY, create_submittable, fake_with_clock, is_task_id, start, submitted, task_of,
};

#[tokio::test]
async fn the_task_runs_then_completes_and_submits() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = create_submittable(&client, &Spec::valid(), "sub").await;
    let out = start(&client, &id, "sub").send().await.unwrap();
    assert!(is_task_id(out.task_id().unwrap()), "{out:?}");
    assert_eq!(out.task_status(), Some(&TaskStatus::InProgress));
    assert_eq!(out.opportunity_id(), Some(id.as_str()));
    assert!(out.task_arn().unwrap().ends_with(out.task_id().unwrap()));
    assert!(out.start_time().is_some());
    assert_eq!(out.engagement_id(), None);

    clock.advance(DELAY - Duration::from_millis(1));
    let running = task_of(&client, &id).await;
    assert_eq!(running.task_status(), Some(&TaskStatus::InProgress));
    assert_eq!(
        review_status(&client, &id).await,
        ReviewStatus::PendingSubmission
    );

    clock.advance(Duration::from_millis(1));
    let done = task_of(&client, &id).await;
    assert_eq!(done.task_status(), Some(&TaskStatus::Complete));
    assert_eq!(done.reason_code(), None);
    let engagement = done.engagement_id().expect("EngagementId on COMPLETE");
    assert!(engagement.starts_with("eng-"));
    assert!(done.engagement_invitation_id().is_some());
    assert!(done.resource_snapshot_job_id().is_some());
    assert_eq!(fake.engagement_id(&id).as_deref(), Some(engagement));
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Submitted);
    assert_eq!(fake.write_count("StartEngagementFromOpportunityTask"), 1);

    // Submitted is read-only for the partner.
    let v = refused_update(&client, &id, &Spec::valid()).await;
    assert_eq!(
        fields(&v),
        vec![(
            "LifeCycle.ReviewStatus".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_broken_submission_rule_fails_the_task_with_a_reason_code() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut spec = Spec::valid();
    spec.stage = Some("Prospect".into());
    // No solution associated either.
    let created = spec.create(&client, "broken").send().await.unwrap();
    let id = created.id().to_owned();
    start(&client, &id, "broken-1").send().await.unwrap();
    clock.advance(DELAY);
    let failed = task_of(&client, &id).await;
    assert_eq!(failed.task_status(), Some(&TaskStatus::Failed));
    assert_eq!(
        failed.reason_code(),
        Some(&ReasonCode::OpportunityValidationFailed)
    );
    let message = failed.message().unwrap();
    assert!(message.contains("LifeCycle.Stage"), "{message}");
    assert!(
        message.contains("RelatedEntityIdentifiers.Solutions"),
        "{message}"
    );
    assert_eq!(failed.engagement_id(), None);
    assert_eq!(
        review_status(&client, &id).await,
        ReviewStatus::PendingSubmission
    );
    assert_eq!(fake.engagement_id(&id), None);

    // Fixed, a new task (new token) may follow a FAILED one.
    Spec::valid()
        .update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .unwrap();
    client
        .associate_opportunity()
        .catalog("Sandbox")
        .opportunity_identifier(&id)
        .related_entity_type("Solutions".into())
        .related_entity_identifier("S-0000001")
        .send()
        .await
        .unwrap();
    start(&client, &id, "broken-2").send().await.unwrap();
    clock.advance(DELAY);
    assert_eq!(review_status(&client, &id).await, ReviewStatus::Submitted);
}

#[tokio::test]
async fn the_client_token_is_idempotent_and_a_second_task_is_refused() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let id = create_submittable(&client, &Spec::valid(), "idem").await;
    let first = start(&client, &id, "idem").send().await.unwrap();
    let again = start(&client, &id, "idem").send().await.unwrap();
    assert_eq!(again.task_id(), first.task_id());
    assert_eq!(fake.write_count("StartEngagementFromOpportunityTask"), 1);

    // The same token with another body.
    let error = client
        .start_engagement_from_opportunity_task()
        .catalog("Sandbox")
        .client_token("idem")
        .identifier(&id)
        .aws_submission(
            AwsSubmission::builder()
                .involvement_type(SalesInvolvementType::ForVisibilityOnly)
                .visibility(Visibility::Limited)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_conflict_exception(), "{error:?}");

    // Another token while the first task runs, then after it completed.
    let error = start(&client, &id, "idem-2")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_conflict_exception(), "{error:?}");
    clock.advance(DELAY);
    let error = start(&client, &id, "idem-3")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_conflict_exception(), "{error:?}");
    // A replay after completion reports the task's current state.
    let replay = start(&client, &id, "idem").send().await.unwrap();
    assert_eq!(replay.task_status(), Some(&TaskStatus::Complete));
    assert_eq!(task_of(&client, &id).await.task_id(), first.task_id());

    // Unknown opportunity; missing AwsSubmission.
    let error = start(&client, "O9999999999", "idem-4")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_resource_not_found_exception(), "{error:?}");
    let error = client
        .start_engagement_from_opportunity_task()
        .catalog("Sandbox")
        .client_token("idem-5")
        .identifier(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_validation_exception(), "{error:?}");
}

#[tokio::test]
async fn tasks_are_listed_filtered_sorted_and_paged() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(submitted(&client, &clock, &format!("list-{n}")).await);
        clock.advance(Duration::from_secs(1));
    }
    let list = || {
        client
            .list_engagement_from_opportunity_tasks()
            .catalog("Sandbox")
    };
    let all = list().send().await.unwrap();
    let order: Vec<&str> = all
        .task_summaries()
        .iter()
        .filter_map(|t| t.opportunity_id())
        .collect();
    assert_eq!(
        order,
        [&ids[2], &ids[1], &ids[0]],
        "newest first by default"
    );
    let ascending = list()
        .sort(
            ListTasksSortBase::builder()
                .sort_by(ListTasksSortName::StartTime)
                .sort_order(SortOrder::Ascending)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        ascending.task_summaries()[0].opportunity_id(),
        Some(ids[0].as_str())
    );

    let second = &all.task_summaries()[1];
    let by_task = list()
        .task_identifier(second.task_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(by_task.task_summaries(), std::slice::from_ref(second));
    let by_engagement = list()
        .engagement_identifier(second.engagement_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(by_engagement.task_summaries(), std::slice::from_ref(second));
    let failed = list().task_status(TaskStatus::Failed).send().await.unwrap();
    assert!(failed.task_summaries().is_empty());
    let other_catalog = client
        .list_engagement_from_opportunity_tasks()
        .catalog("AWS")
        .send()
        .await
        .unwrap();
    assert!(other_catalog.task_summaries().is_empty());

    let first_page = list().max_results(2).send().await.unwrap();
    assert_eq!(first_page.task_summaries().len(), 2);
    let pages: Vec<_> = list()
        .max_results(2)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    let paged: Vec<_> = pages
        .iter()
        .flat_map(|p| p.task_summaries().to_vec())
        .collect();
    assert_eq!(paged, all.task_summaries());
}

#[tokio::test]
async fn the_quota_is_shared_by_every_client_of_the_account() {
    let clock = clock();
    let fake = PartnerCentralFake::start_with(
        PartnerCentralConfig::default()
            .with_clock(clock.clone())
            .with_submission_delay(DELAY),
    )
    .await
    .unwrap();
    let first = sdk_client_without_retries(&fake.base_url());
    let second = sdk_client_without_retries(&fake.base_url());
    let id = Spec::valid()
        .create(&first, "quota-1")
        .send()
        .await
        .unwrap()
        .id()
        .to_owned();
    let error = Spec::valid()
        .create(&second, "quota-2")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_throttling_exception(), "{error:?}");
    let error = start(&second, &id, "quota-3")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        error.is_throttling_exception(),
        "the task is a write: {error:?}"
    );
    second
        .list_engagement_from_opportunity_tasks()
        .catalog("Sandbox")
        .send()
        .await
        .expect("reads have their own bucket");
    clock.advance(Duration::from_secs(1));
    Spec::valid()
        .create(&second, "quota-2")
        .send()
        .await
        .expect("one second later");
    assert_eq!(fake.create_count(), 2);
}
