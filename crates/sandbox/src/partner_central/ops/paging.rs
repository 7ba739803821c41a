//! What the task and invitation List operations share: string-list filters, `Sort` with one
//! sort name, and `MaxResults` / opaque `NextToken` paging (offsets in the fake).

use aws_sdk_partnercentralselling::types::SortOrder;
use serde_json::{Map, Value, json};

use crate::partner_central::protocol::Code;
use crate::partner_central::validation::{Report, one_of};

/// Without MaxResults the fake pages by 20.
const DEFAULT_RESULTS: usize = 20;

/// A string-list filter member; `None` = not filtering on it.
pub(super) fn filter<'a>(
    r: &mut Report,
    body: &'a Map<String, Value>,
    key: &str,
) -> Option<Vec<&'a str>> {
    match body.get(key).filter(|v| !v.is_null())? {
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).collect()),
        _ => {
            r.request(key, Code::InvalidValue, format!("{key} must be a list"));
            None
        }
    }
}

/// Whether a filter admits a value (no filter admits everything).
pub(super) fn admits(list: Option<&Vec<&str>>, value: Option<&str>) -> bool {
    list.is_none_or(|list| value.is_some_and(|v| list.contains(&v)))
}

/// `Sort{SortBy, SortOrder}` → descending? Without Sort: newest first (a poller wants the
/// latest task or invitation).
pub(super) fn descending(r: &mut Report, body: &Map<String, Value>, sort_names: &[&str]) -> bool {
    let Some(Value::Object(sort)) = body.get("Sort").filter(|v| !v.is_null()) else {
        return true;
    };
    one_of(r, sort, "SortBy", "Sort.SortBy", sort_names);
    let order = one_of(r, sort, "SortOrder", "Sort.SortOrder", SortOrder::values());
    order != Some(SortOrder::Ascending.as_str())
}

/// `(offset, page size)` from `NextToken` (issued as `<prefix><offset>`) and `MaxResults`
/// (1–`max_results`).
pub(super) fn page_bounds(
    r: &mut Report,
    body: &Map<String, Value>,
    max_results: u64,
    token_prefix: &str,
) -> (usize, usize) {
    let max = match body.get("MaxResults").filter(|v| !v.is_null()) {
        None => DEFAULT_RESULTS,
        Some(value) => match value.as_u64().filter(|n| (1..=max_results).contains(n)) {
            Some(n) => usize::try_from(n).unwrap_or(DEFAULT_RESULTS),
            None => {
                r.request(
                    "MaxResults",
                    Code::InvalidValue,
                    format!("MaxResults must be between 1 and {max_results}"),
                );
                DEFAULT_RESULTS
            }
        },
    };
    let offset = match body.get("NextToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => token
            .strip_prefix(token_prefix)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| {
                r.request(
                    "NextToken",
                    Code::InvalidValue,
                    "NextToken was not issued by this service",
                );
                0
            }),
    };
    (offset, max)
}

/// One page of `items` under `key`, with a NextToken when more follow.
pub(super) fn page(
    key: &str,
    items: &[Value],
    (offset, max): (usize, usize),
    token_prefix: &str,
) -> Value {
    let page: Vec<Value> = items.iter().skip(offset).take(max).cloned().collect();
    let mut out = json!({ key: page });
    if offset + max < items.len() {
        out["NextToken"] = json!(format!("{token_prefix}{}", offset + max));
    }
    out
}
