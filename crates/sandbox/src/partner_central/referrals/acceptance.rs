//! The acceptance task's lifecycle: StartEngagementByAcceptingInvitationTask answers
//! `IN_PROGRESS`, and the work — "accepting the invitation, creating an opportunity in the
//! partner's account from the AWS opportunity, and copying details for tracking"
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_StartEngagementByAcceptingInvitationTask.html>)
//! — happens once the fake's submission delay has passed, settled exactly like the submission
//! task (`submission.rs`): on the first look at the store after the delay, or by the 50 ms
//! background tick.
//!
//! The call itself refuses an invitation that is not PENDING (ConflictException, see
//! `ops/accepting.rs`). If the invitation stops being PENDING while the task runs — it
//! expired before the task ended, or the partner answered it in the console meanwhile — the
//! task ends FAILED with ReasonCode `EngagementInvitationConflict`.
//!
//! The opportunity an acceptance creates: Origin `AWS Referral`, no
//! PartnerOpportunityIdentifier, Customer and Project from the invitation's payload
//! (CompanyName, WebsiteUrl, Industry, Address.CountryCode; Title, CustomerBusinessProblem,
//! ExpectedCustomerSpend) plus the address the payload hides (StreetAddress, City,
//! StateOrRegion, PostalCode: see `CustomerAddress`), LifeCycle.TargetCloseDate = the
//! payload's TargetCompletionDate.
//! The API reference does not say which LifeCycle state the service leaves it in; the fake
//! assumes ReviewStatus `Approved` (AWS made the opportunity, there is nothing for AWS to
//! review) and Stage `Prospect`, with AWS's side (GetAwsOpportunitySummary) filled as on an
//! approval, InvolvementType `Co-Sell`. Both events go out: `Engagement Invitation Accepted`,
//! then `Opportunity Created`.

use aws_sdk_partnercentralselling::types::{
    InvitationStatus, OpportunityOrigin, ReasonCode, ReviewStatus, SalesInvolvementType, Stage,
    TaskStatus, Visibility,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::Invitation;
use crate::partner_central::aws_summary::{self, AwsSide};
use crate::partner_central::eventbridge::DetailType;
use crate::partner_central::store::{self, Opportunity, Store, timestamp};
use crate::partner_central::submission::random_id;

/// One StartEngagementByAcceptingInvitationTask, as ListEngagementByAcceptingInvitationTasks
/// reports it.
#[derive(Debug, Clone)]
pub(crate) struct AcceptTask {
    /// `oit-` + 13, the same TaskIdentifier shape as the submission task.
    pub id: String,
    pub arn: String,
    pub catalog: String,
    pub invitation_id: String,
    pub started: DateTime<Utc>,
    pub status: TaskStatus,
    pub reason: Option<ReasonCode>,
    pub message: Option<String>,
    /// The opportunity the task created (COMPLETE only).
    pub opportunity_id: Option<String>,
    pub snapshot_job_id: Option<String>,
}

impl AcceptTask {
    /// StartEngagementByAcceptingInvitationTask's output and one `TaskSummaries` entry: the
    /// same members.
    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "TaskId": self.id,
            "TaskArn": self.arn,
            "StartTime": timestamp(self.started),
            "TaskStatus": self.status.as_str(),
            "EngagementInvitationId": self.invitation_id,
        });
        let optional = [
            ("OpportunityId", self.opportunity_id.clone()),
            ("ResourceSnapshotJobId", self.snapshot_job_id.clone()),
            (
                "ReasonCode",
                self.reason.as_ref().map(|r| r.as_str().to_owned()),
            ),
            ("Message", self.message.clone()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                out[key] = json!(value);
            }
        }
        out
    }
}

/// The partner opportunity an accepted referral becomes (see the module doc).
fn referral_body(invitation: &Invitation) -> Map<String, Value> {
    let new = &invitation.new;
    let mut project = json!({
        "Title": new.project_title,
        "CustomerBusinessProblem": new.business_problem,
    });
    let spend = invitation.expected_spend();
    if !spend.is_empty() {
        project["ExpectedCustomerSpend"] = json!(spend);
    }
    let mut address = Map::new();
    address.insert("CountryCode".into(), json!(new.customer_country_code));
    let hidden = &invitation.address;
    for (key, value) in [
        ("StreetAddress", &hidden.street_address),
        ("City", &hidden.city),
        ("StateOrRegion", &hidden.state_or_region),
        ("PostalCode", &hidden.postal_code),
    ] {
        if !value.is_empty() {
            address.insert(key.into(), json!(value));
        }
    }
    let body = json!({
        "Customer": {
            "Account": {
                "CompanyName": new.customer_company_name,
                "WebsiteUrl": new.customer_website,
                "Industry": new.customer_industry,
                "Address": address,
            }
        },
        "Project": project,
        "LifeCycle": {
            "Stage": Stage::Prospect.as_str(),
            "TargetCloseDate": new.target_completion_date,
        },
    });
    match body {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Accepts a PENDING invitation: it becomes ACCEPTED and its opportunity is created, both
/// announced. Returns the new opportunity's id; `None` (nothing changed) for an unknown or
/// no longer pending invitation.
pub(crate) fn accept(store: &mut Store, invitation_id: &str, now: DateTime<Utc>) -> Option<String> {
    let invitation = store
        .invitation_mut(invitation_id)
        .filter(|i| i.is_pending())?;
    invitation.status = InvitationStatus::Accepted;
    let invitation = invitation.clone();
    let id = store.allocate_id();
    let stamp = store.stamp(now);
    let catalog = invitation.new.catalog.clone();
    let mut opportunity = Opportunity {
        arn: store::arn(&catalog, "opportunity", &id),
        id: id.clone(),
        catalog,
        origin: OpportunityOrigin::AwsReferral.as_str().to_owned(),
        created: stamp,
        last_modified: stamp,
        body: referral_body(&invitation),
        review_status: ReviewStatus::Approved,
        review_comments: None,
        review_status_reason: None,
        related: Default::default(),
        engagement_id: Some(invitation.engagement_id.clone()),
        aws: Some(AwsSide::submitted(
            SalesInvolvementType::CoSell.as_str(),
            Some(Visibility::Full.as_str()),
        )),
    };
    aws_summary::on_review(&mut opportunity, now);
    store.opportunities.insert(id.clone(), opportunity);
    store.emit_invitation(DetailType::InvitationAccepted, invitation_id, now);
    store.emit(DetailType::OpportunityCreated, &id, now);
    Some(id)
}

/// Why a task that ends at `end` cannot accept its invitation, if it cannot.
fn conflict(store: &Store, task: &AcceptTask, end: DateTime<Utc>) -> Option<String> {
    let Some(invitation) = store
        .invitations
        .iter()
        .find(|i| i.id == task.invitation_id)
    else {
        return Some(format!(
            "Engagement invitation {} was not found",
            task.invitation_id
        ));
    };
    let status = if invitation.is_pending() && invitation.expires <= end {
        InvitationStatus::Expired
    } else {
        invitation.status.clone()
    };
    (status != InvitationStatus::Pending).then(|| {
        format!(
            "Engagement invitation {} is {status}; only a PENDING invitation can be accepted",
            invitation.id
        )
    })
}

/// Ends every acceptance task whose `delay` has passed at `now`.
pub(crate) fn settle(store: &mut Store, now: DateTime<Utc>, delay: Duration) {
    let due: Vec<usize> = store
        .accept_tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.status == TaskStatus::InProgress && t.started + delay <= now)
        .map(|(i, _)| i)
        .collect();
    for i in due {
        let task = store.accept_tasks[i].clone();
        let refused = conflict(store, &task, task.started + delay);
        let created = match refused {
            Some(_) => None,
            None => accept(store, &task.invitation_id, now),
        };
        let done = &mut store.accept_tasks[i];
        match created {
            Some(opportunity_id) => {
                done.status = TaskStatus::Complete;
                done.opportunity_id = Some(opportunity_id);
                done.snapshot_job_id = Some(random_id("job-", 13));
            }
            None => {
                done.status = TaskStatus::Failed;
                done.reason = Some(ReasonCode::EngagementInvitationConflict);
                done.message = Some(refused.unwrap_or_else(|| {
                    format!(
                        "Engagement invitation {} could not be accepted",
                        task.invitation_id
                    )
                }));
            }
        }
    }
}
