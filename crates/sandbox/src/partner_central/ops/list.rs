//! ListOpportunities
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ListOpportunities.html>):
//! the filters on Identifier, LifeCycleStage, LifeCycleReviewStatus, CustomerCompanyName and
//! LastModifiedDate, Sort, and opaque pagination tokens.
//!
//! `LastModifiedDate.AfterLastModifiedDate` is inclusive: "AWS only returns opportunities
//! created or updated on or after that date and time", the basis of a reconciliation sweep
//! that restarts from the latest LastModifiedDate it stored. `BeforeLastModifiedDate` is
//! exclusive, so consecutive windows `[a, b)`, `[b, c)` never return an opportunity twice.

use std::cmp::Ordering;

use aws_sdk_partnercentralselling::types::{OpportunitySortName, ReviewStatus, SortOrder, Stage};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::{Outcome, internal, parse_time};
use crate::partner_central::Shared;
use crate::partner_central::protocol::{AwsError, Code};
use crate::partner_central::store::Opportunity;
use crate::partner_central::validation::{self, Report, list_of, one_of};

/// Any other member (the CreatedDate and TargetCloseDate filters of newer API versions, …) is
/// refused rather than ignored: a silently unfiltered answer would pass a test that should
/// fail.
const SERVED_MEMBERS: [&str; 9] = [
    "Catalog",
    "MaxResults",
    "NextToken",
    "CustomerCompanyName",
    "Identifier",
    "LifeCycleStage",
    "LifeCycleReviewStatus",
    "LastModifiedDate",
    "Sort",
];

/// MaxResults must be 1–100 (same page); without it the fake pages by 20.
const MAX_RESULTS: u64 = 100;
const DEFAULT_RESULTS: usize = 20;

/// The filters of one request.
#[derive(Default)]
struct Filters<'a> {
    companies: Option<Vec<&'a str>>,
    ids: Option<Vec<&'a str>>,
    stages: Option<Vec<&'a str>>,
    statuses: Option<Vec<&'a str>>,
    after: Option<DateTime<Utc>>,
    before: Option<DateTime<Utc>>,
}

impl Filters<'_> {
    fn admit(&self, o: &Opportunity) -> bool {
        let among = |list: &Option<Vec<&str>>, value: Option<&str>| {
            list.as_ref()
                .is_none_or(|list| value.is_some_and(|v| list.contains(&v)))
        };
        among(&self.companies, o.company_name())
            && among(&self.ids, Some(&o.id))
            && among(&self.stages, stage(o))
            && among(&self.statuses, Some(o.review_status.as_str()))
            && self.after.is_none_or(|after| o.last_modified >= after)
            && self.before.is_none_or(|before| o.last_modified < before)
    }
}

fn stage(o: &Opportunity) -> Option<&str> {
    o.body.get("LifeCycle")?.get("Stage")?.as_str()
}

fn target_close_date(o: &Opportunity) -> Option<&str> {
    o.body.get("LifeCycle")?.get("TargetCloseDate")?.as_str()
}

fn strings<'a>(body: &'a Map<String, Value>, key: &str) -> Option<Vec<&'a str>> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
}

fn filters<'a>(r: &mut Report, body: &'a Map<String, Value>) -> Filters<'a> {
    list_of(r, body, "LifeCycleStage", "LifeCycleStage", Stage::values());
    let statuses = ReviewStatus::values();
    list_of(
        r,
        body,
        "LifeCycleReviewStatus",
        "LifeCycleReviewStatus",
        statuses,
    );
    for key in ["CustomerCompanyName", "Identifier"] {
        validation::array(r, body, key, key);
    }
    let mut filters = Filters {
        companies: strings(body, "CustomerCompanyName"),
        ids: strings(body, "Identifier"),
        stages: strings(body, "LifeCycleStage"),
        statuses: strings(body, "LifeCycleReviewStatus"),
        ..Filters::default()
    };
    if let Some(window) = validation::obj(r, body, "LastModifiedDate", "LastModifiedDate") {
        let mut bound = |key: &str| {
            let value = window.get(key).filter(|v| !v.is_null())?;
            let parsed = parse_time(Some(value));
            if parsed.is_none() {
                let path = format!("LastModifiedDate.{key}");
                r.request(
                    &path,
                    Code::InvalidValue,
                    format!("{path} must be an ISO 8601 date-time"),
                );
            }
            parsed
        };
        filters.after = bound("AfterLastModifiedDate");
        filters.before = bound("BeforeLastModifiedDate");
    }
    filters
}

/// `Sort{SortBy, SortOrder}`, both required when Sort is sent.
fn sort_key<'a>(r: &mut Report, body: &'a Map<String, Value>) -> Option<(&'a str, bool)> {
    let sort = validation::obj(r, body, "Sort", "Sort")?;
    for key in ["SortBy", "SortOrder"] {
        if sort.get(key).is_none_or(Value::is_null) {
            let path = format!("Sort.{key}");
            r.request(
                &path,
                Code::RequiredFieldMissing,
                format!("{path} is required"),
            );
        }
    }
    let by = one_of(
        r,
        sort,
        "SortBy",
        "Sort.SortBy",
        OpportunitySortName::values(),
    )?;
    let order = one_of(r, sort, "SortOrder", "Sort.SortOrder", SortOrder::values())?;
    Some((by, order == SortOrder::Descending.as_str()))
}

/// Orders by the sort member; absent values last, ties by id so pages are stable.
fn compare(by: &str, a: &Opportunity, b: &Opportunity) -> Ordering {
    let absent_last = |x: Option<&str>, y: Option<&str>| match (x, y) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let primary = match OpportunitySortName::from(by) {
        OpportunitySortName::LastModifieddate => a.last_modified.cmp(&b.last_modified),
        OpportunitySortName::CreatedDate => a.created.cmp(&b.created),
        OpportunitySortName::CustomerCompanyName => absent_last(a.company_name(), b.company_name()),
        OpportunitySortName::TargetCloseDate => {
            absent_last(target_close_date(a), target_close_date(b))
        }
        _ => Ordering::Equal,
    };
    primary.then_with(|| a.id.cmp(&b.id))
}

fn page_bounds(r: &mut Report, body: &Map<String, Value>) -> (usize, usize) {
    let max = match body.get("MaxResults").filter(|v| !v.is_null()) {
        None => DEFAULT_RESULTS,
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
    (offset, max)
}

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
    let filters = filters(&mut r, body);
    let sort = sort_key(&mut r, body);
    let (offset, max) = page_bounds(&mut r, body);
    r.request_result()?;
    let catalog = catalog.ok_or_else(|| internal("catalog validated"))?;

    let store = shared.settled();
    let mut matches: Vec<&Opportunity> = store
        .opportunities
        .values()
        .filter(|o| o.catalog == catalog && filters.admit(o))
        .collect();
    match sort {
        Some((by, descending)) => matches.sort_by(|a, b| {
            let order = compare(by, a, b);
            if descending { order.reverse() } else { order }
        }),
        // Without Sort: newest change first.
        None => matches.sort_by(|a, b| compare("LastModifiedDate", b, a)),
    }
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
