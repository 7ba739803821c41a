//! ListOpportunities: filters, sort and opaque pagination tokens.

use serde_json::{Map, Value, json};

use super::{Outcome, internal, parse_time};
use crate::lock;
use crate::partner_central::Shared;
use crate::partner_central::protocol::{AwsError, Code};
use crate::partner_central::store::Opportunity;
use crate::partner_central::validation::{self, Report};

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    Some(
        value?
            .as_array()?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
    )
}

pub(super) fn list(shared: &Shared, body: &Map<String, Value>) -> Result<Outcome, AwsError> {
    let mut r = Report::default();
    let catalog = validation::catalog(&mut r, body);
    let max = match body.get("MaxResults") {
        None | Some(Value::Null) => 20,
        Some(value) => match value.as_u64().filter(|n| (1..=100).contains(n)) {
            Some(n) => usize::try_from(n).unwrap_or(100),
            None => {
                r.request(
                    "MaxResults",
                    Code::InvalidValue,
                    "MaxResults must be between 1 and 100",
                );
                20
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
    let ids = strings(body.get("Identifier"));
    let stages = strings(body.get("LifeCycleStage"));
    let statuses = strings(body.get("LifeCycleReviewStatus"));
    let companies = strings(body.get("CustomerCompanyName"));
    let after = parse_time(
        body.get("LastModifiedDate")
            .and_then(|f| f.get("AfterLastModifiedDate")),
    );
    let before = parse_time(
        body.get("LastModifiedDate")
            .and_then(|f| f.get("BeforeLastModifiedDate")),
    );
    let within = |filter: &Option<Vec<String>>, value: Option<&str>| {
        filter
            .as_ref()
            .is_none_or(|allowed| value.is_some_and(|v| allowed.iter().any(|a| a == v)))
    };

    let store = lock(&shared.store);
    let mut matches: Vec<&Opportunity> = store
        .opportunities
        .values()
        .filter(|o| o.catalog == catalog)
        .filter(|o| within(&ids, Some(&o.id)))
        .filter(|o| within(&stages, o.lifecycle_str("Stage")))
        .filter(|o| within(&statuses, Some(&o.review_status)))
        .filter(|o| within(&companies, o.company_name()))
        .filter(|o| after.is_none_or(|t| o.last_modified > t))
        .filter(|o| before.is_none_or(|t| o.last_modified < t))
        .collect();
    let sort_by = body
        .get("Sort")
        .and_then(|s| s.get("SortBy"))
        .and_then(Value::as_str)
        .unwrap_or("LastModifiedDate");
    let ascending = body
        .get("Sort")
        .and_then(|s| s.get("SortOrder"))
        .and_then(Value::as_str)
        == Some("ASCENDING");
    matches.sort_by(|a, b| {
        let order = match sort_by {
            "Identifier" => a.id.cmp(&b.id),
            "CustomerCompanyName" => a.company_name().cmp(&b.company_name()),
            "CreatedDate" => a.created.cmp(&b.created),
            "TargetCloseDate" => a
                .lifecycle_str("TargetCloseDate")
                .cmp(&b.lifecycle_str("TargetCloseDate")),
            _ => a.last_modified.cmp(&b.last_modified),
        };
        if ascending { order } else { order.reverse() }
    });
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
