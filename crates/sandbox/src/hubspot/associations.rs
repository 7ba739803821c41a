//! The `associations` array of v3 create requests (how the processor links a new note to its
//! deal): `[{"to":{"id":"1"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":214}]}]`.

use serde_json::Value;

use super::errors;
use super::model::{self, ObjectType};
use super::routes::Rejected;
use super::store::Store;

/// The links to make. Every target must exist and every type id must be defined for `from`.
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
