//! Unique-value properties ("require unique values",
//! <https://knowledge.hubspot.com/properties/create-and-edit-properties>): a property defined
//! with `hasUniqueValue` holds each value on at most one live object of its type, enforced on
//! every API create and update (seeding through the handle is trusted and bypasses it).
//!
//! HubSpot refuses a write that would duplicate a value with 400 `VALIDATION_ERROR` and no
//! `errors[]`, naming the object written and the one that holds the value, in the shape its
//! API answers for unique values (as captured in integrations' bug reports):
//! `Cannot set PropertyValueCoordinates{portalId=62515, objectTypeId=ObjectTypeId{legacyObjectType=DEAL},
//! propertyName=aws_invitation_id, value=engi-…} on 10007. 10003 already has that value.` On a
//! create the first id is the one the new object was being given (consumed, never created).
//! Values compare exactly; empty and null values are never duplicates.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;

use super::errors;
use super::model::ObjectType;
use super::store::Store;

/// A write that would give a second object a unique property's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    pub property: String,
    pub value: String,
    /// The live object that already holds the value.
    pub holder: String,
}

/// The first unique-value property among `written` that another live object of `kind`
/// (other than `writer`, the object being updated) already holds.
pub(crate) fn duplicate(
    store: &Store,
    kind: ObjectType,
    writer: Option<&str>,
    written: &BTreeMap<String, Option<String>>,
) -> Option<Duplicate> {
    written.iter().find_map(|(property, value)| {
        let value = value.as_deref().filter(|v| !v.is_empty())?;
        if !store
            .definition(kind, property)
            .is_some_and(|d| d.has_unique_value)
        {
            return None;
        }
        let holder = store.live_of(kind).into_iter().find(|object| {
            Some(object.id.as_str()) != writer
                && object
                    .properties
                    .get(property)
                    .cloned()
                    .flatten()
                    .as_deref()
                    == Some(value)
        })?;
        Some(Duplicate {
            property: property.clone(),
            value: value.to_owned(),
            holder: holder.id.clone(),
        })
    })
}

/// HubSpot's 400 for a duplicate value written to object `target`.
pub(crate) fn refusal(portal_id: u64, kind: ObjectType, target: &str, d: &Duplicate) -> Response {
    errors::error(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        format!(
            "Cannot set PropertyValueCoordinates{{portalId={portal_id}, objectTypeId=ObjectTypeId{{legacyObjectType={}}}, propertyName={}, value={}}} on {target}. {} already has that value.",
            kind.shout(),
            d.property,
            d.value,
            d.holder
        ),
        Vec::new(),
    )
}
