//! The submission task's lifecycle: StartEngagementFromOpportunityTask answers `IN_PROGRESS`
//! and the work happens later, as the real service does it asynchronously
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_StartEngagementFromOpportunityTask.html>).
//! A task is settled — COMPLETE or FAILED — the first time anything looks at the store after its
//! delay has passed on the fake's clock, and a background tick looks every 50 ms, so the task
//! ends (and its `Opportunity Updated` event goes out) without a client read, yet a test with a
//! manual clock still decides exactly when AWS "finishes".
//!
//! On completion the opportunity must meet the submission requirements of "Working with your
//! opportunities"
//! (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/working-with-your-opportunities.html>):
//! the business rules every write already checks, plus a stage of at least Qualified, at least
//! one associated solution and the spend in USD.

use aws_sdk_partnercentralselling::types::{
    CurrencyCode, ReasonCode, RelatedEntityType, ReviewStatus, Stage, TaskStatus,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use super::aws_summary::AwsSide;
use super::eventbridge::DetailType;
use super::protocol::{Code, FieldError};
use super::store::{Store, timestamp};
use super::validation::{self, Report};

/// One StartEngagementFromOpportunityTask, as ListEngagementFromOpportunityTasks reports it.
#[derive(Debug, Clone)]
pub(crate) struct SubmissionTask {
    pub id: String,
    pub arn: String,
    pub catalog: String,
    pub opportunity_id: String,
    pub started: DateTime<Utc>,
    pub status: TaskStatus,
    pub reason: Option<ReasonCode>,
    pub message: Option<String>,
    pub engagement_id: Option<String>,
    pub invitation_id: Option<String>,
    pub snapshot_job_id: Option<String>,
    /// The request's `AwsSubmission`: what AWS's side starts with once the task completes.
    pub involvement_type: String,
    pub visibility: Option<String>,
}

impl SubmissionTask {
    /// StartEngagementFromOpportunityTask's output and one `TaskSummaries` entry: the same
    /// members.
    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "TaskId": self.id,
            "TaskArn": self.arn,
            "StartTime": timestamp(self.started),
            "TaskStatus": self.status.as_str(),
            "OpportunityId": self.opportunity_id,
        });
        let optional = [
            (
                "ReasonCode",
                self.reason.as_ref().map(|r| r.as_str().to_owned()),
            ),
            ("Message", self.message.clone()),
            ("EngagementId", self.engagement_id.clone()),
            ("EngagementInvitationId", self.invitation_id.clone()),
            ("ResourceSnapshotJobId", self.snapshot_job_id.clone()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                out[key] = json!(value);
            }
        }
        out
    }

    /// A task that blocks another: running, or done (the opportunity is already submitted).
    pub(crate) fn blocks_another(&self) -> bool {
        matches!(self.status, TaskStatus::InProgress | TaskStatus::Complete)
    }
}

/// `<prefix>` + `n` random lowercase alphanumerics, the shape of Partner Central's ids
/// (`oit-[0-9a-z]{13}` for tasks).
pub(crate) fn random_id(prefix: &str, n: usize) -> String {
    let mut id = String::from(prefix);
    while id.len() < prefix.len() + n {
        id.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    id.truncate(prefix.len() + n);
    id
}

/// Stages before which AWS does not accept a submission, and after which there is nothing to
/// submit.
fn stage_error(body: &Map<String, Value>) -> Option<FieldError> {
    let stage = body
        .get("LifeCycle")
        .and_then(|l| l.get("Stage"))
        .and_then(Value::as_str)?;
    let refused = [Stage::Prospect.as_str(), Stage::ClosedLost.as_str()];
    refused.contains(&stage).then(|| {
        FieldError::new(
            "LifeCycle.Stage",
            Code::InvalidValue,
            format!("LifeCycle.Stage must be at least Qualified to submit (is {stage})"),
        )
    })
}

fn non_usd_spends(body: &Map<String, Value>) -> Vec<FieldError> {
    let spends = body
        .get("Project")
        .and_then(|p| p.get("ExpectedCustomerSpend"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    spends
        .iter()
        .enumerate()
        .filter_map(|(i, spend)| {
            let code = spend.get("CurrencyCode").and_then(Value::as_str)?;
            (code != CurrencyCode::Usd.as_str()).then(|| {
                FieldError::new(
                    format!("Project.ExpectedCustomerSpend[{i}].CurrencyCode"),
                    Code::InvalidValue,
                    format!("Submission needs the expected spend in USD (is {code})"),
                )
            })
        })
        .collect()
}

/// Every broken submission rule of an opportunity's current state.
fn submission_errors(
    body: &Map<String, Value>,
    solutions: usize,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut r = Report::default();
    validation::business(&mut r, body, today);
    let mut errors = r.business;
    errors.extend(stage_error(body));
    if solutions == 0 {
        errors.push(FieldError::new(
            "RelatedEntityIdentifiers.Solutions",
            Code::RequiredFieldMissing,
            "At least one solution must be associated (AssociateOpportunity) before submission",
        ));
    }
    errors.extend(non_usd_spends(body));
    errors
}

/// How a finished task ended: `Ok` = submitted, `Err` = FAILED with reason code and message.
fn outcome(
    store: &Store,
    task: &SubmissionTask,
    today: NaiveDate,
) -> Result<(), (ReasonCode, String)> {
    let Some(opportunity) = store.get(&task.catalog, &task.opportunity_id) else {
        return Err((
            ReasonCode::OpportunityValidationFailed,
            format!("Opportunity {} was not found", task.opportunity_id),
        ));
    };
    if opportunity.review_status != ReviewStatus::PendingSubmission {
        return Err((
            ReasonCode::OpportunityConflict,
            format!(
                "Opportunity {} has LifeCycle.ReviewStatus \"{}\"; only a Pending Submission opportunity can be submitted",
                opportunity.id, opportunity.review_status
            ),
        ));
    }
    let solutions = opportunity
        .related
        .get(RelatedEntityType::Solutions.as_str())
        .map_or(0, Vec::len);
    let errors = submission_errors(&opportunity.body, solutions, today);
    if errors.is_empty() {
        return Ok(());
    }
    let details: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    Err((
        ReasonCode::OpportunityValidationFailed,
        format!(
            "Opportunity {} does not meet the submission requirements: {}",
            opportunity.id,
            details.join("; ")
        ),
    ))
}

/// Finishes every task whose `delay` has passed at `now`. Called before anything reads the
/// store, so every observer sees the same settled state.
pub(crate) fn settle(store: &mut Store, now: DateTime<Utc>, delay: Duration) {
    let due: Vec<usize> = store
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.status == TaskStatus::InProgress && t.started + delay <= now)
        .map(|(i, _)| i)
        .collect();
    for i in due {
        let task = store.tasks[i].clone();
        match outcome(store, &task, now.date_naive()) {
            Ok(()) => {
                let stamp = store.stamp(now);
                let engagement = random_id("eng-", 14);
                if let Some(opportunity) = store.get_mut(&task.catalog, &task.opportunity_id) {
                    opportunity.review_status = ReviewStatus::Submitted;
                    opportunity.review_comments = None;
                    opportunity.review_status_reason = None;
                    opportunity.engagement_id = Some(engagement.clone());
                    opportunity.last_modified = stamp;
                    opportunity.aws = Some(AwsSide::submitted(
                        &task.involvement_type,
                        task.visibility.as_deref(),
                    ));
                }
                store.emit(DetailType::OpportunityUpdated, &task.opportunity_id, now);
                let task = &mut store.tasks[i];
                task.status = TaskStatus::Complete;
                task.engagement_id = Some(engagement);
                task.invitation_id = Some(random_id("engi-", 13));
                task.snapshot_job_id = Some(random_id("job-", 13));
            }
            Err((reason, message)) => {
                let failed = &mut store.tasks[i];
                failed.status = TaskStatus::Failed;
                failed.reason = Some(reason);
                failed.message = Some(message);
                // The partner hears of the failed submission as of any other change.
                store.emit(DetailType::OpportunityUpdated, &task.opportunity_id, now);
            }
        }
    }
}
