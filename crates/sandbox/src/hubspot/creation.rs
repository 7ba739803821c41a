//! What HubSpot requires and fills in when an object is created through the API, beyond the
//! property schema every write is checked against:
//!
//! - Notes and tasks are engagements placed on the timeline by `hs_timestamp` (for a task, its
//!   due date): required ("hs_timestamp: Required", tasks guide,
//!   <https://developers.hubspot.com/docs/api/crm/tasks>; notes guide,
//!   <https://developers.hubspot.com/docs/api/crm/notes>).
//! - A task created without `hs_task_status` starts `NOT_STARTED`.
//! - A deal created without `pipeline` goes to the default pipeline ("If a pipeline isn't
//!   specified, the default pipeline will be used", <https://developers.hubspot.com/docs/api/crm/deals>).

use std::collections::BTreeMap;

use super::errors;
use super::model::{ObjectType, TASK_STATUS_OPTIONS};
use super::pipelines::DEFAULT_PIPELINE;
use super::routes::Rejected;
use super::store::PropertyError;

fn is_set(properties: &BTreeMap<String, Option<String>>, name: &str) -> bool {
    properties
        .get(name)
        .is_some_and(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
}

/// Checks the create-only requirements and adds HubSpot's defaults.
pub(crate) fn prepare(
    kind: ObjectType,
    properties: &mut BTreeMap<String, Option<String>>,
) -> Result<(), Rejected> {
    if matches!(kind, ObjectType::Note | ObjectType::Task) && !is_set(properties, "hs_timestamp") {
        return Err(Box::new(errors::property_errors(&[PropertyError {
            name: "hs_timestamp".to_owned(),
            code: "REQUIRED_PROPERTY",
            message: format!(
                "Property \"hs_timestamp\" is required when creating a {}",
                kind.singular()
            ),
        }])));
    }
    let mut default = |name: &str, value: &str| {
        if !is_set(properties, name) {
            properties.insert(name.to_owned(), Some(value.to_owned()));
        }
    };
    match kind {
        ObjectType::Task => default("hs_task_status", TASK_STATUS_OPTIONS[0]),
        ObjectType::Deal => default("pipeline", DEFAULT_PIPELINE),
        _ => {}
    }
    Ok(())
}
