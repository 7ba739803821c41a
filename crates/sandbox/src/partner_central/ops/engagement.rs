//! StartEngagementFromOpportunityTask (the submission to AWS) and
//! ListEngagementFromOpportunityTasks (the only way to follow it: there is no Get)
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_StartEngagementFromOpportunityTask.html>,
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ListEngagementFromOpportunityTasks.html>).

use aws_sdk_partnercentralselling::types::{
    ListTasksSortName, SalesInvolvementType, TaskStatus, Visibility,
};
use serde_json::{Map, Value};

use super::paging::{admits, descending, filter, page, page_bounds};
use super::{Outcome, catalog_and_id, internal, not_found};
use crate::partner_central::Shared;
use crate::partner_central::protocol::{AwsError, Code};
use crate::partner_central::store::{self, TokenRecord, truncate_millis};
use crate::partner_central::submission::{SubmissionTask, random_id};
use crate::partner_central::validation::{Report, one_of, string};

pub(super) fn start(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, id) = catalog_and_id(&mut r, body, "Identifier");
    let token = string(&mut r, body, "ClientToken", "ClientToken").filter(|t| !t.is_empty());
    if token.is_none() {
        r.request(
            "ClientToken",
            Code::RequiredFieldMissing,
            "ClientToken is required",
        );
    }
    match body.get("AwsSubmission").filter(|v| !v.is_null()) {
        Some(Value::Object(submission)) => {
            let involvement = SalesInvolvementType::values();
            let path = "AwsSubmission.InvolvementType";
            one_of(&mut r, submission, "InvolvementType", path, involvement);
            if submission.get("InvolvementType").is_none_or(Value::is_null) {
                r.request(
                    path,
                    Code::RequiredFieldMissing,
                    format!("{path} is required"),
                );
            }
            let path = "AwsSubmission.Visibility";
            one_of(&mut r, submission, "Visibility", path, Visibility::values());
        }
        Some(_) => r.request(
            "AwsSubmission",
            Code::InvalidValue,
            "AwsSubmission must be an object",
        ),
        None => r.request(
            "AwsSubmission",
            Code::RequiredFieldMissing,
            "AwsSubmission is required",
        ),
    }
    r.request_result()?;
    let (catalog, id) = catalog
        .zip(id)
        .ok_or_else(|| internal("identifier validated"))?;
    let token = token.ok_or_else(|| internal("token validated"))?;
    let request = Value::Object(body.clone());
    let key = (catalog.to_owned(), token.to_owned());

    let mut store = shared.settled();
    if let Some(previous) = store.task_tokens.get(&key) {
        if previous.request != request {
            return Err(AwsError::Conflict(
                "Conflicting client token submitted for a new request body.".to_owned(),
            ));
        }
        // Same token, same body: the same task, in its current state.
        let task = store
            .tasks
            .iter()
            .find(|t| t.id == previous.id)
            .ok_or_else(|| internal("token names a task"))?;
        return Ok(Outcome::read(task.to_json(), Some(id.to_owned())));
    }
    let opportunity = store
        .get(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    if let Some(task) = store
        .tasks
        .iter()
        .find(|t| t.catalog == catalog && t.opportunity_id == id && t.blocks_another())
    {
        return Err(AwsError::Conflict(format!(
            "Opportunity {id} already has engagement task {} in status {}; a new task can only follow a FAILED one",
            task.id, task.status
        )));
    }
    let status = &opportunity.review_status;
    if *status != aws_sdk_partnercentralselling::types::ReviewStatus::PendingSubmission {
        return Err(AwsError::Conflict(format!(
            "Opportunity {id} has LifeCycle.ReviewStatus \"{status}\"; only a Pending Submission opportunity can be submitted"
        )));
    }
    let task_id = random_id("oit-", 13);
    let task = SubmissionTask {
        arn: store::arn(catalog, "engagement-from-opportunity-task", &task_id),
        id: task_id.clone(),
        catalog: catalog.to_owned(),
        opportunity_id: id.to_owned(),
        // The clock's time, not a LastModifiedDate stamp (those are nudged forward to stay
        // unique), so the delay runs from what the caller's clock says.
        started: truncate_millis(shared.clock.now()),
        status: TaskStatus::InProgress,
        reason: None,
        message: None,
        engagement_id: None,
        invitation_id: None,
        snapshot_job_id: None,
        involvement_type: submission_member(body, "InvolvementType")
            .ok_or_else(|| internal("involvement type validated"))?,
        visibility: submission_member(body, "Visibility"),
    };
    let output = task.to_json();
    store.tasks.push(task);
    store.task_tokens.insert(
        key,
        TokenRecord {
            request,
            id: task_id,
        },
    );
    Ok(Outcome::write(output, id.to_owned()))
}

/// A string member of the request's `AwsSubmission`.
fn submission_member(body: &Map<String, Value>, key: &str) -> Option<String> {
    body.get("AwsSubmission")?
        .get(key)?
        .as_str()
        .map(str::to_owned)
}

/// ListEngagementFromOpportunityTasks' MaxResults range (1–1000).
const MAX_RESULTS: u64 = 1000;
const TOKEN_PREFIX: &str = "sandbox-task-offset-";

pub(super) fn list_tasks(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let catalog = crate::partner_central::validation::catalog(&mut r, body);
    let opportunities = filter(&mut r, body, "OpportunityIdentifier");
    let task_ids = filter(&mut r, body, "TaskIdentifier");
    let engagements = filter(&mut r, body, "EngagementIdentifier");
    let statuses = filter(&mut r, body, "TaskStatus");
    let descending = descending(&mut r, body, ListTasksSortName::values());
    let bounds = page_bounds(&mut r, body, MAX_RESULTS, TOKEN_PREFIX);
    r.request_result()?;
    let catalog = catalog.ok_or_else(|| internal("catalog validated"))?;

    let store = shared.settled();
    // Start order is StartTime order (ties broken by arrival), so sorting is a reversal.
    let mut matches: Vec<Value> = store
        .tasks
        .iter()
        .filter(|t| t.catalog == catalog)
        .filter(|t| admits(opportunities.as_ref(), Some(&t.opportunity_id)))
        .filter(|t| admits(task_ids.as_ref(), Some(&t.id)))
        .filter(|t| admits(engagements.as_ref(), t.engagement_id.as_deref()))
        .filter(|t| admits(statuses.as_ref(), Some(t.status.as_str())))
        .map(SubmissionTask::to_json)
        .collect();
    if descending {
        matches.reverse();
    }
    let out = page("TaskSummaries", &matches, bounds, TOKEN_PREFIX);
    Ok(Outcome::read(out, None))
}
