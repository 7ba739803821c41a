//! The invocation payload an operator sends (`aws lambda invoke`), and which dead letters it selects.

use events::SyncEvent;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Messages examined per run when the request does not say.
pub const DEFAULT_MAX_MESSAGES: u32 = 100;

/// Upper bound on `maxMessages`: the summary lists every match and a Lambda response is capped
/// at 6 MB; a run this long also cannot finish within the 15-minute Lambda limit anyway.
pub const MAX_MAX_MESSAGES: u32 = 10_000;

/// `{"maxMessages":100,"dryRun":false,"filter":{...}}`, every field optional. Unknown fields are
/// refused: a misspelt `dryrun` must not turn a dry run into a real one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReprocessRequest {
    /// How many DLQ messages this run may receive (moved, skipped or failed alike).
    #[serde(default = "default_max_messages")]
    pub max_messages: u32,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub filter: Filter,
}

/// Every field that is set must equal the event's; no field set matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filter {
    /// `deal.propertyChange`, `deal.creation`, ... as in `SyncEvent::event_type`.
    pub event_type: Option<String>,
    /// `deal`, `company`, `line_item`, ... or, for custom objects, their `objectTypeId` (`2-1234`).
    pub object_type: Option<String>,
    /// HubSpot sends ids as numbers, the envelope stores strings: both are accepted.
    #[serde(default, deserialize_with = "string_or_number")]
    pub object_id: Option<String>,
    #[serde(default, deserialize_with = "number_or_string")]
    pub portal_id: Option<u64>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    #[error(
        "invalid reprocess request: {0}; expected {{\"maxMessages\":N,\"dryRun\":bool,\"filter\":{{\"eventType\",\"objectType\",\"objectId\",\"portalId\"}}}}, all optional"
    )]
    Invalid(String),
    #[error(
        "invalid reprocess request: maxMessages must be between 1 and {MAX_MAX_MESSAGES}, got {0}"
    )]
    MaxMessagesOutOfRange(u32),
}

fn default_max_messages() -> u32 {
    DEFAULT_MAX_MESSAGES
}

impl Default for ReprocessRequest {
    fn default() -> Self {
        ReprocessRequest {
            max_messages: DEFAULT_MAX_MESSAGES,
            dry_run: false,
            filter: Filter::default(),
        }
    }
}

impl ReprocessRequest {
    /// The Lambda payload: `null` (an invoke without `--payload`) and `{}` mean the defaults.
    pub fn from_payload(payload: Value) -> Result<Self, RequestError> {
        match &payload {
            Value::Null => return Ok(Self::default()),
            Value::Object(_) => {}
            // serde reads a struct from an array too (`[5]` would mean maxMessages 5): refused.
            other => {
                return Err(RequestError::Invalid(format!(
                    "the payload must be a JSON object or null, got {other}"
                )));
            }
        }
        let request: ReprocessRequest =
            serde_json::from_value(payload).map_err(|e| RequestError::Invalid(e.to_string()))?;
        if request.max_messages == 0 || request.max_messages > MAX_MAX_MESSAGES {
            return Err(RequestError::MaxMessagesOutOfRange(request.max_messages));
        }
        Ok(request)
    }
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.event_type.is_none()
            && self.object_type.is_none()
            && self.object_id.is_none()
            && self.portal_id.is_none()
    }

    pub fn matches(&self, event: &SyncEvent) -> bool {
        let object_type_matches = |wanted: &String| {
            wanted == event.object_type.as_str()
                || event
                    .hubspot
                    .as_ref()
                    .and_then(|e| e.object_type_id.as_ref())
                    .is_some_and(|id| id == wanted)
        };
        self.event_type
            .as_ref()
            .is_none_or(|t| *t == event.event_type)
            && self.object_type.as_ref().is_none_or(object_type_matches)
            && self
                .object_id
                .as_ref()
                .is_none_or(|id| *id == event.object_id)
            && self.portal_id.is_none_or(|p| p == event.portal_id)
    }

    /// A body that is not a `SyncEvent` has no fields to compare: it is only selected when the
    /// operator asked for everything, so a targeted run never moves something it cannot identify.
    pub fn matches_body(&self, event: Option<&SyncEvent>) -> bool {
        match event {
            Some(event) => self.matches(event),
            None => self.is_empty(),
        }
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "objectId must be a string or a number, got {other}"
        ))),
    }
}

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("portalId must be a positive integer, got {n}"))
        }),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("portalId must be a positive integer, got {s:?}"))
        }),
        Some(other) => Err(serde::de::Error::custom(format!(
            "portalId must be a positive integer, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn deal_event() -> SyncEvent {
        SyncEvent::from_json(
            r#"{"schemaVersion":1,"source":"hubspot","eventType":"deal.propertyChange","objectType":"deal","objectId":"7","portalId":62515,"occurredAt":1,"receivedAt":2,"correlationId":"req-1","attemptNumber":0}"#,
        )
        .unwrap()
    }

    fn filter(value: Value) -> Filter {
        ReprocessRequest::from_payload(json!({ "filter": value }))
            .unwrap()
            .filter
    }

    #[test]
    fn null_and_empty_payloads_mean_the_defaults() {
        let defaults = ReprocessRequest {
            max_messages: 100,
            dry_run: false,
            filter: Filter::default(),
        };
        assert_eq!(
            ReprocessRequest::from_payload(Value::Null).unwrap(),
            defaults
        );
        assert_eq!(ReprocessRequest::from_payload(json!({})).unwrap(), defaults);
        assert_eq!(
            ReprocessRequest::from_payload(json!({"filter": {}})).unwrap(),
            defaults
        );
        assert!(defaults.filter.is_empty());
    }

    #[test]
    fn full_request_is_read() {
        let request = ReprocessRequest::from_payload(json!({
            "maxMessages": 5,
            "dryRun": true,
            "filter": {"eventType": "deal.creation", "objectType": "deal", "objectId": "7", "portalId": 62515}
        }))
        .unwrap();
        assert_eq!(
            request,
            ReprocessRequest {
                max_messages: 5,
                dry_run: true,
                filter: Filter {
                    event_type: Some("deal.creation".into()),
                    object_type: Some("deal".into()),
                    object_id: Some("7".into()),
                    portal_id: Some(62515),
                },
            }
        );
    }

    #[test]
    fn ids_are_accepted_as_numbers_or_strings() {
        let f = filter(json!({"objectId": 7, "portalId": "62515"}));
        assert_eq!(f.object_id.as_deref(), Some("7"));
        assert_eq!(f.portal_id, Some(62515));
        let f = filter(json!({"objectId": null, "portalId": null}));
        assert!(f.is_empty());
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused_with_a_clear_error() {
        let err = ReprocessRequest::from_payload(json!({"dryrun": true})).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown field `dryrun`"), "{text}");
        assert!(text.contains("dryRun"), "{text}");
        let err = ReprocessRequest::from_payload(json!({"filter": {"objectID": "7"}})).unwrap_err();
        assert!(
            err.to_string().contains("unknown field `objectID`"),
            "{err}"
        );
        let err = ReprocessRequest::from_payload(json!({"dryRun": "yes"})).unwrap_err();
        assert!(matches!(err, RequestError::Invalid(_)), "{err}");
        let err =
            ReprocessRequest::from_payload(json!({"filter": {"portalId": "abc"}})).unwrap_err();
        assert!(
            err.to_string()
                .contains("portalId must be a positive integer"),
            "{err}"
        );
        let err = ReprocessRequest::from_payload(json!({"filter": {"portalId": -1}})).unwrap_err();
        assert!(
            err.to_string()
                .contains("portalId must be a positive integer"),
            "{err}"
        );
        let err = ReprocessRequest::from_payload(json!({"filter": {"objectId": [7]}})).unwrap_err();
        assert!(
            err.to_string()
                .contains("objectId must be a string or a number"),
            "{err}"
        );
        let err = ReprocessRequest::from_payload(json!([1])).unwrap_err();
        assert!(
            err.to_string().contains("must be a JSON object or null"),
            "{err}"
        );
        assert!(ReprocessRequest::from_payload(json!("run")).is_err());
    }

    #[test]
    fn max_messages_is_bounded() {
        assert_eq!(
            ReprocessRequest::from_payload(json!({"maxMessages": 0})),
            Err(RequestError::MaxMessagesOutOfRange(0))
        );
        assert_eq!(
            ReprocessRequest::from_payload(json!({"maxMessages": 10_001})),
            Err(RequestError::MaxMessagesOutOfRange(10_001))
        );
        assert_eq!(
            ReprocessRequest::from_payload(json!({"maxMessages": 10_000}))
                .unwrap()
                .max_messages,
            10_000
        );
        assert!(ReprocessRequest::from_payload(json!({"maxMessages": -1})).is_err());
    }

    #[test]
    fn each_set_field_must_match() {
        let event = deal_event();
        assert!(Filter::default().matches(&event));
        assert!(filter(json!({"eventType": "deal.propertyChange"})).matches(&event));
        assert!(!filter(json!({"eventType": "deal.creation"})).matches(&event));
        assert!(filter(json!({"objectType": "deal"})).matches(&event));
        assert!(!filter(json!({"objectType": "company"})).matches(&event));
        assert!(!filter(json!({"objectType": "Deal"})).matches(&event));
        assert!(filter(json!({"objectId": 7})).matches(&event));
        assert!(!filter(json!({"objectId": "70"})).matches(&event));
        assert!(filter(json!({"portalId": 62515})).matches(&event));
        assert!(!filter(json!({"portalId": 1})).matches(&event));
        let all = json!({"eventType": "deal.propertyChange", "objectType": "deal", "objectId": "7", "portalId": 62515});
        assert!(filter(all.clone()).matches(&event));
        let mut one_off = all;
        one_off["portalId"] = json!(62516);
        assert!(!filter(one_off).matches(&event));
    }

    #[test]
    fn custom_objects_match_by_object_type_id() {
        let event = SyncEvent::from_json(
            r#"{"schemaVersion":1,"source":"hubspot","eventType":"object.creation","objectType":"other","objectId":"5","portalId":1,"occurredAt":1,"receivedAt":2,"correlationId":"c","attemptNumber":0,"hubspot":{"eventId":1,"portalId":1,"occurredAt":1,"subscriptionType":"object.creation","objectTypeId":"2-1234","objectId":5}}"#,
        )
        .unwrap();
        assert!(filter(json!({"objectType": "2-1234"})).matches(&event));
        assert!(filter(json!({"objectType": "other"})).matches(&event));
        assert!(!filter(json!({"objectType": "2-9999"})).matches(&event));
    }

    #[test]
    fn unreadable_bodies_match_only_the_empty_filter() {
        assert!(Filter::default().matches_body(None));
        assert!(!filter(json!({"portalId": 1})).matches_body(None));
        assert!(filter(json!({"portalId": 62515})).matches_body(Some(&deal_event())));
    }
}
