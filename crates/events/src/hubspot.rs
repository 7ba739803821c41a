//! The HubSpot webhook delivery body: a JSON array of change events, up to 100 per request
//! (<https://developers.hubspot.com/docs/api/webhooks>).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// One event of a HubSpot webhook delivery.
///
/// Every documented field is typed; anything HubSpot adds later is kept in `extra` and written
/// back out unchanged, so the original event travels through the queue without loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// Not unique on its own: HubSpot reuses it across subscriptions and objects.
    pub event_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<u64>,
    pub portal_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<u64>,
    /// Epoch milliseconds; HubSpot does not deliver in order, this is the only ordering signal.
    pub occurred_at: i64,
    /// Some HubSpot documents call this `eventType`; both are accepted.
    #[serde(alias = "eventType")]
    pub subscription_type: String,
    #[serde(default)]
    pub attempt_number: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<u64>,
    /// Only on generic `object.*` subscriptions, e.g. `0-3` for deals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_flag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_object_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_object_ids: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_object_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_properties_moved: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_object_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_object_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association_removed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_primary_association: Option<bool>,
    /// Fields this model does not know yet, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The CRM object an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectType {
    Deal,
    Company,
    Contact,
    Note,
    Ticket,
    LineItem,
    Product,
    Conversation,
    #[serde(other)]
    Other,
}

impl ObjectType {
    /// The name used in event types, group ids and metrics (`deal`, `line_item`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Deal => "deal",
            ObjectType::Company => "company",
            ObjectType::Contact => "contact",
            ObjectType::Note => "note",
            ObjectType::Ticket => "ticket",
            ObjectType::LineItem => "line_item",
            ObjectType::Product => "product",
            ObjectType::Conversation => "conversation",
            ObjectType::Other => "other",
        }
    }

    fn from_prefix(prefix: &str) -> Self {
        match prefix {
            "deal" => ObjectType::Deal,
            "company" => ObjectType::Company,
            "contact" => ObjectType::Contact,
            "note" => ObjectType::Note,
            "ticket" => ObjectType::Ticket,
            "line_item" => ObjectType::LineItem,
            "product" => ObjectType::Product,
            "conversation" => ObjectType::Conversation,
            _ => ObjectType::Other,
        }
    }

    /// HubSpot's `objectTypeId` on generic `object.*` events: the CRM object type ids HubSpot
    /// lists in <https://developers.hubspot.com/docs/guides/crm/using-object-apis> (notes `0-46`).
    fn from_type_id(type_id: &str) -> Self {
        match type_id {
            "0-1" => ObjectType::Contact,
            "0-2" => ObjectType::Company,
            "0-3" => ObjectType::Deal,
            "0-5" => ObjectType::Ticket,
            "0-7" => ObjectType::Product,
            "0-8" => ObjectType::LineItem,
            "0-46" => ObjectType::Note,
            _ => ObjectType::Other,
        }
    }
}

impl std::fmt::Display for ObjectType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl WebhookEvent {
    /// What the event is about, resolving generic `object.*` events through `objectTypeId`.
    pub fn object_type(&self) -> ObjectType {
        object_type(&self.subscription_type, self.object_type_id.as_deref())
    }

    /// The part after the dot: `creation`, `propertyChange`, `associationChange`, ...
    pub fn action(&self) -> &str {
        self.split_type().1
    }

    /// `<object type>.<action>`, with generic `object.*` events named after their real type
    /// (`object.propertyChange` on `0-3` becomes `deal.propertyChange`), so filters and metrics
    /// need one name per kind of change.
    pub fn normalized_type(&self) -> String {
        normalized_type(&self.subscription_type, self.object_type_id.as_deref())
    }

    /// The object the event concerns: `objectId`, for merges the surviving object, for
    /// association changes the object the association starts from (`fromObjectId`: those
    /// events carry `fromObjectId`/`toObjectId` instead of `objectId`).
    pub fn subject_id(&self) -> Option<u64> {
        self.object_id
            .or(self.new_object_id)
            .or(self.primary_object_id)
            .or(self.from_object_id)
    }

    fn split_type(&self) -> (&str, &str) {
        self.subscription_type
            .split_once('.')
            .unwrap_or((self.subscription_type.as_str(), ""))
    }
}

/// Why a webhook body could not be read as HubSpot events.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("body is not valid JSON: {0}")]
    NotJson(String),
    #[error("body must be a JSON array of HubSpot events, got {0}")]
    NotAnArray(&'static str),
    #[error("event {index}: {reason}")]
    BadEvent { index: usize, reason: String },
}

fn object_type(subscription_type: &str, object_type_id: Option<&str>) -> ObjectType {
    match subscription_type
        .split_once('.')
        .map_or(subscription_type, |(p, _)| p)
    {
        "object" => object_type_id.map_or(ObjectType::Other, ObjectType::from_type_id),
        prefix => ObjectType::from_prefix(prefix),
    }
}

fn normalized_type(subscription_type: &str, object_type_id: Option<&str>) -> String {
    match object_type(subscription_type, object_type_id) {
        ObjectType::Other => subscription_type.to_owned(),
        known => {
            let action = subscription_type.split_once('.').map_or("", |(_, a)| a);
            format!("{}.{action}", known.as_str())
        }
    }
}

/// What kind of change an event is about, read leniently from an event that does not fit the
/// model, so a filter can still tell whether the sync would have wanted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventKind {
    /// As [`WebhookEvent::normalized_type`].
    pub normalized_type: String,
    pub property_name: Option<String>,
}

impl EventKind {
    fn of(raw: &str) -> Option<Self> {
        let value: Value = serde_json::from_str(raw).ok()?;
        let text = |name: &str| value.get(name).and_then(Value::as_str);
        let subscription_type = text("subscriptionType").or_else(|| text("eventType"))?;
        Some(EventKind {
            normalized_type: normalized_type(subscription_type, text("objectTypeId")),
            property_name: text("propertyName").map(str::to_owned),
        })
    }
}

/// An event of a delivery that cannot become a sync event, kept verbatim for an operator.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedEvent {
    /// Its position in the delivery.
    pub index: usize,
    /// The event's JSON as received.
    pub raw: String,
    /// A stable machine-readable reason (a metric dimension).
    pub reason: &'static str,
    /// What exactly is wrong, for the operator.
    pub detail: String,
    /// Its kind when it can still be read (`None`: not even its type is readable).
    pub kind: Option<EventKind>,
}

/// A delivery read event by event: one bad event does not spoil its neighbours.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delivery {
    pub events: Vec<WebhookEvent>,
    pub rejected: Vec<RejectedEvent>,
}

/// Reads a webhook body. Only a body that is not a JSON array of objects is an error; inside
/// the array each event is judged on its own.
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, BodyError> {
    // Each element is kept as the exact text HubSpot sent, so a rejected event is stored
    // verbatim (no re-serialising: a number too large for u64 stays as written).
    let items: Vec<&RawValue> = match serde_json::from_slice(body) {
        Ok(items) => items,
        Err(_) => {
            let value: Value =
                serde_json::from_slice(body).map_err(|e| BodyError::NotJson(e.to_string()))?;
            return Err(BodyError::NotAnArray(json_kind(&value)));
        }
    };
    if let Some(index) = items.iter().position(|item| !item.get().starts_with('{')) {
        let kind = serde_json::from_str::<Value>(items[index].get())
            .map_or("not an object", |v| json_kind(&v));
        return Err(BodyError::BadEvent {
            index,
            reason: format!("expected an object, got {kind}"),
        });
    }
    let mut delivery = Delivery::default();
    for (index, item) in items.into_iter().enumerate() {
        let reject = |reason: &'static str, detail: String| RejectedEvent {
            index,
            raw: item.get().to_owned(),
            reason,
            detail,
            kind: EventKind::of(item.get()),
        };
        match serde_json::from_str::<WebhookEvent>(item.get()) {
            Ok(event) if event.subject_id().is_some() => delivery.events.push(event),
            Ok(_) => delivery.rejected.push(reject(
                "missing_object_id",
                "no objectId (nor fromObjectId, newObjectId or primaryObjectId)".to_owned(),
            )),
            Err(e) => delivery
                .rejected
                .push(reject("invalid_event", e.to_string())),
        }
    }
    Ok(delivery)
}

/// Parses a webhook body strictly, naming the first event that does not fit the model.
pub fn parse_body(body: &[u8]) -> Result<Vec<WebhookEvent>, BodyError> {
    let delivery = parse_delivery(body)?;
    match delivery.rejected.into_iter().next() {
        Some(first) => Err(BodyError::BadEvent {
            index: first.index,
            reason: first.detail,
        }),
        None => Ok(delivery.events),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;

    #[test]
    fn parses_the_documented_example() {
        let events = parse_body(FULL.as_bytes()).unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(
            (e.event_id, e.portal_id, e.object_id),
            (1, 62515, Some(123))
        );
        assert_eq!(e.object_type(), ObjectType::Contact);
        assert_eq!(e.action(), "creation");
        assert_eq!(e.change_flag.as_deref(), Some("NEW"));
        assert!(e.extra.is_empty());
    }

    #[test]
    fn event_type_alias_and_unknown_fields_are_kept() {
        let body = r#"[{"eventId":9,"portalId":1,"occurredAt":5,"eventType":"deal.propertyChange","objectId":7,"propertyName":"amount","propertyValue":"10","futureField":{"a":[1,2]}}]"#;
        let events = parse_body(body.as_bytes()).unwrap();
        assert_eq!(events[0].subscription_type, "deal.propertyChange");
        assert_eq!(
            events[0].extra["futureField"],
            serde_json::json!({"a":[1,2]})
        );
        let back = serde_json::to_value(&events[0]).unwrap();
        assert_eq!(back["futureField"], serde_json::json!({"a":[1,2]}));
        assert_eq!(back["propertyValue"], "10");
    }

    #[test]
    fn generic_object_events_resolve_their_type() {
        let body = r#"[{"eventId":1,"portalId":1,"occurredAt":1,"subscriptionType":"object.propertyChange","objectTypeId":"0-3","objectId":5},
                       {"eventId":2,"portalId":1,"occurredAt":1,"subscriptionType":"object.creation","objectTypeId":"0-46","objectId":6},
                       {"eventId":3,"portalId":1,"occurredAt":1,"subscriptionType":"object.creation","objectTypeId":"2-999","objectId":6}]"#;
        let events = parse_body(body.as_bytes()).unwrap();
        assert_eq!(events[0].normalized_type(), "deal.propertyChange");
        assert_eq!(events[1].object_type(), ObjectType::Note);
        assert_eq!(events[2].object_type(), ObjectType::Other);
        assert_eq!(events[2].normalized_type(), "object.creation");
    }

    #[test]
    fn merge_and_association_fields() {
        let body = r#"[{"eventId":1,"portalId":1,"occurredAt":1,"subscriptionType":"deal.merge","primaryObjectId":10,"mergedObjectIds":[11,12],"newObjectId":13,"numberOfPropertiesMoved":4,"objectId":13},
                       {"eventId":2,"portalId":1,"occurredAt":1,"subscriptionType":"deal.associationChange","associationType":"DEAL_TO_COMPANY","fromObjectId":1,"toObjectId":2,"associationRemoved":false,"isPrimaryAssociation":true,"objectId":1}]"#;
        let events = parse_body(body.as_bytes()).unwrap();
        assert_eq!(events[0].merged_object_ids.as_deref(), Some(&[11, 12][..]));
        assert_eq!(
            events[1].association_type.as_deref(),
            Some("DEAL_TO_COMPANY")
        );
        assert_eq!(events[1].is_primary_association, Some(true));
    }

    #[test]
    fn malformed_bodies_are_named() {
        assert!(matches!(
            parse_body(b"not json"),
            Err(BodyError::NotJson(_))
        ));
        assert!(matches!(
            parse_body(b"{}"),
            Err(BodyError::NotAnArray("an object"))
        ));
        let wrong_type = br#"[{"eventId":"x","portalId":1,"occurredAt":1,"subscriptionType":"deal.creation","objectId":1}]"#;
        match parse_body(wrong_type) {
            Err(BodyError::BadEvent { index: 0, reason }) => assert!(
                reason.contains("eventId") || reason.contains("invalid type"),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
        let no_object =
            br#"[{"eventId":1,"portalId":1,"occurredAt":1,"subscriptionType":"deal.creation"}]"#;
        assert!(matches!(
            parse_body(no_object),
            Err(BodyError::BadEvent { index: 0, .. })
        ));
        let missing_type = br#"[{"eventId":1,"portalId":1,"occurredAt":1,"objectId":1}]"#;
        assert!(matches!(
            parse_body(missing_type),
            Err(BodyError::BadEvent { .. })
        ));
        assert_eq!(parse_body(b"[]").unwrap().len(), 0);
    }

    #[test]
    fn one_bad_event_does_not_spoil_its_neighbours() {
        let body = br#"[
            {"eventId":1,"portalId":7,"occurredAt":1,"subscriptionType":"deal.creation","objectId":11},
            {"eventId":2,"portalId":7,"occurredAt":2,"subscriptionType":"deal.creation"},
            {"eventId":"x","portalId":7,"occurredAt":3,"subscriptionType":"deal.creation","objectId":12},
            {"eventId":4,"portalId":7,"occurredAt":4,"subscriptionType":"deal.associationChange",
             "fromObjectId":13,"toObjectId":99,"associationType":"DEAL_TO_COMPANY"}
        ]"#;
        let delivery = parse_delivery(body).unwrap();
        let ids: Vec<_> = delivery.events.iter().map(|e| e.subject_id()).collect();
        assert_eq!(ids, [Some(11), Some(13)]);
        let rejected: Vec<_> = delivery
            .rejected
            .iter()
            .map(|r| (r.index, r.reason))
            .collect();
        assert_eq!(rejected, [(1, "missing_object_id"), (2, "invalid_event")]);
        // Kept verbatim: the operator sees exactly what HubSpot sent.
        assert_eq!(
            delivery.rejected[1].raw,
            r#"{"eventId":"x","portalId":7,"occurredAt":3,"subscriptionType":"deal.creation","objectId":12}"#
        );
        let huge = br#"[{"eventId":1,"portalId":7,"occurredAt":1,"subscriptionType":"deal.creation","objectId":18446744073709551616}]"#;
        let kept = &parse_delivery(huge).unwrap().rejected[0];
        assert!(kept.raw.contains("18446744073709551616"), "{}", kept.raw);
        assert!(parse_body(body).is_err(), "the strict reader still refuses");
        // Not an array of objects: the whole body is refused.
        assert!(parse_delivery(b"[1, {}]").is_err());
        assert!(parse_delivery(br#"{"eventId":1}"#).is_err());
    }
}
