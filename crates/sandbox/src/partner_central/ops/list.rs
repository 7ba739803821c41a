//! ListOpportunities with the members the processor sends (Catalog, MaxResults, NextToken,
//! CustomerCompanyName) and opaque pagination tokens.

use serde_json::{Map, Value, json};

use super::{Outcome, internal};
use crate::partner_central::Shared;
use crate::partner_central::protocol::{AwsError, Code};
use crate::partner_central::store::Opportunity;
use crate::partner_central::validation::{self, Report};

/// Any other member (filters on Identifier, LifeCycle, LastModifiedDate, Sort, …) is refused
/// rather than ignored: a silently unfiltered answer would pass a test that should fail.
const SERVED_MEMBERS: [&str; 4] = ["Catalog", "MaxResults", "NextToken", "CustomerCompanyName"];

/// MaxResults must be 1–100
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ListOpportunities.html>);
/// without it the fake pages by 20.
const MAX_RESULTS: u64 = 100;
const DEFAULT_RESULTS: usize = 20;

pub(super) fn list(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    if let Some(other) = body
        .iter()
        .find(|(key, value)| !value.is_null() && !SERVED_MEMBERS.contains(&key.as_str()))
        .map(|(key, _)| key)
    {
        return Err(AwsError::UnknownOperation(format!(
            "The sandbox does not implement ListOpportunities.{other}"
        )));
    }
    let mut r = Report::default();
    let catalog = validation::catalog(&mut r, body);
    let max = match body.get("MaxResults") {
        None | Some(Value::Null) => DEFAULT_RESULTS,
        Some(value) => match value.as_u64().filter(|n| (1..=MAX_RESULTS).contains(n)) {
            Some(n) => usize::try_from(n).unwrap_or(DEFAULT_RESULTS),
            None => {
                r.request(
                    "MaxResults",
                    Code::InvalidValue,
                    format!("MaxResults must be between 1 and {MAX_RESULTS}"),
                );
                DEFAULT_RESULTS
            }
        },
    };
    let offset = match body.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => match token
            .strip_prefix("sandbox-offset-")
            .and_then(|n| n.parse().ok())
        {
            Some(n) => n,
            None => {
                r.request(
                    "NextToken",
                    Code::InvalidValue,
                    "NextToken was not issued by this service",
                );
                0
            }
        },
    };
    r.request_result()?;
    let catalog = catalog.ok_or_else(|| internal("catalog validated"))?;
    let companies: Option<Vec<&str>> = body
        .get("CustomerCompanyName")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect());

    let store = shared.settled();
    let mut matches: Vec<&Opportunity> = store
        .opportunities
        .values()
        .filter(|o| o.catalog == catalog)
        .filter(|o| {
            companies
                .as_ref()
                .is_none_or(|names| o.company_name().is_some_and(|name| names.contains(&name)))
        })
        .collect();
    // Newest change first; the processor relies on no order, it pages through all of them.
    matches.sort_by_key(|o| std::cmp::Reverse(o.last_modified));
    let page: Vec<Value> = matches
        .iter()
        .skip(offset)
        .take(max)
        .map(|o| o.to_summary())
        .collect();
    let mut out = json!({ "OpportunitySummaries": page });
    if offset + max < matches.len() {
        out["NextToken"] = json!(format!("sandbox-offset-{}", offset + max));
    }
    Ok(Outcome::read(out, None))
}
