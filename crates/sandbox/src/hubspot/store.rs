//! The fake portal's data: objects, property schemas and associations.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::model::{self, ObjectType, PropertyKind};
use super::properties::{Definition, Group};

/// A stored CRM object. Property values are strings, `None` meaning "never set / cleared".
#[derive(Debug, Clone)]
pub(crate) struct CrmObject {
    pub id: String,
    pub properties: BTreeMap<String, Option<String>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
}

/// An undirected link between two objects; `primary` adds the "Primary" label where the pair
/// has one (company links).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub a: (ObjectType, String),
    pub b: (ObjectType, String),
    pub primary: bool,
}

/// A property value rejected by HubSpot's validation, in its `errors[]`/message vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropertyError {
    pub name: String,
    pub code: &'static str,
    pub message: String,
}

pub(crate) struct Store {
    objects: HashMap<(ObjectType, String), CrmObject>,
    schemas: HashMap<ObjectType, BTreeMap<String, Definition>>,
    groups: HashMap<ObjectType, BTreeMap<String, Group>>,
    links: Vec<Link>,
    next_id: u64,
    last_stamp: Option<DateTime<Utc>>,
}

/// HubSpot timestamps: ISO-8601 UTC with milliseconds.
pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    pub(crate) fn new(sync_properties: bool) -> Self {
        let group = |kind| Group {
            name: model::default_group(kind).to_owned(),
            label: format!("{} information", kind.singular()),
            display_order: 0,
        };
        Self {
            objects: HashMap::new(),
            schemas: ObjectType::ALL
                .into_iter()
                .map(|kind| {
                    let schema = model::standard_schema(kind, sync_properties)
                        .into_iter()
                        .map(|(name, pk)| {
                            let hubspot = !name.starts_with("aws_");
                            let mut definition = Definition::builtin(
                                &name,
                                model::default_group(kind),
                                &pk,
                                hubspot,
                            );
                            definition.has_unique_value =
                                model::unique_by_default(kind, &name, sync_properties);
                            (name, definition)
                        })
                        .collect();
                    (kind, schema)
                })
                .collect(),
            groups: ObjectType::ALL
                .into_iter()
                .map(|kind| {
                    let g = group(kind);
                    (kind, BTreeMap::from([(g.name.clone(), g)]))
                })
                .collect(),
            links: Vec::new(),
            // Real ids are large numbers; starting high keeps seeded small ids (e.g. "7") free.
            next_id: 10_001,
            last_stamp: None,
        }
    }

    pub(crate) fn define_property(&mut self, kind: ObjectType, name: &str, pk: PropertyKind) {
        let definition = Definition::builtin(name, model::default_group(kind), &pk, false);
        self.put_definition(kind, definition);
    }

    pub(crate) fn definition(&self, kind: ObjectType, name: &str) -> Option<&Definition> {
        self.schemas.get(&kind).and_then(|schema| schema.get(name))
    }

    /// Creates or replaces a property definition.
    pub(crate) fn put_definition(&mut self, kind: ObjectType, definition: Definition) {
        self.schemas
            .entry(kind)
            .or_default()
            .insert(definition.name.clone(), definition);
    }

    pub(crate) fn group(&self, kind: ObjectType, name: &str) -> Option<&Group> {
        self.groups.get(&kind).and_then(|groups| groups.get(name))
    }

    /// Creates or replaces a property group.
    pub(crate) fn put_group(&mut self, kind: ObjectType, group: Group) {
        self.groups
            .entry(kind)
            .or_default()
            .insert(group.name.clone(), group);
    }

    pub(crate) fn is_defined(&self, kind: ObjectType, name: &str) -> bool {
        self.schemas
            .get(&kind)
            .is_some_and(|schema| schema.contains_key(name))
    }

    /// A live (not archived) object.
    pub(crate) fn live(&self, kind: ObjectType, id: &str) -> Option<&CrmObject> {
        self.objects
            .get(&(kind, id.to_owned()))
            .filter(|object| !object.archived)
    }

    pub(crate) fn allocate_id(&mut self) -> String {
        loop {
            let id = self.next_id.to_string();
            self.next_id += 1;
            if !ObjectType::ALL
                .iter()
                .any(|kind| self.objects.contains_key(&(*kind, id.clone())))
            {
                return id;
            }
        }
    }

    /// Live objects of one type in id order (numeric ids by value), as search scans them.
    pub(crate) fn live_of(&self, kind: ObjectType) -> Vec<&CrmObject> {
        let mut objects: Vec<&CrmObject> = self
            .objects
            .iter()
            .filter(|((k, _), object)| *k == kind && !object.archived)
            .map(|(_, object)| object)
            .collect();
        objects.sort_by(|a, b| {
            let numeric = |id: &str| id.parse::<u64>().ok();
            numeric(&a.id)
                .cmp(&numeric(&b.id))
                .then_with(|| a.id.cmp(&b.id))
        });
        objects
    }

    /// A modification time in whole milliseconds (HubSpot's precision), strictly after the
    /// previous one, so "modified since" filters never tie between two quick writes.
    fn next_stamp(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let now = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
        let stamp = match self.last_stamp {
            Some(last) if now <= last => last + chrono::Duration::milliseconds(1),
            _ => now,
        };
        self.last_stamp = Some(stamp);
        stamp
    }

    /// Seed-side write: defines unknown property names instead of rejecting them, merges into
    /// an existing object and revives an archived one.
    pub(crate) fn upsert(
        &mut self,
        kind: ObjectType,
        id: &str,
        properties: BTreeMap<String, Option<String>>,
        now: DateTime<Utc>,
    ) {
        for name in properties.keys() {
            if !self.is_defined(kind, name) {
                self.define_property(kind, name, PropertyKind::String);
            }
        }
        let now = self.next_stamp(now);
        let object = self
            .objects
            .entry((kind, id.to_owned()))
            .or_insert_with(|| CrmObject {
                id: id.to_owned(),
                properties: BTreeMap::new(),
                created_at: now,
                updated_at: now,
                archived: false,
            });
        object.archived = false;
        object.properties.extend(properties);
        Self::stamp(kind, object, now);
    }

    /// Keeps the HubSpot-maintained properties in line with the object's timestamps.
    fn stamp(kind: ObjectType, object: &mut CrmObject, now: DateTime<Utc>) {
        object.updated_at = now;
        object
            .properties
            .insert("hs_object_id".to_owned(), Some(object.id.clone()));
        object.properties.insert(
            kind.created_property().to_owned(),
            Some(iso(object.created_at)),
        );
        object
            .properties
            .insert(kind.modified_property().to_owned(), Some(iso(now)));
    }

    /// API-side validation of written properties: all-or-nothing, like HubSpot.
    pub(crate) fn check_properties(
        &self,
        kind: ObjectType,
        properties: &serde_json::Map<String, Value>,
    ) -> Result<BTreeMap<String, Option<String>>, Vec<PropertyError>> {
        let mut errors = Vec::new();
        let mut accepted = BTreeMap::new();
        for (name, value) in properties {
            let text = match value {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                other => {
                    errors.push(PropertyError {
                        name: name.clone(),
                        code: "INVALID_PROPERTY_VALUE",
                        message: format!(
                            "Property \"{name}\" must be a string or null, got {other}"
                        ),
                    });
                    continue;
                }
            };
            let Some(pk) = self.definition(kind, name).map(Definition::kind) else {
                errors.push(PropertyError {
                    name: name.clone(),
                    code: "PROPERTY_DOESNT_EXIST",
                    message: format!("Property \"{name}\" does not exist"),
                });
                continue;
            };
            if let Err(error) = check_value(name, &pk, text.as_deref()) {
                errors.push(error);
                continue;
            }
            accepted.insert(name.clone(), text);
        }
        if errors.is_empty() {
            Ok(accepted)
        } else {
            Err(errors)
        }
    }

    /// Applies an already-checked PATCH.
    pub(crate) fn patch(
        &mut self,
        kind: ObjectType,
        id: &str,
        properties: BTreeMap<String, Option<String>>,
        now: DateTime<Utc>,
    ) -> Option<CrmObject> {
        let now = self.next_stamp(now);
        let object = self
            .objects
            .get_mut(&(kind, id.to_owned()))
            .filter(|o| !o.archived)?;
        object.properties.extend(properties);
        Self::stamp(kind, object, now);
        Some(object.clone())
    }

    pub(crate) fn create(
        &mut self,
        kind: ObjectType,
        properties: BTreeMap<String, Option<String>>,
        now: DateTime<Utc>,
    ) -> CrmObject {
        let now = self.next_stamp(now);
        let id = self.allocate_id();
        let mut object = CrmObject {
            id: id.clone(),
            properties,
            created_at: now,
            updated_at: now,
            archived: false,
        };
        Self::stamp(kind, &mut object, now);
        self.objects.insert((kind, id), object.clone());
        object
    }

    pub(crate) fn archive(&mut self, kind: ObjectType, id: &str) -> bool {
        match self.objects.get_mut(&(kind, id.to_owned())) {
            Some(object) if !object.archived => {
                object.archived = true;
                true
            }
            _ => false,
        }
    }

    /// Adds (or upgrades to primary) a link. Returns false when `primary` is asked for a pair
    /// that has no primary label.
    pub(crate) fn associate(
        &mut self,
        from: (ObjectType, String),
        to: (ObjectType, String),
        primary: bool,
    ) -> bool {
        if primary && !model::has_primary(from.0, to.0) {
            return false;
        }
        let existing = self
            .links
            .iter_mut()
            .find(|link| (link.a == from && link.b == to) || (link.a == to && link.b == from));
        match existing {
            Some(link) => link.primary |= primary,
            None => self.links.push(Link {
                a: from,
                b: to,
                primary,
            }),
        }
        true
    }

    /// Live objects of type `to` linked to `(from, id)`, with the link's primary flag, in link
    /// creation order.
    pub(crate) fn linked(&self, from: ObjectType, id: &str, to: ObjectType) -> Vec<(String, bool)> {
        let me = (from, id.to_owned());
        self.links
            .iter()
            .filter_map(|link| {
                let other = if link.a == me {
                    &link.b
                } else if link.b == me {
                    &link.a
                } else {
                    return None;
                };
                (other.0 == to && self.live(to, &other.1).is_some())
                    .then(|| (other.1.clone(), link.primary))
            })
            .collect()
    }
}

fn check_value(name: &str, kind: &PropertyKind, value: Option<&str>) -> Result<(), PropertyError> {
    // Null and "" clear a property in HubSpot, whatever its type.
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return match kind {
            PropertyKind::ReadOnly => Err(read_only(name)),
            _ => Ok(()),
        };
    };
    let bad = |code: &'static str, message: String| PropertyError {
        name: name.to_owned(),
        code,
        message,
    };
    match kind {
        PropertyKind::String => Ok(()),
        PropertyKind::ReadOnly => Err(read_only(name)),
        PropertyKind::Number => value.trim().parse::<f64>().map(|_| ()).map_err(|_| {
            bad(
                "INVALID_FLOAT",
                format!("{value} was not a valid number for property \"{name}\""),
            )
        }),
        PropertyKind::DateTime => {
            let epoch_ms = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
            let iso_datetime = DateTime::parse_from_rfc3339(value).is_ok();
            let iso_date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok();
            if epoch_ms || iso_datetime || iso_date {
                Ok(())
            } else {
                Err(bad(
                    "INVALID_DATE",
                    format!(
                        "{value} was not a valid date-time for property \"{name}\": use ISO-8601 or epoch milliseconds"
                    ),
                ))
            }
        }
        PropertyKind::MultiEnumeration(options) => value.split(';').try_for_each(|one| {
            check_value(name, &PropertyKind::Enumeration(options.clone()), Some(one))
        }),
        PropertyKind::Enumeration(options) => {
            if options.iter().any(|o| o == value) {
                Ok(())
            } else {
                Err(bad(
                    "INVALID_OPTION",
                    format!(
                        "{value} was not one of the allowed options: [{}]",
                        options.join(", ")
                    ),
                ))
            }
        }
    }
}

fn read_only(name: &str) -> PropertyError {
    PropertyError {
        name: name.to_owned(),
        code: "READ_ONLY_VALUE",
        message: format!("Property \"{name}\" is a read only property; its value cannot be set."),
    }
}
