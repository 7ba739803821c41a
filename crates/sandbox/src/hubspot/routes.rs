//! The CRM v3 object endpoints.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::model::{self, ObjectType};
use super::store::{CrmObject, Store, iso};
use super::{Shared, associations, creation, errors, unique};
use crate::lock;

/// The v3 object batch endpoints take at most 100 inputs per request (batch section of
/// <https://developers.hubspot.com/docs/guides/crm/using-object-apis>).
const BATCH_READ_LIMIT: usize = 100;

type Params = Query<Vec<(String, String)>>;

/// An early HTTP reply from a helper (boxed: `Response` is large and clippy objects to it in
/// `Err`).
pub(crate) type Rejected = Box<Response>;

/// Comma-separated and repeated forms are both accepted (`properties=a,b&properties=c`).
pub(crate) fn list_param(params: &[(String, String)], name: &str) -> Option<Vec<String>> {
    let values: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    (!values.is_empty()).then_some(values)
}

pub(crate) fn parse_json(body: &Bytes) -> Result<Map<String, Value>, Rejected> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Box::new(errors::bad_request(
            "Invalid input JSON: expected an object",
        ))),
        Err(e) => Err(Box::new(errors::bad_request(format!(
            "Invalid input JSON on line {}, column {}: {e}",
            e.line(),
            e.column()
        )))),
    }
}

/// The v3 object JSON. Requested properties that are defined but unset come back as `null`;
/// names that are not defined at all are silently left out (HubSpot does not error on them).
pub(crate) fn render(
    store: &Store,
    kind: ObjectType,
    object: &CrmObject,
    properties: Option<&[String]>,
    associations: Option<&[ObjectType]>,
) -> Value {
    let mut names: Vec<String> = match properties {
        Some(list) => list
            .iter()
            .cloned()
            .chain(
                [
                    "hs_object_id",
                    kind.created_property(),
                    kind.modified_property(),
                ]
                .map(str::to_owned),
            )
            .collect(),
        None => kind
            .default_properties()
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    names.sort();
    names.dedup();
    let mut props = Map::new();
    for name in names {
        let stored = object.properties.get(&name);
        if stored.is_none() && !store.is_defined(kind, &name) {
            continue;
        }
        let value = stored.cloned().flatten().map_or(Value::Null, Value::String);
        props.insert(name, value);
    }
    let mut out = json!({
        "id": object.id,
        "properties": props,
        "createdAt": iso(object.created_at),
        "updatedAt": iso(object.updated_at),
        "archived": object.archived,
    });
    if let Some(kinds) = associations {
        let mut map = Map::new();
        for to in kinds {
            let results: Vec<Value> = store
                .linked(kind, &object.id, *to)
                .into_iter()
                .flat_map(|(id, primary)| {
                    model::association_types(kind, *to, primary)
                        .into_iter()
                        .map(move |def| json!({ "id": id, "type": def.v3_name }))
                })
                .collect();
            // HubSpot leaves out association kinds that have no results.
            if !results.is_empty() {
                map.insert(to.plural().to_owned(), json!({ "results": results }));
            }
        }
        if !map.is_empty() {
            out["associations"] = Value::Object(map);
        }
    }
    out
}

pub(crate) fn kind_or_400(segment: &str) -> Result<ObjectType, Rejected> {
    ObjectType::parse(segment).ok_or_else(|| Box::new(errors::unknown_object_type(segment)))
}

pub(crate) async fn get_object(
    State(shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
    Query(params): Params,
) -> Response {
    let kind = match kind_or_400(&object_type) {
        Ok(kind) => kind,
        Err(response) => return *response,
    };
    let properties = list_param(&params, "properties");
    let mut assoc_kinds: Vec<ObjectType> = list_param(&params, "associations")
        .unwrap_or_default()
        .iter()
        .filter_map(|s| ObjectType::parse(s))
        .collect();
    assoc_kinds.dedup();
    let store = lock(&shared.store);
    match store.live(kind, &id) {
        Some(object) => Json(render(
            &store,
            kind,
            object,
            properties.as_deref(),
            (!assoc_kinds.is_empty()).then_some(assoc_kinds.as_slice()),
        ))
        .into_response(),
        None => errors::not_found(&id),
    }
}

/// Validates a `{"properties": {..}}` body against the schema.
fn checked_properties(
    store: &Store,
    kind: ObjectType,
    body: &Map<String, Value>,
) -> Result<BTreeMap<String, Option<String>>, Rejected> {
    let Some(Value::Object(properties)) = body.get("properties") else {
        return Err(Box::new(errors::bad_request(
            "Invalid input JSON: `properties` must be an object of property name to string value",
        )));
    };
    store
        .check_properties(kind, properties)
        .map_err(|problems| Box::new(errors::property_errors(&problems)))
}

pub(crate) async fn patch_object(
    State(shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
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
    let portal_id = lock(&shared.control).portal_id;
    let mut store = lock(&shared.store);
    if store.live(kind, &id).is_none() {
        return errors::not_found(&id);
    }
    let accepted = match checked_properties(&store, kind, &body) {
        Ok(accepted) => accepted,
        Err(response) => return *response,
    };
    if let Some(duplicate) = unique::duplicate(&store, kind, Some(&id), &accepted) {
        return unique::refusal(portal_id, kind, &id, &duplicate);
    }
    let names: Vec<String> = accepted.keys().cloned().collect();
    match store.patch(kind, &id, accepted, Utc::now()) {
        Some(object) => Json(render(&store, kind, &object, Some(&names), None)).into_response(),
        None => errors::not_found(&id),
    }
}

pub(crate) async fn create_object(
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
    let portal_id = lock(&shared.control).portal_id;
    let mut store = lock(&shared.store);
    let mut accepted = match checked_properties(&store, kind, &body) {
        Ok(accepted) => accepted,
        Err(response) => return *response,
    };
    if let Err(response) = creation::prepare(kind, &mut accepted) {
        return *response;
    }
    let links = match associations::creation_links(&store, kind, body.get("associations")) {
        Ok(links) => links,
        Err(response) => return *response,
    };
    if let Some(duplicate) = unique::duplicate(&store, kind, None, &accepted) {
        // HubSpot names the id the new object was being given; it is never used.
        let abandoned = store.allocate_id();
        return unique::refusal(portal_id, kind, &abandoned, &duplicate);
    }
    let names: Vec<String> = accepted.keys().cloned().collect();
    let object = store.create(kind, accepted, Utc::now());
    for (to, to_id, primary) in links {
        store.associate((kind, object.id.clone()), (to, to_id), primary);
    }
    (
        StatusCode::CREATED,
        Json(render(&store, kind, &object, Some(&names), None)),
    )
        .into_response()
}

/// `inputs: [{"id": ".."}]` → ids, or a 400 naming what is wrong.
fn input_ids(body: &Map<String, Value>) -> Result<Vec<String>, Rejected> {
    let limit = BATCH_READ_LIMIT;
    let Some(Value::Array(inputs)) = body.get("inputs") else {
        return Err(Box::new(errors::bad_request(
            "Invalid input JSON: `inputs` must be an array",
        )));
    };
    if inputs.len() > limit {
        return Err(Box::new(errors::error(
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            format!("Too many inputs: {} > {limit}", inputs.len()),
            vec![json!({
                "message": format!("inputs may contain at most {limit} items"),
                "code": "TOO_MANY_INPUTS",
                "context": { "limit": [limit.to_string()] },
            })],
        )));
    }
    inputs
        .iter()
        .map(|input| match input.get("id") {
            Some(Value::String(id)) => Ok(id.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(Box::new(errors::bad_request(
                "Invalid input JSON: each input must be {\"id\": \"<object id>\"}",
            ))),
        })
        .collect()
}

pub(crate) async fn batch_read(
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
    let ids = match input_ids(&body) {
        Ok(ids) => ids,
        Err(response) => return *response,
    };
    let properties: Option<Vec<String>> = match body.get("properties") {
        Some(Value::Array(list)) => Some(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    };
    let started = iso(Utc::now());
    let store = lock(&shared.store);
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for id in ids {
        match store.live(kind, &id) {
            Some(object) => results.push(render(&store, kind, object, properties.as_deref(), None)),
            None => missing.push(id),
        }
    }
    let mut out = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": iso(Utc::now()),
    });
    if missing.is_empty() {
        return Json(out).into_response();
    }
    // Partial success is a 207 with the missing ids listed, never a 404.
    out["numErrors"] = json!(1);
    out["errors"] = json!([{
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": format!("Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.", kind.shout()),
        "context": { "ids": missing },
    }]);
    (StatusCode::MULTI_STATUS, Json(out)).into_response()
}

pub(crate) async fn fallback() -> Response {
    errors::error(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        "The sandbox HubSpot fake has no such endpoint",
        Vec::new(),
    )
}
