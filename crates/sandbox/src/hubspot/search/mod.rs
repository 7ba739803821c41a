//! `POST /crm/v3/objects/{objectType}/search`
//! (<https://developers.hubspot.com/docs/api/crm/search>): filter groups OR'ed, the filters of
//! a group AND'ed, one sort rule, `limit`/`after` paging, and HubSpot's limits (five groups,
//! six filters in a group, eighteen in all, 200 results a page, 10 000 reachable by paging)
//! answered with 400 `VALIDATION_ERROR`. The endpoint's own rate limit (five requests a
//! second per account) is enforced by the gate in `mod.rs`.
//!
//! Choices where HubSpot documents nothing: a filter or sort on a property the object type
//! does not have is refused (400) rather than matching nothing, so a misspelt name fails a
//! test; without `sorts`, results come in id order; free-text `query` is not implemented (400).

mod matching;
mod request;

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Shared;
use super::errors;
use super::model::ObjectType;
use super::routes::{kind_or_400, parse_json, render};
use super::store::{CrmObject, Store};
use crate::lock;
use matching::{ValueKind, compare, matches, millis, value_kind};
use request::{Filter, MAX_RESULTS, SearchRequest};

/// Each filter with how its property compares, or a 400 naming the first problem.
fn resolve<'a>(
    store: &Store,
    kind: ObjectType,
    request: &'a SearchRequest,
) -> Result<Vec<Vec<(&'a Filter, ValueKind)>>, String> {
    let unknown =
        |property: &str| format!("Property {property:?} does not exist on {}", kind.plural());
    request
        .groups
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|filter| {
                    let value_kind = value_kind(store, kind, &filter.property)
                        .ok_or_else(|| unknown(&filter.property))?;
                    if value_kind == ValueKind::Time {
                        let sent = filter
                            .value
                            .iter()
                            .chain(&filter.high_value)
                            .chain(&filter.values);
                        if let Some(bad) = sent.into_iter().find(|v| millis(v).is_none()) {
                            return Err(format!(
                                "{bad:?} is not a valid date-time for {}: use epoch milliseconds or ISO 8601",
                                filter.property
                            ));
                        }
                    }
                    Ok((filter, value_kind))
                })
                .collect()
        })
        .collect()
}

/// Orders by the sort property: values in order, objects without one last, ties in id order.
fn sort_objects(objects: &mut [&CrmObject], property: &str, kind: ValueKind, descending: bool) {
    objects.sort_by(|a, b| {
        let value = |o: &CrmObject| {
            o.properties
                .get(property)
                .cloned()
                .flatten()
                .filter(|v| !v.is_empty())
        };
        match (value(a), value(b)) {
            (Some(x), Some(y)) => {
                let order = compare(kind, &x, &y).unwrap_or(Ordering::Equal);
                if descending { order.reverse() } else { order }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    });
}

fn run(store: &Store, kind: ObjectType, request: &SearchRequest) -> Result<Value, String> {
    let groups = resolve(store, kind, request)?;
    let sort = match &request.sort {
        Some(sort) => {
            let value_kind = value_kind(store, kind, &sort.property).ok_or_else(|| {
                format!(
                    "Property {:?} does not exist on {}",
                    sort.property,
                    kind.plural()
                )
            })?;
            Some((sort, value_kind))
        }
        None => None,
    };
    let mut found: Vec<&CrmObject> = store
        .live_of(kind)
        .into_iter()
        .filter(|object| {
            groups.is_empty()
                || groups.iter().any(|group| {
                    group
                        .iter()
                        .all(|(filter, value_kind)| matches(object, filter, *value_kind))
                })
        })
        .collect();
    if let Some((sort, value_kind)) = sort {
        sort_objects(&mut found, &sort.property, value_kind, sort.descending);
    }
    let total = found.len();
    let reachable = total.min(MAX_RESULTS);
    let end = (request.after + request.limit).min(reachable);
    let results: Vec<Value> = found
        .get(request.after..end)
        .unwrap_or_default()
        .iter()
        .map(|object| render(store, kind, object, request.properties.as_deref(), None))
        .collect();
    let mut out = json!({ "total": total, "results": results });
    if end < reachable {
        out["paging"] = json!({ "next": { "after": end.to_string() } });
    }
    Ok(out)
}

pub(crate) async fn search(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let kind = match kind_or_400(&object_type) {
        Ok(kind) => kind,
        Err(response) => return *response,
    };
    let body = match parse_json(&body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let answer = request::parse(&body).and_then(|request| {
        let store = lock(&shared.store);
        run(&store, kind, &request)
    });
    match answer {
        Ok(out) => Json(out).into_response(),
        Err(message) => errors::bad_request(message),
    }
}
