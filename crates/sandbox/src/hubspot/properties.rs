//! Property definitions and groups, as the CRM properties API v3 holds them
//! (<https://developers.hubspot.com/docs/api/crm/properties>). Writes to objects are validated
//! against these definitions (see [`Definition::kind`]), and a property with `hasUniqueValue`
//! ("require unique values",
//! <https://knowledge.hubspot.com/properties/create-and-edit-properties>) holds each value on at
//! most one object of its type. Uniqueness is set when a property is created and cannot be
//! changed afterwards ("Only net new properties can be set to contain a unique value",
//! <https://developers.hubspot.com/changelog/unique-properties-for-contacts>), so PATCH
//! ignores `hasUniqueValue`.

use serde_json::{Map, Value, json};

use super::model::PropertyKind;

/// Which `fieldType`s HubSpot accepts for each `type` (the "Property type and fieldType values"
/// table of <https://developers.hubspot.com/docs/api/crm/properties>).
pub(crate) fn field_types(property_type: &str) -> Option<&'static [&'static str]> {
    Some(match property_type {
        "bool" => &["booleancheckbox", "calculation_equation"],
        "enumeration" => &[
            "booleancheckbox",
            "checkbox",
            "radio",
            "select",
            "calculation_equation",
        ],
        "date" | "datetime" => &["date"],
        "string" => &[
            "file",
            "text",
            "textarea",
            "calculation_equation",
            "html",
            "phonenumber",
        ],
        "number" => &["number", "calculation_equation"],
        "phone_number" => &["phonenumber"],
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropertyOption {
    pub label: String,
    pub value: String,
    pub description: String,
    pub display_order: i64,
    pub hidden: bool,
}

/// One property definition. `read_only_value` marks HubSpot-maintained properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Definition {
    pub name: String,
    pub label: String,
    pub property_type: String,
    pub field_type: String,
    pub group_name: String,
    pub description: String,
    pub options: Vec<PropertyOption>,
    pub display_order: i64,
    pub hubspot_defined: bool,
    pub read_only_value: bool,
    pub has_unique_value: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub name: String,
    pub label: String,
    pub display_order: i64,
}

impl Definition {
    /// A definition for a property of the fake's built-in schema (or one defined by seeding).
    pub(crate) fn builtin(name: &str, group: &str, kind: &PropertyKind, hubspot: bool) -> Self {
        let (property_type, field_type, options) = match kind {
            PropertyKind::String | PropertyKind::ReadOnly => ("string", "text", Vec::new()),
            PropertyKind::Number => ("number", "number", Vec::new()),
            PropertyKind::DateTime => ("datetime", "date", Vec::new()),
            PropertyKind::Enumeration(values) => ("enumeration", "select", values.clone()),
            PropertyKind::MultiEnumeration(values) => ("enumeration", "checkbox", values.clone()),
        };
        Self {
            name: name.to_owned(),
            label: name.to_owned(),
            property_type: property_type.to_owned(),
            field_type: field_type.to_owned(),
            group_name: group.to_owned(),
            description: String::new(),
            options: options
                .into_iter()
                .zip(0..)
                .map(|(value, display_order)| PropertyOption {
                    label: value.clone(),
                    value,
                    description: String::new(),
                    display_order,
                    hidden: false,
                })
                .collect(),
            display_order: -1,
            hubspot_defined: hubspot,
            read_only_value: *kind == PropertyKind::ReadOnly,
            has_unique_value: false,
        }
    }

    /// How object writes of this property are validated.
    pub(crate) fn kind(&self) -> PropertyKind {
        let values = || self.options.iter().map(|o| o.value.clone()).collect();
        match (self.property_type.as_str(), self.field_type.as_str()) {
            _ if self.read_only_value => PropertyKind::ReadOnly,
            ("number", _) => PropertyKind::Number,
            ("date" | "datetime", _) => PropertyKind::DateTime,
            ("bool", _) => PropertyKind::Enumeration(vec!["true".to_owned(), "false".to_owned()]),
            ("enumeration", "checkbox") => PropertyKind::MultiEnumeration(values()),
            ("enumeration", _) => PropertyKind::Enumeration(values()),
            _ => PropertyKind::String,
        }
    }

    /// Builds a new definition from a `POST /crm/v3/properties/{objectType}` body.
    pub(crate) fn from_create(body: &Map<String, Value>) -> Result<Self, String> {
        let text = |key: &str| -> Result<String, String> {
            match body.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
                _ => Err(format!("Invalid input JSON: `{key}` is required")),
            }
        };
        let name = text("name")?;
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || name.starts_with("hs_")
        {
            return Err(format!(
                "Property name {name:?} must be lower-case letters, digits and _ and not start with hs_"
            ));
        }
        let mut definition = Self {
            name,
            label: text("label")?,
            property_type: text("type")?,
            field_type: text("fieldType")?,
            group_name: text("groupName")?,
            description: String::new(),
            options: Vec::new(),
            display_order: -1,
            hubspot_defined: false,
            read_only_value: false,
            has_unique_value: match body.get("hasUniqueValue") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(unique)) => *unique,
                Some(_) => {
                    return Err("Invalid input JSON: `hasUniqueValue` must be a boolean".to_owned());
                }
            },
        };
        definition.apply(body)?;
        Ok(definition)
    }

    /// Applies the writable fields of a create or `PATCH` body, then validates the result.
    /// `options`, when present, replaces the whole list (as HubSpot's PATCH does).
    pub(crate) fn apply(&mut self, body: &Map<String, Value>) -> Result<(), String> {
        for (key, value) in body {
            let as_text = || {
                value
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("Invalid input JSON: `{key}` must be a string"))
            };
            match key.as_str() {
                "label" => self.label = as_text()?,
                "type" => self.property_type = as_text()?,
                "fieldType" => self.field_type = as_text()?,
                "groupName" => self.group_name = as_text()?,
                "description" => self.description = as_text()?,
                "displayOrder" => {
                    self.display_order = value.as_i64().ok_or("`displayOrder` must be a number")?;
                }
                "options" => self.options = parse_options(value)?,
                _ => {}
            }
        }
        self.validate()
    }

    fn validate(&mut self) -> Result<(), String> {
        let Some(allowed) = field_types(&self.property_type) else {
            return Err(format!(
                "{} is not a valid property type",
                self.property_type
            ));
        };
        if !allowed.contains(&self.field_type.as_str()) {
            return Err(format!(
                "fieldType {} is not valid for type {} (allowed: {})",
                self.field_type,
                self.property_type,
                allowed.join(", ")
            ));
        }
        match self.property_type.as_str() {
            "enumeration" if self.options.is_empty() => {
                Err("Enumeration properties need at least one option".to_owned())
            }
            "enumeration" | "bool" => {
                let mut values: Vec<&str> = self.options.iter().map(|o| o.value.as_str()).collect();
                values.sort_unstable();
                if values.windows(2).any(|w| w[0] == w[1]) {
                    return Err("Option values must be unique".to_owned());
                }
                if self.property_type == "bool" {
                    if self.options.is_empty() {
                        self.options = ["true", "false"]
                            .into_iter()
                            .zip(["Yes", "No"])
                            .zip(0..)
                            .map(|((value, label), display_order)| PropertyOption {
                                label: label.to_owned(),
                                value: value.to_owned(),
                                description: String::new(),
                                display_order,
                                hidden: false,
                            })
                            .collect();
                    } else if values != ["false", "true"] {
                        return Err(
                            "bool properties take exactly the options true and false".to_owned()
                        );
                    }
                }
                Ok(())
            }
            _ if !self.options.is_empty() => Err(format!(
                "Options are only allowed on enumeration and bool properties, not {}",
                self.property_type
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let options: Vec<Value> = self
            .options
            .iter()
            .map(|o| {
                json!({
                    "label": o.label,
                    "value": o.value,
                    "description": o.description,
                    "displayOrder": o.display_order,
                    "hidden": o.hidden,
                })
            })
            .collect();
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.property_type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": options,
            "displayOrder": self.display_order,
            "calculated": false,
            "externalOptions": false,
            "hasUniqueValue": self.has_unique_value,
            "hidden": false,
            "hubspotDefined": self.hubspot_defined,
            "formField": !self.hubspot_defined,
            "modificationMetadata": {
                "archivable": !self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
            "archived": false,
        })
    }
}

fn parse_options(value: &Value) -> Result<Vec<PropertyOption>, String> {
    let Value::Array(list) = value else {
        return Err("Invalid input JSON: `options` must be an array".to_owned());
    };
    list.iter()
        .zip(0..)
        .map(|(option, index)| {
            let field = |key: &str| option.get(key).and_then(Value::as_str);
            let (Some(label), Some(value)) = (field("label"), field("value")) else {
                return Err("Each option needs a string `label` and `value`".to_owned());
            };
            Ok(PropertyOption {
                label: label.to_owned(),
                value: value.to_owned(),
                description: field("description").unwrap_or_default().to_owned(),
                display_order: option
                    .get("displayOrder")
                    .and_then(Value::as_i64)
                    .unwrap_or(index),
                hidden: option
                    .get("hidden")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            })
        })
        .collect()
}

impl Group {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": false,
        })
    }

    /// Applies `label` / `displayOrder` from a create or PATCH body.
    pub(crate) fn apply(&mut self, body: &Map<String, Value>) -> Result<(), String> {
        if let Some(label) = body.get("label") {
            self.label = label
                .as_str()
                .filter(|l| !l.trim().is_empty())
                .ok_or("`label` must be a non-empty string")?
                .to_owned();
        }
        if let Some(order) = body.get("displayOrder") {
            self.display_order = order.as_i64().ok_or("`displayOrder` must be a number")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn field_type_must_fit_the_type() {
        let bad = Definition::from_create(&body(json!({
            "name": "x", "label": "X", "type": "string", "fieldType": "select", "groupName": "g"
        })));
        assert!(bad.unwrap_err().contains("not valid for type string"));
        let good = Definition::from_create(&body(json!({
            "name": "x", "label": "X", "type": "string", "fieldType": "textarea", "groupName": "g"
        })));
        assert_eq!(good.unwrap().kind(), PropertyKind::String);
    }

    #[test]
    fn enumerations_need_unique_options_and_checkboxes_take_several() {
        let none = Definition::from_create(&body(json!({
            "name": "e", "label": "E", "type": "enumeration", "fieldType": "select", "groupName": "g"
        })));
        assert!(none.is_err());
        let twice = Definition::from_create(&body(json!({
            "name": "e", "label": "E", "type": "enumeration", "fieldType": "select", "groupName": "g",
            "options": [{"label": "A", "value": "a"}, {"label": "A again", "value": "a"}]
        })));
        assert!(twice.unwrap_err().contains("unique"));
        let multi = Definition::from_create(&body(json!({
            "name": "e", "label": "E", "type": "enumeration", "fieldType": "checkbox", "groupName": "g",
            "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]
        })))
        .unwrap();
        assert_eq!(
            multi.kind(),
            PropertyKind::MultiEnumeration(vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn bool_properties_are_true_or_false() {
        let plain = Definition::from_create(&body(json!({
            "name": "b", "label": "B", "type": "bool", "fieldType": "booleancheckbox", "groupName": "g"
        })))
        .unwrap();
        assert_eq!(plain.options.len(), 2);
        let odd = Definition::from_create(&body(json!({
            "name": "b", "label": "B", "type": "bool", "fieldType": "booleancheckbox", "groupName": "g",
            "options": [{"label": "Yes", "value": "yes"}, {"label": "No", "value": "no"}]
        })));
        assert!(odd.is_err());
    }

    #[test]
    fn names_are_internal_names() {
        let upper = Definition::from_create(&body(json!({
            "name": "Aws X", "label": "X", "type": "string", "fieldType": "text", "groupName": "g"
        })));
        assert!(upper.is_err());
    }
}
