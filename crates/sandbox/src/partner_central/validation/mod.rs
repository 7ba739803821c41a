//! Field rules for CreateOpportunity / UpdateOpportunity payloads, as the API reference states
//! them for each member (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_CreateOpportunity.html>
//! and the data types it links: Account, Address, Contact, Project, ExpectedCustomerSpend,
//! LifeCycle).
//!
//! Two passes, like the service: shape rules (types, enums, lengths, patterns, schema-required
//! members) answer `REQUEST_VALIDATION_FAILED`; only a payload that passes them is checked for
//! business rules (submission-required fields, dates in the past, cross-field rules), which
//! answer `BUSINESS_VALIDATION_FAILED`. Field names are dotted paths with list indexes, e.g.
//! `Project.ExpectedCustomerSpend[0].Amount`.

use serde_json::{Map, Value};

use super::protocol::{AwsError, Code, FieldError, Reason};

mod business;
mod project;
mod shape;

pub(crate) use business::{business, normalize};
pub(crate) use shape::{catalog, create_shape, payload_shape};

/// Collects field errors of both passes.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub request: Vec<FieldError>,
    pub business: Vec<FieldError>,
}

impl Report {
    pub(crate) fn request(
        &mut self,
        field: impl Into<String>,
        code: Code,
        message: impl Into<String>,
    ) {
        self.request.push(FieldError::new(field, code, message));
    }

    pub(crate) fn business(
        &mut self,
        field: impl Into<String>,
        code: Code,
        message: impl Into<String>,
    ) {
        self.business.push(FieldError::new(field, code, message));
    }

    /// Request errors win: the service stops before business rules when the shape is wrong.
    pub(crate) fn request_result(&mut self) -> Result<(), AwsError> {
        if self.request.is_empty() {
            Ok(())
        } else {
            Err(AwsError::validation(
                Reason::RequestValidationFailed,
                std::mem::take(&mut self.request),
            ))
        }
    }

    pub(crate) fn business_result(&mut self) -> Result<(), AwsError> {
        if self.business.is_empty() {
            Ok(())
        } else {
            Err(AwsError::validation(
                Reason::BusinessValidationFailed,
                std::mem::take(&mut self.business),
            ))
        }
    }
}

// ----- typed access with shape errors --------------------------------------------------------

pub(super) fn child<'a>(parent: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    parent.get(key).filter(|v| !v.is_null())
}

pub(super) fn obj<'a>(
    r: &mut Report,
    parent: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Option<&'a Map<String, Value>> {
    match child(parent, key)? {
        Value::Object(map) => Some(map),
        _ => {
            r.request(
                path,
                Code::InvalidValue,
                format!("{path} must be an object"),
            );
            None
        }
    }
}

pub(super) fn array<'a>(
    r: &mut Report,
    parent: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Option<&'a Vec<Value>> {
    match child(parent, key)? {
        Value::Array(items) => Some(items),
        _ => {
            r.request(path, Code::InvalidValue, format!("{path} must be a list"));
            None
        }
    }
}

pub(super) fn string<'a>(
    r: &mut Report,
    parent: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Option<&'a str> {
    match child(parent, key)? {
        Value::String(s) => Some(s),
        _ => {
            r.request(path, Code::InvalidValue, format!("{path} must be a string"));
            None
        }
    }
}

/// A string member checked for length (in characters, as `(?s).{min,max}` counts them).
pub(super) fn text<'a>(
    r: &mut Report,
    parent: &'a Map<String, Value>,
    key: &str,
    path: &str,
    max: usize,
) -> Option<&'a str> {
    let value = string(r, parent, key, path)?;
    let len = value.chars().count();
    if len > max {
        r.request(
            path,
            Code::InvalidStringFormat,
            format!("{path} must be at most {max} characters (got {len})"),
        );
    }
    Some(value)
}

pub(super) fn one_of<'a>(
    r: &mut Report,
    parent: &'a Map<String, Value>,
    key: &str,
    path: &str,
    allowed: &[&str],
) -> Option<&'a str> {
    let value = string(r, parent, key, path)?;
    if !allowed.contains(&value) {
        r.request(
            path,
            Code::InvalidEnumValue,
            format!(
                "{path} has invalid value \"{value}\"; valid values: {}",
                allowed.join(" | ")
            ),
        );
    }
    Some(value)
}

pub(super) fn list_of(
    r: &mut Report,
    parent: &Map<String, Value>,
    key: &str,
    path: &str,
    allowed: &[&str],
) -> Option<usize> {
    let items = array(r, parent, key, path)?;
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match item.as_str() {
            Some(value) if allowed.contains(&value) => {}
            Some(value) => r.request(
                &item_path,
                Code::InvalidEnumValue,
                format!(
                    "{item_path} has invalid value \"{value}\"; valid values: {}",
                    allowed.join(" | ")
                ),
            ),
            None => r.request(
                &item_path,
                Code::InvalidValue,
                format!("{item_path} must be a string"),
            ),
        }
    }
    Some(items.len())
}

pub(super) fn missing(value: Option<&str>) -> bool {
    value.is_none_or(|v| v.trim().is_empty())
}
