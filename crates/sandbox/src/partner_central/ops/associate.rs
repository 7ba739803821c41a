//! AssociateOpportunity: links a solution (or another related entity) to an opportunity.

use serde_json::{Map, Value, json};

use aws_sdk_partnercentralselling::types::RelatedEntityType;

use super::{Outcome, catalog_and_id, internal, not_found};
use crate::partner_central::Shared;
use crate::partner_central::eventbridge::DetailType;
use crate::partner_central::formats;
use crate::partner_central::protocol::{AwsError, Code, Reason};
use crate::partner_central::validation::Report;

/// Partner Solutions per opportunity: 10
/// (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/quotas.html>).
const MAX_SOLUTIONS: usize = 10;

pub(super) fn associate(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, id) = catalog_and_id(&mut r, body, "OpportunityIdentifier");
    let kind = body.get("RelatedEntityType").and_then(Value::as_str);
    match kind {
        Some(k) if RelatedEntityType::values().contains(&k) => {}
        Some(k) => r.request(
            "RelatedEntityType",
            Code::InvalidEnumValue,
            format!(
                "RelatedEntityType \"{k}\" is not one of {}",
                RelatedEntityType::values().join(" | ")
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
        Some(e)
            if kind == Some(RelatedEntityType::Solutions.as_str())
                && !formats::is_solution_id(e) =>
        {
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

    let mut store = shared.settled();
    let current = store
        .get(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    let linked = current
        .related
        .get(kind)
        .is_some_and(|ids| ids.iter().any(|e| e == entity));
    if linked {
        // Associating twice is a no-op, not an error.
        return Ok(Outcome::read(json!({}), Some(id.to_owned())));
    }
    if kind == RelatedEntityType::Solutions.as_str()
        && current
            .related
            .get(kind)
            .is_some_and(|ids| ids.len() >= MAX_SOLUTIONS)
    {
        return Err(AwsError::field(
            Reason::BusinessValidationFailed,
            "RelatedEntityIdentifiers.Solutions",
            Code::TooManyValues,
            format!("At most {MAX_SOLUTIONS} solutions can be associated"),
        ));
    }
    let now = store.stamp(shared.clock.now());
    let opportunity = store
        .get_mut(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    opportunity
        .related
        .entry(kind.to_owned())
        .or_default()
        .push(entity.to_owned());
    // Associations change the opportunity, so its LastModifiedDate moves too.
    opportunity.last_modified = now;
    store.emit(DetailType::OpportunityUpdated, id, shared.clock.now());
    Ok(Outcome::write(json!({}), id.to_owned()))
}
