//! The operations. Create / Get / Update live here (idempotency and optimistic concurrency);
//! listing in `list.rs`; associations in `associate.rs`; the submission task in `engagement.rs`;
//! AWS's side (GetAwsOpportunitySummary) in `summary.rs`; AWS referrals in `invitations.rs`
//! (list, get, reject) and `accepting.rs` (the acceptance task); what the task and invitation
//! lists share in `paging.rs`. Each change of an opportunity or invitation is announced on the
//! event bus (`Store::emit`, `Store::emit_invitation`) under the same lock that makes it.

use aws_sdk_partnercentralselling::types::{OpportunityOrigin, ReviewStatus};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::Shared;
use super::aws_summary;
use super::eventbridge::DetailType;
use super::formats;
use super::protocol::{AwsError, Code, Reason};
use super::review;
use super::store::{self, Opportunity, REPLACEABLE, TokenRecord, timestamp, truncate_millis};
use super::validation::{self, Report};

mod accepting;
mod associate;
mod engagement;
mod invitations;
mod list;
mod paging;
mod summary;

use accepting::{list_accepting_tasks, start_accepting};
use associate::associate;
use engagement::{list_tasks, start};
use invitations::{get_invitation, list_invitations, reject};
use list::list;
use summary::get_summary;

/// What a successful call produced.
pub(crate) struct Outcome {
    pub body: Value,
    pub opportunity_id: Option<String>,
    /// False for reads and for no-op writes (idempotent replays, repeated associations).
    pub wrote: bool,
    pub created: bool,
}

impl Outcome {
    pub(super) fn read(body: Value, id: Option<String>) -> Self {
        Self {
            body,
            opportunity_id: id,
            wrote: false,
            created: false,
        }
    }

    pub(super) fn write(body: Value, id: String) -> Self {
        Self {
            body,
            opportunity_id: Some(id),
            wrote: true,
            created: false,
        }
    }

    /// A state-changing call that names no opportunity (an invitation's).
    pub(super) fn wrote(body: Value) -> Self {
        Self {
            body,
            opportunity_id: None,
            wrote: true,
            created: false,
        }
    }
}

pub(crate) fn run(
    shared: &Shared,
    operation: &str,
    body: &Map<String, Value>,
) -> Result<Outcome, AwsError> {
    match operation {
        "CreateOpportunity" => create(shared, body),
        "GetOpportunity" => get(shared, body),
        "UpdateOpportunity" => update(shared, body),
        "ListOpportunities" => list(shared, body),
        "AssociateOpportunity" => associate(shared, body),
        "StartEngagementFromOpportunityTask" => start(shared, body),
        "ListEngagementFromOpportunityTasks" => list_tasks(shared, body),
        "GetAwsOpportunitySummary" => get_summary(shared, body),
        "ListEngagementInvitations" => list_invitations(shared, body),
        "GetEngagementInvitation" => get_invitation(shared, body),
        "RejectEngagementInvitation" => reject(shared, body),
        "StartEngagementByAcceptingInvitationTask" => start_accepting(shared, body),
        "ListEngagementByAcceptingInvitationTasks" => list_accepting_tasks(shared, body),
        other => Err(AwsError::UnknownOperation(format!(
            "The sandbox does not implement {other}"
        ))),
    }
}

pub(super) fn internal(what: &str) -> AwsError {
    AwsError::Internal(format!("sandbox invariant broken: {what}"))
}

/// Shape-checks `Catalog` and an identifier member (`O` + digits).
pub(super) fn catalog_and_id<'a>(
    r: &mut Report,
    body: &'a Map<String, Value>,
    key: &str,
) -> (Option<&'a str>, Option<&'a str>) {
    let catalog = validation::catalog(r, body);
    let id = match body.get(key) {
        Some(Value::String(id)) if formats::is_opportunity_id(id) => Some(id.as_str()),
        Some(Value::String(id)) => {
            r.request(
                key,
                Code::InvalidStringFormat,
                format!("{key} \"{id}\" must match O[0-9]{{1,19}}"),
            );
            None
        }
        Some(_) => {
            r.request(key, Code::InvalidValue, format!("{key} must be a string"));
            None
        }
        None => {
            r.request(
                key,
                Code::RequiredFieldMissing,
                format!("{key} is required"),
            );
            None
        }
    };
    (catalog, id)
}

pub(super) fn not_found(id: &str, catalog: &str) -> AwsError {
    AwsError::NotFound(format!(
        "Opportunity {id} was not found in catalog {catalog}"
    ))
}

/// The partner-owned members of a create/update payload, as stored.
fn partner_members(body: &Map<String, Value>) -> Map<String, Value> {
    let mut stored = Map::new();
    for key in REPLACEABLE {
        match body.get(key) {
            None | Some(Value::Null) => {}
            Some(value) if key == "LifeCycle" => {
                stored.insert(key.to_owned(), Opportunity::partner_lifecycle(value));
            }
            Some(value) => {
                stored.insert(key.to_owned(), value.clone());
            }
        }
    }
    validation::normalize(&mut stored);
    stored
}

fn create(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let catalog = validation::catalog(&mut r, body);
    validation::create_shape(&mut r, body);
    validation::payload_shape(&mut r, body);
    r.request_result()?;
    let catalog = catalog.ok_or_else(|| internal("catalog validated"))?;
    let token = body
        .get("ClientToken")
        .and_then(Value::as_str)
        .ok_or_else(|| internal("token validated"))?;
    let request = Value::Object(body.clone());
    let key = (catalog.to_owned(), token.to_owned());

    let mut store = shared.settled();
    if let Some(previous) = store.tokens.get(&key).cloned() {
        if previous.request != request {
            return Err(AwsError::Conflict(
                "Conflicting client token submitted for a new request body.".to_owned(),
            ));
        }
        // Same token, same body: the same opportunity, nothing new is created.
        let opportunity = store
            .get(catalog, &previous.id)
            .ok_or_else(|| not_found(&previous.id, catalog))?;
        return Ok(Outcome::read(create_output(opportunity), Some(previous.id)));
    }

    let partner_referral = OpportunityOrigin::PartnerReferral.as_str();
    let origin = body
        .get("Origin")
        .and_then(Value::as_str)
        .unwrap_or(partner_referral);
    if catalog == "AWS" && origin != partner_referral {
        r.business("Origin", Code::InvalidValue, "Origin must be Partner Referral in the AWS catalog (AWS Referral is only for Sandbox testing)");
    }
    if let Some(error) = review::launch_error(
        &ReviewStatus::PendingSubmission,
        None,
        body.get("LifeCycle")
            .and_then(|l| l.get("Stage"))
            .and_then(Value::as_str),
    ) {
        r.business(error.field, error.code, error.message);
    }
    validation::business(&mut r, body, shared.clock.today());
    r.business_result()?;

    let mut stored = partner_members(body);
    if let Some(team) = body.get("OpportunityTeam").filter(|v| !v.is_null()) {
        stored.insert("OpportunityTeam".into(), team.clone());
    }
    let id = store.allocate_id();
    let now = store.stamp(shared.clock.now());
    let opportunity = Opportunity {
        arn: store::arn(catalog, "opportunity", &id),
        id: id.clone(),
        catalog: catalog.to_owned(),
        origin: origin.to_owned(),
        created: now,
        last_modified: now,
        body: stored,
        review_status: ReviewStatus::PendingSubmission,
        review_comments: None,
        review_status_reason: None,
        related: Default::default(),
        engagement_id: None,
        aws: None,
    };
    let output = create_output(&opportunity);
    store.opportunities.insert(id.clone(), opportunity);
    store.emit(DetailType::OpportunityCreated, &id, shared.clock.now());
    store.tokens.insert(
        key,
        TokenRecord {
            request,
            id: id.clone(),
        },
    );
    let mut outcome = Outcome::write(output, id);
    outcome.created = true;
    Ok(outcome)
}

fn create_output(opportunity: &Opportunity) -> Value {
    json!({
        "Id": opportunity.id,
        "PartnerOpportunityIdentifier": opportunity.body.get("PartnerOpportunityIdentifier"),
        "LastModifiedDate": timestamp(opportunity.last_modified),
    })
}

fn get(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, id) = catalog_and_id(&mut r, body, "Identifier");
    r.request_result()?;
    let (catalog, id) = catalog
        .zip(id)
        .ok_or_else(|| internal("identifier validated"))?;
    let store = shared.settled();
    let opportunity = store
        .get(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    Ok(Outcome::read(
        opportunity.to_get_output(),
        Some(id.to_owned()),
    ))
}

pub(super) fn parse_time(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let text = value?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| truncate_millis(t.with_timezone(&Utc)))
}

fn update(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, id) = catalog_and_id(&mut r, body, "Identifier");
    let sent_modified = parse_time(body.get("LastModifiedDate"));
    if sent_modified.is_none() {
        let code = if body.contains_key("LastModifiedDate") {
            Code::InvalidStringFormat
        } else {
            Code::RequiredFieldMissing
        };
        r.request(
            "LastModifiedDate",
            code,
            "LastModifiedDate is required (the value GetOpportunity returned)",
        );
    }
    validation::payload_shape(&mut r, body);
    r.request_result()?;
    let (catalog, id) = catalog
        .zip(id)
        .ok_or_else(|| internal("identifier validated"))?;
    let sent_modified = sent_modified.ok_or_else(|| internal("date validated"))?;

    let mut store = shared.settled();
    let current = store
        .get(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    if sent_modified != current.last_modified {
        return Err(AwsError::Conflict(format!(
            "Opportunity {id} was modified at {} but the request's LastModifiedDate is {}: get the opportunity again and retry",
            timestamp(current.last_modified),
            timestamp(sent_modified)
        )));
    }
    let status = current.review_status.clone();
    // The review rules bind the partner, not the reviewer a Sandbox update may play.
    let decision = review::sandbox_decision(catalog, body, &status);
    if let Some(error) = decision
        .as_ref()
        .and_then(|d| review::simulation_error(id, &status, d))
    {
        return Err(error);
    }
    if decision.is_none() && review::is_read_only(&status) {
        return Err(review::read_only_error(id, &status));
    }
    let mut proposed = partner_members(body);
    if let Some(team) = current.body.get("OpportunityTeam") {
        // Not an UpdateOpportunity member: kept from create.
        proposed.insert("OpportunityTeam".into(), team.clone());
    }
    let changed = review::changed_paths(&current.body, &proposed);
    let stage = current
        .body
        .get("LifeCycle")
        .and_then(|l| l.get("Stage"))
        .and_then(Value::as_str);
    let mut forbidden = review::forbidden_changes(&status, &changed);
    let proposed_stage = body
        .get("LifeCycle")
        .and_then(|l| l.get("Stage"))
        .and_then(Value::as_str);
    forbidden.extend(review::launch_error(&status, stage, proposed_stage));
    for error in review::stage_forbidden_changes(stage, &changed) {
        if !forbidden.iter().any(|f| f.field == error.field) {
            forbidden.push(error);
        }
    }
    if decision.is_none() && !forbidden.is_empty() {
        return Err(AwsError::validation(
            Reason::BusinessValidationFailed,
            forbidden,
        ));
    }
    validation::business(&mut r, body, shared.clock.today());
    r.business_result()?;

    let now = store.stamp(shared.clock.now());
    let opportunity = store
        .get_mut(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    opportunity.body = proposed;
    opportunity.last_modified = now;
    let at = shared.clock.now();
    if let Some(decision) = decision {
        opportunity.review_status = decision.status;
        opportunity.review_comments = decision.comments;
        opportunity.review_status_reason = decision.reason;
        aws_summary::on_review(opportunity, at);
    } else if status == ReviewStatus::ActionRequired {
        // "After updates, the opportunity re-enters the validation phase."
        opportunity.review_status = ReviewStatus::Submitted;
    }
    store.emit(DetailType::OpportunityUpdated, id, at);
    let output = json!({ "Id": id, "LastModifiedDate": timestamp(now) });
    Ok(Outcome::write(output, id.to_owned()))
}
