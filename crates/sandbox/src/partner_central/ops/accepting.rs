//! Accepting an AWS referral: StartEngagementByAcceptingInvitationTask and
//! ListEngagementByAcceptingInvitationTasks (the only way to follow the task: there is no Get)
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_StartEngagementByAcceptingInvitationTask.html>,
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ListEngagementByAcceptingInvitationTasks.html>).
//!
//! - ClientToken (`[!-~]{1,64}`): the same token with the same request returns the same task
//!   in its current state; the same token with another request is a ConflictException, as for
//!   the submission task.
//! - The invitation must be PENDING when the call is made, and no other acceptance task of it
//!   may be running: otherwise ConflictException ("a conflict with the target resource's
//!   current state"). What happens if it stops being PENDING while the task runs is in
//!   `referrals/acceptance.rs` (the task ends FAILED, `EngagementInvitationConflict`).

use aws_sdk_partnercentralselling::types::{ListTasksSortName, TaskStatus};
use serde_json::{Map, Value};

use super::invitations::{catalog_and_invitation, find};
use super::paging::{admits, descending, filter, page, page_bounds};
use super::{Outcome, internal};
use crate::partner_central::Shared;
use crate::partner_central::protocol::{AwsError, Code};
use crate::partner_central::referrals::AcceptTask;
use crate::partner_central::store::{self, TokenRecord, truncate_millis};
use crate::partner_central::submission::random_id;
use crate::partner_central::validation::{self, Report, list_of, string};

/// ListEngagementByAcceptingInvitationTasks' MaxResults range (1–1000).
const MAX_RESULTS: u64 = 1000;
const TOKEN_PREFIX: &str = "sandbox-accept-task-offset-";

/// `[!-~]{1,64}`: printable ASCII without spaces.
fn is_client_token(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

pub(super) fn start_accepting(
    shared: &Shared,
    body: &Map<String, Value>,
) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, identifier) = catalog_and_invitation(&mut r, body, "Identifier");
    let token = string(&mut r, body, "ClientToken", "ClientToken");
    match token {
        Some(token) if !is_client_token(token) => r.request(
            "ClientToken",
            Code::InvalidStringFormat,
            "ClientToken must match [!-~]{1,64}",
        ),
        Some(_) => {}
        None => r.request(
            "ClientToken",
            Code::RequiredFieldMissing,
            "ClientToken is required",
        ),
    }
    r.request_result()?;
    let (catalog, identifier, token) = match (catalog, identifier, token) {
        (Some(c), Some(i), Some(t)) => (c, i, t),
        _ => return Err(internal("acceptance validated")),
    };
    let request = Value::Object(body.clone());
    let key = (catalog.to_owned(), token.to_owned());

    let mut store = shared.settled();
    if let Some(previous) = store.accept_tokens.get(&key) {
        if previous.request != request {
            return Err(AwsError::Conflict(
                "Conflicting client token submitted for a new request body.".to_owned(),
            ));
        }
        // Same token, same body: the same task, in its current state.
        let task = store
            .accept_tasks
            .iter()
            .find(|t| t.id == previous.id)
            .ok_or_else(|| internal("token names a task"))?;
        return Ok(Outcome::read(task.to_json(), task.opportunity_id.clone()));
    }
    let invitation = find(&store, catalog, identifier)?;
    let invitation_id = invitation.id.clone();
    if !invitation.is_pending() {
        return Err(AwsError::Conflict(format!(
            "Engagement invitation {invitation_id} is {}; only a PENDING invitation can be accepted",
            invitation.status
        )));
    }
    if let Some(running) = store
        .accept_tasks
        .iter()
        .find(|t| t.invitation_id == invitation_id && t.status == TaskStatus::InProgress)
    {
        return Err(AwsError::Conflict(format!(
            "Engagement invitation {invitation_id} is already being accepted by task {}",
            running.id
        )));
    }
    let task_id = random_id("oit-", 13);
    let task = AcceptTask {
        arn: store::arn(catalog, "engagement-by-accepting-invitation-task", &task_id),
        id: task_id.clone(),
        catalog: catalog.to_owned(),
        invitation_id,
        // The clock's time, so the delay runs from what the caller's clock says.
        started: truncate_millis(shared.clock.now()),
        status: TaskStatus::InProgress,
        reason: None,
        message: None,
        opportunity_id: None,
        snapshot_job_id: None,
    };
    let output = task.to_json();
    store.accept_tasks.push(task);
    store.accept_tokens.insert(
        key,
        TokenRecord {
            request,
            id: task_id,
        },
    );
    Ok(Outcome::wrote(output))
}

pub(super) fn list_accepting_tasks(
    shared: &Shared,
    body: &Map<String, Value>,
) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let catalog = validation::catalog(&mut r, body);
    list_of(
        &mut r,
        body,
        "TaskStatus",
        "TaskStatus",
        TaskStatus::values(),
    );
    let opportunities = filter(&mut r, body, "OpportunityIdentifier");
    let invitations = filter(&mut r, body, "EngagementInvitationIdentifier");
    let task_ids = filter(&mut r, body, "TaskIdentifier");
    let statuses = filter(&mut r, body, "TaskStatus");
    let descending = descending(&mut r, body, ListTasksSortName::values());
    let bounds = page_bounds(&mut r, body, MAX_RESULTS, TOKEN_PREFIX);
    r.request_result()?;
    let catalog = catalog.ok_or_else(|| internal("catalog validated"))?;

    let store = shared.settled();
    let invitation_arn = |id: &str| store::arn(catalog, "engagement-invitation", id);
    // Start order is StartTime order (ties broken by arrival), so sorting is a reversal.
    let mut matches: Vec<Value> = store
        .accept_tasks
        .iter()
        .filter(|t| t.catalog == catalog)
        .filter(|t| admits(opportunities.as_ref(), t.opportunity_id.as_deref()))
        .filter(|t| {
            admits(invitations.as_ref(), Some(&t.invitation_id))
                || admits(
                    invitations.as_ref(),
                    Some(&invitation_arn(&t.invitation_id)),
                )
        })
        .filter(|t| {
            admits(task_ids.as_ref(), Some(&t.id)) || admits(task_ids.as_ref(), Some(&t.arn))
        })
        .filter(|t| admits(statuses.as_ref(), Some(t.status.as_str())))
        .map(AcceptTask::to_json)
        .collect();
    if descending {
        matches.reverse();
    }
    let out = page("TaskSummaries", &matches, bounds, TOKEN_PREFIX);
    Ok(Outcome::read(out, None))
}
