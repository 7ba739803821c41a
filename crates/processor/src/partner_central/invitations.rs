//! AWS referrals: engagement invitations the partner account receives
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_GetEngagementInvitation.html>),
//! accepted with the asynchronous StartEngagementByAcceptingInvitationTask (followed with
//! ListEngagementByAcceptingInvitationTasks) or declined with RejectEngagementInvitation. Reads
//! take this instance's read share; the accept and reject calls are writes, in write slots.

use aws_sdk_partnercentralselling::operation::get_engagement_invitation::GetEngagementInvitationError;
use aws_sdk_partnercentralselling::operation::list_engagement_by_accepting_invitation_tasks::ListEngagementByAcceptingInvitationTasksError;
use aws_sdk_partnercentralselling::operation::list_engagement_invitations::ListEngagementInvitationsError;
use aws_sdk_partnercentralselling::operation::reject_engagement_invitation::RejectEngagementInvitationError;
use aws_sdk_partnercentralselling::operation::start_engagement_by_accepting_invitation_task::StartEngagementByAcceptingInvitationTaskError;
use aws_sdk_partnercentralselling::types::{
    EngagementInvitationPayloadType, InvitationStatus, ParticipantType, ReasonCode, TaskStatus,
};
use chrono::DateTime;

use super::{MapErrInto, PartnerCentralClient, classify, no_sdk_retries};
use crate::domain::{AcceptTask, AwsTeamMember, Invitation, InvitationState};
use crate::ports::OpportunityError;

/// An accept task in our terms: the submission task's reading (an unknown status counts as
/// running) plus the opportunity the accepted invitation became.
fn accept_task(
    id: Option<&str>,
    status: Option<&TaskStatus>,
    started: Option<&aws_smithy_types::DateTime>,
    opportunity_id: Option<&str>,
    reason: Option<&ReasonCode>,
    message: Option<&str>,
) -> AcceptTask {
    let t = super::task(id, status, started, reason, message);
    AcceptTask {
        id: t.id,
        state: t.state,
        started_ms: t.started_ms,
        opportunity_id: opportunity_id.filter(|o| !o.is_empty()).map(str::to_owned),
        reason_code: t.reason_code,
        message: t.message,
    }
}

fn text(s: &str) -> Option<String> {
    Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl PartnerCentralClient {
    pub(super) async fn list_pending_invitations(&self) -> Result<Vec<String>, OpportunityError> {
        let mut pages = self
            .client
            .list_engagement_invitations()
            .catalog(self.catalog())
            .participant_type(ParticipantType::Receiver)
            .payload_type(EngagementInvitationPayloadType::OpportunityInvitation)
            .status(InvitationStatus::Pending)
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        loop {
            // Each page is one read.
            self.reads.acquire().await;
            let Some(page) = pages.next().await else {
                return Ok(ids);
            };
            let page =
                page.map_err(|e| classify(e, validation!(ListEngagementInvitationsError)))?;
            ids.extend(
                page.engagement_invitation_summaries()
                    .iter()
                    .map(|s| s.id().to_owned()),
            );
        }
    }

    pub(super) async fn get_invitation(
        &self,
        id: &str,
    ) -> Result<Option<Invitation>, OpportunityError> {
        self.reads.acquire().await;
        let out = match self
            .client
            .get_engagement_invitation()
            .catalog(self.catalog())
            .identifier(id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return match classify(e, validation!(GetEngagementInvitationError)) {
                    OpportunityError::NotFound(_) => Ok(None),
                    other => Err(other),
                };
            }
        };
        let state = match out.status() {
            Some(InvitationStatus::Pending) => Some(InvitationState::Pending),
            Some(InvitationStatus::Accepted) => Some(InvitationState::Accepted),
            Some(InvitationStatus::Rejected) => Some(InvitationState::Rejected),
            Some(InvitationStatus::Expired) => Some(InvitationState::Expired),
            _ => None,
        };
        let payload = out
            .payload()
            .and_then(|p| p.as_opportunity_invitation().ok());
        let customer = payload.and_then(|p| p.customer());
        let project = payload.and_then(|p| p.project());
        let spend = project.and_then(|p| p.expected_customer_spend().first());
        Ok(Some(Invitation {
            id: out.id().to_owned(),
            state,
            engagement_title: out.engagement_title().and_then(text),
            project_title: project.and_then(|p| text(p.title())),
            business_problem: project.and_then(|p| text(p.business_problem())),
            message: out.invitation_message().and_then(text),
            target_completion_date: project.and_then(|p| text(p.target_completion_date())),
            expected_spend: spend
                .and_then(|s| text(s.amount()).map(|a| (a, s.currency_code().as_str().to_owned()))),
            company_name: customer.and_then(|c| text(c.company_name())),
            website: customer.and_then(|c| text(c.website_url())),
            country_code: customer.map(|c| c.country_code().as_str().to_owned()),
            sender_contacts: payload
                .map(|p| p.sender_contacts())
                .unwrap_or_default()
                .iter()
                .map(|c| AwsTeamMember {
                    role: c.business_title().unwrap_or_default().trim().to_owned(),
                    first_name: c.first_name().unwrap_or_default().trim().to_owned(),
                    last_name: c.last_name().unwrap_or_default().trim().to_owned(),
                    email: c.email().trim().to_owned(),
                })
                .collect(),
            expires_at: out
                .expiration_date()
                .and_then(|d| d.to_millis().ok())
                .and_then(DateTime::from_timestamp_millis),
            rejection_reason: out.rejection_reason().and_then(text),
            // The payload is gone once an invitation is rejected; its type stays.
            is_opportunity: out.payload_type()
                == Some(&EngagementInvitationPayloadType::OpportunityInvitation),
        }))
    }

    pub(super) async fn start_accept_task(
        &self,
        invitation_id: &str,
        client_token: &str,
    ) -> Result<AcceptTask, OpportunityError> {
        let out = self
            .write(|| {
                self.client
                    .start_engagement_by_accepting_invitation_task()
                    .catalog(self.catalog())
                    .client_token(client_token)
                    .identifier(invitation_id)
                    .customize()
                    .config_override(no_sdk_retries())
                    .send()
                    .map_err_into(|e| {
                        classify(
                            e,
                            validation!(StartEngagementByAcceptingInvitationTaskError),
                        )
                    })
            })
            .await?;
        Ok(accept_task(
            out.task_id(),
            out.task_status(),
            out.start_time(),
            out.opportunity_id(),
            out.reason_code(),
            out.message(),
        ))
    }

    pub(super) async fn list_accept_tasks(
        &self,
        invitation_id: &str,
    ) -> Result<Vec<AcceptTask>, OpportunityError> {
        let mut pages = self
            .client
            .list_engagement_by_accepting_invitation_tasks()
            .catalog(self.catalog())
            .engagement_invitation_identifier(invitation_id)
            .into_paginator()
            .send();
        let mut tasks = Vec::new();
        loop {
            self.reads.acquire().await;
            let Some(page) = pages.next().await else {
                break;
            };
            let page = page.map_err(|e| {
                classify(
                    e,
                    validation!(ListEngagementByAcceptingInvitationTasksError),
                )
            })?;
            tasks.extend(page.task_summaries().iter().map(|s| {
                accept_task(
                    s.task_id(),
                    s.task_status(),
                    s.start_time(),
                    s.opportunity_id(),
                    s.reason_code(),
                    s.message(),
                )
            }));
        }
        tasks.sort_by_key(|t| std::cmp::Reverse(t.started_ms));
        Ok(tasks)
    }

    pub(super) async fn reject(
        &self,
        invitation_id: &str,
        reason: &str,
    ) -> Result<(), OpportunityError> {
        self.write(|| {
            self.client
                .reject_engagement_invitation()
                .catalog(self.catalog())
                .identifier(invitation_id)
                .rejection_reason(reason)
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .map_err_into(|e| classify(e, validation!(RejectEngagementInvitationError)))
        })
        .await?;
        Ok(())
    }
}
