//! Referral helpers: accepting an invitation through the SDK, its one acceptance task, and
//! reading the typed payload.

use aws_sdk_partnercentralselling::Client;
use aws_sdk_partnercentralselling::operation::get_engagement_invitation::GetEngagementInvitationOutput;
use aws_sdk_partnercentralselling::operation::start_engagement_by_accepting_invitation_task::builders::StartEngagementByAcceptingInvitationTaskFluentBuilder;
use aws_sdk_partnercentralselling::types::{
    InvitationStatus, ListEngagementByAcceptingInvitationTaskSummary, OpportunityInvitationPayload,
};

pub fn accept(
    client: &Client,
    invitation: &str,
    token: &str,
) -> StartEngagementByAcceptingInvitationTaskFluentBuilder {
    client
        .start_engagement_by_accepting_invitation_task()
        .catalog("Sandbox")
        .client_token(token)
        .identifier(invitation)
}

/// The one acceptance task of an invitation.
pub async fn accept_task_of(
    client: &Client,
    invitation: &str,
) -> ListEngagementByAcceptingInvitationTaskSummary {
    let out = client
        .list_engagement_by_accepting_invitation_tasks()
        .catalog("Sandbox")
        .engagement_invitation_identifier(invitation)
        .send()
        .await
        .unwrap();
    assert_eq!(out.task_summaries().len(), 1, "{out:?}");
    out.task_summaries()[0].clone()
}

pub async fn get(client: &Client, invitation: &str) -> GetEngagementInvitationOutput {
    client
        .get_engagement_invitation()
        .catalog("Sandbox")
        .identifier(invitation)
        .send()
        .await
        .unwrap()
}

pub async fn status(client: &Client, invitation: &str) -> InvitationStatus {
    get(client, invitation).await.status().unwrap().clone()
}

pub fn payload(out: &GetEngagementInvitationOutput) -> &OpportunityInvitationPayload {
    out.payload()
        .expect("a payload")
        .as_opportunity_invitation()
        .expect("an OpportunityInvitation payload")
}

pub fn is_invitation_id(id: &str) -> bool {
    id.strip_prefix("engi-").is_some_and(|rest| {
        rest.len() == 13
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    })
}
