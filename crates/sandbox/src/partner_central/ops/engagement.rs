//! AssociateOpportunity / DisassociateOpportunity, SubmitOpportunity and
//! StartEngagementFromOpportunityTask.

use serde_json::{Map, Value, json};

use aws_sdk_partnercentralselling::types as sdk;

use super::{Outcome, catalog_and_id, internal, not_found};
use crate::lock;
use crate::partner_central::Shared;
use crate::partner_central::formats;
use crate::partner_central::protocol::{AwsError, Code, Reason};
use crate::partner_central::review;
use crate::partner_central::store::{PENDING_SUBMISSION, timestamp};
use crate::partner_central::validation::{Report, Rules};

/// Partner Central accepts 1–10 solutions per opportunity.
const MAX_SOLUTIONS: usize = 10;

pub(super) fn associate(
    shared: &Shared,
    body: &Map<String, Value>,
    link: bool,
) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, id) = catalog_and_id(&mut r, body, "OpportunityIdentifier");
    let kind = body.get("RelatedEntityType").and_then(Value::as_str);
    match kind {
        Some(k) if sdk::RelatedEntityType::values().contains(&k) => {}
        Some(k) => r.request(
            "RelatedEntityType",
            Code::InvalidEnumValue,
            format!(
                "RelatedEntityType \"{k}\" is not one of {}",
                sdk::RelatedEntityType::values().join(" | ")
            ),
        ),
        None => r.request(
            "RelatedEntityType",
            Code::RequiredFieldMissing,
            "RelatedEntityType is required",
        ),
    }
    let entity = body
        .get("RelatedEntityIdentifier")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    match entity {
        None => r.request(
            "RelatedEntityIdentifier",
            Code::RequiredFieldMissing,
            "RelatedEntityIdentifier is required",
        ),
        Some(e) if kind == Some("Solutions") && !formats::is_solution_id(e) => {
            r.request(
                "RelatedEntityIdentifier",
                Code::InvalidStringFormat,
                format!("Solution identifier \"{e}\" must look like S-0000001 (or be Other)"),
            );
        }
        Some(_) => {}
    }
    r.request_result()?;
    let (catalog, id) = catalog
        .zip(id)
        .ok_or_else(|| internal("identifier validated"))?;
    let (kind, entity) = kind
        .zip(entity)
        .ok_or_else(|| internal("entity validated"))?;

    let mut store = lock(&shared.store);
    let current = store
        .get(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    let linked = current
        .related
        .get(kind)
        .is_some_and(|ids| ids.iter().any(|e| e == entity));
    if link == linked {
        if link {
            // Associating twice is a no-op, not an error.
            return Ok(Outcome::read(json!({}), Some(id.to_owned())));
        }
        return Err(AwsError::NotFound(format!(
            "{kind} {entity} is not associated with opportunity {id}"
        )));
    }
    if link
        && kind == "Solutions"
        && current
            .related
            .get(kind)
            .is_some_and(|ids| ids.len() >= MAX_SOLUTIONS)
    {
        return Err(AwsError::field(
            Reason::Business,
            "RelatedEntityIdentifiers.Solutions",
            Code::TooManyValues,
            format!("At most {MAX_SOLUTIONS} solutions can be associated"),
        ));
    }
    let now = store.stamp(shared.clock.now());
    let opportunity = store
        .get_mut(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    let ids = opportunity.related.entry(kind.to_owned()).or_default();
    if link {
        ids.push(entity.to_owned());
    } else {
        ids.retain(|e| e != entity);
    }
    // Associations change the opportunity, so its LastModifiedDate moves too.
    opportunity.last_modified = now;
    Ok(Outcome::write(json!({}), id.to_owned()))
}

/// Shared by SubmitOpportunity and StartEngagementFromOpportunityTask: validation for
/// submission, then ReviewStatus → Submitted.
pub(super) fn submit(
    shared: &Shared,
    body: &Map<String, Value>,
    submission: &Map<String, Value>,
    prefix: &str,
) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, id) = catalog_and_id(&mut r, body, "Identifier");
    let involvement = format!("{prefix}InvolvementType");
    match submission.get("InvolvementType").and_then(Value::as_str) {
        Some(v) if sdk::SalesInvolvementType::values().contains(&v) => {}
        Some(v) => r.request(
            &involvement,
            Code::InvalidEnumValue,
            format!("{involvement} \"{v}\" must be Co-Sell or For Visibility Only"),
        ),
        None => r.request(
            &involvement,
            Code::RequiredFieldMissing,
            format!("{involvement} is required"),
        ),
    }
    if let Some(visibility) = submission.get("Visibility").and_then(Value::as_str)
        && !sdk::Visibility::values().contains(&visibility)
    {
        r.request(
            format!("{prefix}Visibility"),
            Code::InvalidEnumValue,
            "Visibility must be Full or Limited",
        );
    }
    r.request_result()?;
    let (catalog, id) = catalog
        .zip(id)
        .ok_or_else(|| internal("identifier validated"))?;
    let read_only_mode = lock(&shared.settings).read_only_error;
    let mut store = lock(&shared.store);
    let current = store
        .get(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    if current.review_status != PENDING_SUBMISSION {
        return Err(review::read_only_error(
            read_only_mode,
            id,
            &current.review_status,
        ));
    }
    let rules = Rules {
        today: shared.clock.today(),
        require_submission_fields: true,
    };
    crate::partner_central::validation::business(&mut r, &current.body, rules);
    if current.related.get("Solutions").is_none_or(Vec::is_empty) {
        r.business(
            "RelatedEntityIdentifiers.Solutions",
            Code::RequiredFieldMissing,
            "Associate at least one solution (AssociateOpportunity) before submitting",
        );
    }
    if let Some(stage @ ("Prospect" | "Closed Lost")) = current.lifecycle_str("Stage") {
        r.business(
            "LifeCycle.Stage",
            Code::InvalidValue,
            format!(
                "An opportunity in stage {stage} cannot be submitted; it must be at least Qualified"
            ),
        );
    }
    r.business_result()?;
    let now = store.stamp(shared.clock.now());
    let opportunity = store
        .get_mut(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    opportunity.review_status = "Submitted".to_owned();
    opportunity.last_modified = now;
    Ok(Outcome::write(json!({}), id.to_owned()))
}

pub(super) fn start_engagement(
    shared: &Shared,
    body: &Map<String, Value>,
) -> Result<Outcome, AwsError> {
    let empty = Map::new();
    let submission = body
        .get("AwsSubmission")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let outcome = submit(shared, body, submission, "AwsSubmission.")?;
    let id = outcome.opportunity_id.clone().unwrap_or_default();
    let task = format!("task-{}", uuid::Uuid::new_v4().simple());
    let account = lock(&shared.settings).account_id.clone();
    let catalog = body.get("Catalog").and_then(Value::as_str).unwrap_or("AWS");
    let body = json!({
        "TaskId": task,
        "TaskArn": format!("arn:aws:partnercentral:{}:{account}:catalog/{catalog}/engagement-from-opportunity-task/{task}", crate::partner_central::protocol::REGION),
        "StartTime": timestamp(shared.clock.now()),
        "TaskStatus": "COMPLETE",
        "OpportunityId": id,
    });
    Ok(Outcome { body, ..outcome })
}
