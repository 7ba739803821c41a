//! The CRM properties API v3 for the object types the fake knows: read, create and update
//! property groups and property definitions
//! (<https://developers.hubspot.com/docs/api/crm/properties>). Properties are never archived
//! here: nothing in the sync deletes them.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::errors;
use super::model::ObjectType;
use super::properties::{Definition, Group};
use super::routes::{Rejected, parse_json};
use crate::lock;

fn kind_or_400(segment: &str) -> Result<ObjectType, Rejected> {
    ObjectType::parse(segment).ok_or_else(|| Box::new(errors::unknown_object_type(segment)))
}

fn not_found(message: String) -> Response {
    errors::error(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        message,
        Vec::new(),
    )
}

fn conflict(message: String) -> Response {
    errors::error(
        StatusCode::CONFLICT,
        "OBJECT_ALREADY_EXISTS",
        message,
        Vec::new(),
    )
}

pub(crate) async fn get_group(
    State(shared): State<Arc<Shared>>,
    Path((object_type, name)): Path<(String, String)>,
) -> Response {
    let kind = match kind_or_400(&object_type) {
        Ok(kind) => kind,
        Err(response) => return *response,
    };
    match lock(&shared.store).group(kind, &name) {
        Some(group) => Json(group.to_json()).into_response(),
        None => not_found(format!("Unable to find property group {name}")),
    }
}

pub(crate) async fn create_group(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let (kind, body) = match kind_or_400(&object_type).and_then(|k| Ok((k, parse_json(&body)?))) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let Some(name) = body.get("name").and_then(|n| n.as_str()).map(str::to_owned) else {
        return errors::bad_request("Invalid input JSON: `name` is required");
    };
    if !body.contains_key("label") {
        return errors::bad_request("Invalid input JSON: `label` is required");
    }
    let mut store = lock(&shared.store);
    if store.group(kind, &name).is_some() {
        return conflict(format!("A property group named '{name}' already exists."));
    }
    let mut group = Group {
        name,
        label: String::new(),
        display_order: -1,
    };
    if let Err(message) = group.apply(&body) {
        return errors::bad_request(message);
    }
    store.put_group(kind, group.clone());
    (StatusCode::CREATED, Json(group.to_json())).into_response()
}

pub(crate) async fn update_group(
    State(shared): State<Arc<Shared>>,
    Path((object_type, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (kind, body) = match kind_or_400(&object_type).and_then(|k| Ok((k, parse_json(&body)?))) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let mut store = lock(&shared.store);
    let Some(mut group) = store.group(kind, &name).cloned() else {
        return not_found(format!("Unable to find property group {name}"));
    };
    if let Err(message) = group.apply(&body) {
        return errors::bad_request(message);
    }
    store.put_group(kind, group.clone());
    Json(group.to_json()).into_response()
}

pub(crate) async fn get_property(
    State(shared): State<Arc<Shared>>,
    Path((object_type, name)): Path<(String, String)>,
) -> Response {
    let kind = match kind_or_400(&object_type) {
        Ok(kind) => kind,
        Err(response) => return *response,
    };
    match lock(&shared.store).definition(kind, &name) {
        Some(definition) => Json(definition.to_json()).into_response(),
        None => not_found(format!("Unable to find property {name}")),
    }
}

pub(crate) async fn create_property(
    State(shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
    body: Bytes,
) -> Response {
    let (kind, body) = match kind_or_400(&object_type).and_then(|k| Ok((k, parse_json(&body)?))) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let definition = match Definition::from_create(&body) {
        Ok(definition) => definition,
        Err(message) => return errors::bad_request(message),
    };
    let mut store = lock(&shared.store);
    if store.definition(kind, &definition.name).is_some() {
        return conflict(format!(
            "Property named '{}' already exists.",
            definition.name
        ));
    }
    if store.group(kind, &definition.group_name).is_none() {
        return errors::bad_request(format!(
            "Property group {} does not exist",
            definition.group_name
        ));
    }
    store.put_definition(kind, definition.clone());
    (StatusCode::CREATED, Json(definition.to_json())).into_response()
}

pub(crate) async fn update_property(
    State(shared): State<Arc<Shared>>,
    Path((object_type, name)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let (kind, body) = match kind_or_400(&object_type).and_then(|k| Ok((k, parse_json(&body)?))) {
        Ok(parsed) => parsed,
        Err(response) => return *response,
    };
    let mut store = lock(&shared.store);
    let Some(mut definition) = store.definition(kind, &name).cloned() else {
        return not_found(format!("Unable to find property {name}"));
    };
    if definition.hubspot_defined && body.keys().any(|k| k != "label" && k != "description") {
        return errors::bad_request(format!(
            "Property {name} is defined by HubSpot; only its label and description can change"
        ));
    }
    if let Err(message) = definition.apply(&body) {
        return errors::bad_request(message);
    }
    if store.group(kind, &definition.group_name).is_none() {
        return errors::bad_request(format!(
            "Property group {} does not exist",
            definition.group_name
        ));
    }
    store.put_definition(kind, definition.clone());
    Json(definition.to_json()).into_response()
}
