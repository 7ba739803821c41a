//! GetAwsOpportunitySummary: AWS's side of a partner opportunity
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_GetAwsOpportunitySummary.html>).
//!
//! The API reference describes it as the AWS opportunity *corresponding to* a partner
//! opportunity, and lists ResourceNotFoundException among its errors; an opportunity that was
//! never submitted has no AWS counterpart (submission creates it), so the fake answers
//! ResourceNotFoundException for it as for an unknown id. AWS's own sample reads the summary
//! of an approved opportunity.

use serde_json::{Map, Value};

use super::{Outcome, catalog_and_id, internal, not_found};
use crate::partner_central::Shared;
use crate::partner_central::aws_summary;
use crate::partner_central::protocol::AwsError;
use crate::partner_central::validation::Report;

pub(super) fn get_summary(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let (catalog, id) = catalog_and_id(&mut r, body, "RelatedOpportunityIdentifier");
    r.request_result()?;
    let (catalog, id) = catalog
        .zip(id)
        .ok_or_else(|| internal("identifier validated"))?;
    let store = shared.settled();
    let opportunity = store
        .get(catalog, id)
        .ok_or_else(|| not_found(id, catalog))?;
    let aws = opportunity.aws.as_ref().ok_or_else(|| {
        AwsError::NotFound(format!(
            "No AWS opportunity is related to opportunity {id} in catalog {catalog}: it has not been submitted (StartEngagementFromOpportunityTask)"
        ))
    })?;
    Ok(Outcome::read(
        aws_summary::to_output(opportunity, aws),
        Some(id.to_owned()),
    ))
}
