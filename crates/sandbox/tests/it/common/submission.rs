//! Submission helpers: a fake on a manual clock, a submittable opportunity, the submission
//! task call and its one task summary.

use std::time::Duration;

use aws_sdk_partnercentralselling::Client;
use aws_sdk_partnercentralselling::operation::start_engagement_from_opportunity_task::builders::StartEngagementFromOpportunityTaskFluentBuilder;
use aws_sdk_partnercentralselling::types::{
    AwsSubmission, ListEngagementFromOpportunityTaskSummary, ReviewStatus, SalesInvolvementType,
    Visibility,
};
use events::ManualClock;
use sandbox::partner_central::{PartnerCentralConfig, PartnerCentralFake};

use super::partner_central::{Spec, clock, review_status};

pub const DELAY: Duration = Duration::from_secs(2);

pub async fn fake_with_clock() -> (PartnerCentralFake, ManualClock) {
    let clock = clock();
    let fake = PartnerCentralFake::start_with(
        PartnerCentralConfig::default()
            .unthrottled()
            .with_clock(clock.clone())
            .with_submission_delay(DELAY),
    )
    .await
    .unwrap();
    (fake, clock)
}

/// Creates `spec` and associates a solution, as submission requires.
pub async fn create_submittable(client: &Client, spec: &Spec, token: &str) -> String {
    let id = spec
        .create(client, token)
        .send()
        .await
        .unwrap()
        .id()
        .to_owned();
    client
        .associate_opportunity()
        .catalog("Sandbox")
        .opportunity_identifier(&id)
        .related_entity_type("Solutions".into())
        .related_entity_identifier("S-0000001")
        .send()
        .await
        .unwrap();
    id
}

pub fn co_sell() -> AwsSubmission {
    AwsSubmission::builder()
        .involvement_type(SalesInvolvementType::CoSell)
        .visibility(Visibility::Full)
        .build()
        .unwrap()
}

pub fn start(
    client: &Client,
    id: &str,
    token: &str,
) -> StartEngagementFromOpportunityTaskFluentBuilder {
    client
        .start_engagement_from_opportunity_task()
        .catalog("Sandbox")
        .client_token(token)
        .identifier(id)
        .aws_submission(co_sell())
}

/// The one task of an opportunity as ListEngagementFromOpportunityTasks reports it.
pub async fn task_of(client: &Client, id: &str) -> ListEngagementFromOpportunityTaskSummary {
    let out = client
        .list_engagement_from_opportunity_tasks()
        .catalog("Sandbox")
        .opportunity_identifier(id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.task_summaries().len(), 1, "{out:?}");
    out.task_summaries()[0].clone()
}

/// Submits through the task and lets it complete.
pub async fn submitted(client: &Client, clock: &ManualClock, token: &str) -> String {
    let id = create_submittable(client, &Spec::valid(), token).await;
    start(client, &id, token).send().await.unwrap();
    clock.advance(DELAY);
    assert_eq!(review_status(client, &id).await, ReviewStatus::Submitted);
    id
}

pub fn is_task_id(id: &str) -> bool {
    id.strip_prefix("oit-").is_some_and(|rest| {
        rest.len() == 13
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    })
}
