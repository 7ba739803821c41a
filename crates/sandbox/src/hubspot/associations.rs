//! Associations v4 endpoints, and the `associations` array of v3 create requests.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::model::{self, ObjectType};
use super::routes::{Rejected, input_ids, parse_json};
use super::store::{Store, iso};
use super::{Shared, errors};
use crate::lock;

/// v4 batch association reads accept far more inputs than v3 object batches.
pub(crate) const ASSOCIATION_BATCH_LIMIT: usize = 1_000;

/// v4 paginates associations; 500 is its maximum page size.
const DEFAULT_PAGE: usize = 500;

/// v4 ids are JSON numbers (v3 ids are strings): a classic source of mapping bugs.
fn numeric_id(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

fn v4_entries(store: &Store, from: ObjectType, id: &str, to: ObjectType) -> Vec<Value> {
    store
        .linked(from, id, to)
        .into_iter()
        .map(|(other, primary)| {
            let types: Vec<Value> = model::association_types(from, to, primary)
                .into_iter()
                .map(|def| {
                    json!({
                        "category": "HUBSPOT_DEFINED",
                        "typeId": def.type_id,
                        "label": def.label,
                    })
                })
                .collect();
            json!({ "toObjectId": numeric_id(&other), "associationTypes": types })
        })
        .collect()
}

fn kinds(from: &str, to: &str) -> Result<(ObjectType, ObjectType), Rejected> {
    let from_kind =
        ObjectType::parse(from).ok_or_else(|| Box::new(errors::unknown_object_type(from)))?;
    let to_kind = ObjectType::parse(to).ok_or_else(|| Box::new(errors::unknown_object_type(to)))?;
    Ok((from_kind, to_kind))
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Path((from, id, to)): Path<(String, String, String)>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let (from_kind, to_kind) = match kinds(&from, &to) {
        Ok(pair) => pair,
        Err(response) => return *response,
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let limit = param("limit")
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, DEFAULT_PAGE);
    let after = param("after").unwrap_or(0);
    let store = lock(&shared.store);
    if store.live(from_kind, &id).is_none() {
        return errors::not_found(&id);
    }
    let all = v4_entries(&store, from_kind, &id, to_kind);
    let page: Vec<Value> = all.iter().skip(after).take(limit).cloned().collect();
    let mut out = json!({ "results": page });
    if after + limit < all.len() {
        let next = (after + limit).to_string();
        out["paging"] = json!({ "next": { "after": next } });
    }
    Json(out).into_response()
}

pub(crate) async fn batch_read(
    State(shared): State<Arc<Shared>>,
    Path((from, to)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (from_kind, to_kind) = match kinds(&from, &to) {
        Ok(pair) => pair,
        Err(response) => return *response,
    };
    let body = match parse_json(&body) {
        Ok(body) => body,
        Err(response) => return *response,
    };
    let ids = match input_ids(&body, ASSOCIATION_BATCH_LIMIT) {
        Ok(ids) => ids,
        Err(response) => return *response,
    };
    let started = iso(Utc::now());
    let store = lock(&shared.store);
    let mut results = Vec::new();
    let mut errors_out = Vec::new();
    for id in ids {
        let entries = if store.live(from_kind, &id).is_some() {
            v4_entries(&store, from_kind, &id, to_kind)
        } else {
            Vec::new()
        };
        if entries.is_empty() {
            // HubSpot reports "nothing associated" per input instead of an empty `to` list.
            errors_out.push(json!({
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "context": { "fromObjectId": [id] },
                "message": format!("No {} is associated with {} {id}.", to_kind.singular(), from_kind.singular()),
            }));
        } else {
            results.push(json!({ "from": { "id": id }, "to": entries }));
        }
    }
    let mut out = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": iso(Utc::now()),
    });
    if errors_out.is_empty() {
        return Json(out).into_response();
    }
    out["numErrors"] = json!(errors_out.len());
    out["errors"] = Value::Array(errors_out);
    (StatusCode::MULTI_STATUS, Json(out)).into_response()
}

/// Parses the v3 create `associations` array:
/// `[{"to":{"id":"1"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":214}]}]`.
/// Every target must exist and every type id must be defined for `from`.
pub(crate) fn creation_links(
    store: &Store,
    from: ObjectType,
    associations: Option<&Value>,
) -> Result<Vec<(ObjectType, String, bool)>, Rejected> {
    let Some(value) = associations else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = value else {
        return Err(Box::new(errors::bad_request(
            "Invalid input JSON: `associations` must be an array",
        )));
    };
    let mut links = Vec::new();
    for item in items {
        let to_id = match item.pointer("/to/id") {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(Box::new(errors::bad_request(
                    "Each association needs `to.id`",
                )));
            }
        };
        let Some(Value::Array(types)) = item.get("types") else {
            return Err(Box::new(errors::bad_request(
                "Each association needs a `types` array",
            )));
        };
        if types.is_empty() {
            return Err(Box::new(errors::bad_request(
                "Each association needs at least one type",
            )));
        }
        for spec in types {
            let category = spec.get("associationCategory").and_then(Value::as_str);
            if category != Some("HUBSPOT_DEFINED") {
                return Err(Box::new(errors::bad_request(format!(
                    "associationCategory must be HUBSPOT_DEFINED in the sandbox, got {category:?}"
                ))));
            }
            let type_id = spec
                .get("associationTypeId")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok());
            let Some(def) = type_id.and_then(|id| model::association_by_id(from, id)) else {
                return Err(Box::new(errors::bad_request(format!(
                    "associationTypeId {type_id:?} is not a valid {} association type",
                    from.singular()
                ))));
            };
            if store.live(def.to, &to_id).is_none() {
                return Err(Box::new(errors::bad_request(format!(
                    "Association target {} {to_id} does not exist",
                    def.to.singular()
                ))));
            }
            links.push((def.to, to_id.clone(), def.primary));
        }
    }
    Ok(links)
}
