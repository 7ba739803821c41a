//! `SyncEvent`: the message body on the FIFO queue, and its group / deduplication ids.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::hubspot::{ObjectType, WebhookEvent};

/// Bumped when a change to `SyncEvent` is not backwards compatible; consumers refuse versions
/// newer than theirs instead of guessing.
pub const SCHEMA_VERSION: u32 = 1;

/// Event types of invitation hints.
pub const INVITATION_AWS_CHANGE: &str = "invitation.awsChange";
pub const INVITATION_SWEEP_HINT: &str = "invitation.sweepHint";

/// SQS: `MessageGroupId` and `MessageDeduplicationId` are at most 128 characters.
pub const MAX_SQS_ID_LEN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventSource {
    Hubspot,
    /// A Partner Central event (EventBridge) about the deal's opportunity.
    Aws,
    /// The reconciliation sweep found the deal changed or waiting.
    Sweep,
}

/// One change notification as it travels through the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncEvent {
    pub schema_version: u32,
    pub source: EventSource,
    /// `<object type>.<action>`, e.g. `deal.propertyChange` (generic `object.*` events resolved).
    pub event_type: String,
    pub object_type: ObjectType,
    /// HubSpot's CRM API uses string ids; webhooks send numbers. The envelope uses strings.
    pub object_id: String,
    pub portal_id: u64,
    /// When the change happened in HubSpot, epoch milliseconds.
    pub occurred_at: i64,
    /// When the receipt Lambda accepted it, epoch milliseconds.
    pub received_at: i64,
    /// The API Gateway request id of the delivery; every log line about this event carries it.
    pub correlation_id: String,
    /// HubSpot's delivery attempt number (0 for the first delivery).
    pub attempt_number: u32,
    /// The event exactly as HubSpot sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hubspot: Option<WebhookEvent>,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("message body is not a SyncEvent: {0}")]
    Malformed(String),
    #[error(
        "SyncEvent schema version {0} is newer than this consumer understands ({SCHEMA_VERSION})"
    )]
    UnsupportedVersion(u32),
}

impl SyncEvent {
    /// Wraps a HubSpot event. Returns `None` when the event names no object (a malformed event
    /// that `parse_body` already refuses).
    pub fn from_hubspot(
        event: WebhookEvent,
        correlation_id: &str,
        received_at: i64,
    ) -> Option<Self> {
        let object_id = event.subject_id()?;
        Some(SyncEvent {
            schema_version: SCHEMA_VERSION,
            source: EventSource::Hubspot,
            event_type: event.normalized_type(),
            object_type: event.object_type(),
            object_id: object_id.to_string(),
            portal_id: event.portal_id,
            occurred_at: event.occurred_at,
            received_at,
            correlation_id: correlation_id.to_owned(),
            attempt_number: event.attempt_number,
            hubspot: Some(event),
        })
    }

    /// A request to sync one deal, from Partner Central's side (`Aws`, `cause` = the
    /// EventBridge event id) or the reconciliation sweep (`Sweep`, `cause` = the schedule event
    /// id). It travels in the deal's message group, so it never races a HubSpot event about the
    /// same deal; its deduplication id is derived from `cause` and the deal.
    pub fn deal_hint(
        source: EventSource,
        portal_id: u64,
        deal_id: &str,
        cause: &str,
        occurred_at: i64,
        received_at: i64,
    ) -> Self {
        let event_type = match source {
            EventSource::Sweep => "deal.sweepHint",
            _ => "deal.awsChange",
        };
        SyncEvent {
            schema_version: SCHEMA_VERSION,
            source,
            event_type: event_type.to_owned(),
            object_type: ObjectType::Deal,
            object_id: deal_id.to_owned(),
            portal_id,
            occurred_at,
            received_at,
            correlation_id: cause.to_owned(),
            attempt_number: 0,
            hubspot: None,
        }
    }

    /// A request to look at one AWS engagement invitation (a referral), from its Partner Central
    /// event (`Aws`) or the sweep (`Sweep`): it travels in the invitation's own message group
    /// (`<portal>-invitation-<id>`), so two looks at one invitation never run at once.
    pub fn invitation_hint(
        source: EventSource,
        portal_id: u64,
        invitation_id: &str,
        cause: &str,
        occurred_at: i64,
        received_at: i64,
    ) -> Self {
        let event_type = match source {
            EventSource::Sweep => INVITATION_SWEEP_HINT,
            _ => INVITATION_AWS_CHANGE,
        };
        SyncEvent {
            schema_version: SCHEMA_VERSION,
            source,
            event_type: event_type.to_owned(),
            object_type: ObjectType::Other,
            object_id: invitation_id.to_owned(),
            portal_id,
            occurred_at,
            received_at,
            correlation_id: cause.to_owned(),
            attempt_number: 0,
            hubspot: None,
        }
    }

    /// The invitation id of an [`SyncEvent::invitation_hint`].
    pub fn invitation_id(&self) -> Option<&str> {
        (self.hubspot.is_none() && self.event_type.starts_with("invitation."))
            .then_some(self.object_id.as_str())
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(body: &str) -> Result<Self, EnvelopeError> {
        let event: SyncEvent =
            serde_json::from_str(body).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
        if event.schema_version > SCHEMA_VERSION {
            return Err(EnvelopeError::UnsupportedVersion(event.schema_version));
        }
        Ok(event)
    }

    /// Per-object ordering: portal + object type + object id, so deal 7 and company 7 (or two
    /// portals' deal 7) never block each other.
    pub fn message_group_id(&self) -> String {
        let kind = match (self.object_type, &self.hubspot) {
            (ObjectType::Other, Some(e)) => e
                .object_type_id
                .clone()
                .unwrap_or_else(|| self.event_type.clone()),
            // Our own hints about things that are not HubSpot objects (`invitation.*`).
            (ObjectType::Other, None) => self
                .event_type
                .split('.')
                .next()
                .unwrap_or_default()
                .to_owned(),
            (known, _) => known.as_str().to_owned(),
        };
        sqs_id(&format!("{}-{}-{}", self.portal_id, kind, self.object_id))
    }

    /// The same for every delivery of the same HubSpot event, so HubSpot's retries within the
    /// 5-minute FIFO window are dropped by SQS. `eventId` alone is "not guaranteed to be unique"
    /// (<https://developers.hubspot.com/docs/api/webhooks>):
    /// the hash covers everything that identifies the change, and nothing that differs between
    /// attempts (`attemptNumber`, our receive time, the request id).
    pub fn message_deduplication_id(&self) -> String {
        let identity = match &self.hubspot {
            Some(e) => serde_json::json!([
                e.portal_id,
                e.event_id,
                e.subscription_type,
                e.object_type_id,
                e.object_id,
                e.occurred_at,
                e.property_name,
                e.property_value,
                e.association_type,
                e.from_object_id,
                e.to_object_id,
                e.association_removed,
                e.primary_object_id,
                e.merged_object_ids,
                e.new_object_id,
            ]),
            // A hint: one per cause (EventBridge event id, sweep run) and deal.
            None => serde_json::json!([
                self.portal_id,
                self.source,
                self.event_type,
                self.object_type,
                self.object_id,
                self.correlation_id,
            ]),
        };
        hex::encode(Sha256::digest(identity.to_string().as_bytes()))
    }
}

/// Makes a string a valid SQS group/dedup id: alphanumerics and punctuation, at most 128
/// characters. Anything else becomes `_`; an over-long id keeps a readable prefix and a hash of
/// the whole so distinct ids stay distinct.
pub fn sqs_id(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c.is_ascii_punctuation() {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.len() <= MAX_SQS_ID_LEN {
        return cleaned;
    }
    let digest = hex::encode(Sha256::digest(raw.as_bytes()));
    format!(
        "{}~{}",
        &cleaned[..MAX_SQS_ID_LEN - digest.len() - 1],
        digest
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hubspot::parse_body;

    fn event(json: &str) -> SyncEvent {
        let body = format!("[{json}]");
        let mut events = parse_body(body.as_bytes()).unwrap();
        SyncEvent::from_hubspot(events.remove(0), "req-1", 1_700_000_000_000).unwrap()
    }

    const DEAL_CHANGE: &str = r#"{"eventId":100,"subscriptionId":5,"portalId":62515,"appId":9,"occurredAt":1700000000000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":7,"propertyName":"amount","propertyValue":"1000","changeSource":"CRM","sourceId":"userId:45678","unknownFlag":true}"#;

    #[test]
    fn round_trips_losslessly() {
        let e = event(DEAL_CHANGE);
        let json = e.to_json();
        let back = SyncEvent::from_json(&json).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.to_json(), json);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["schemaVersion"], 1);
        assert_eq!(value["source"], "hubspot");
        assert_eq!(value["eventType"], "deal.propertyChange");
        assert_eq!(value["objectType"], "deal");
        assert_eq!(value["objectId"], "7");
        assert_eq!(value["correlationId"], "req-1");
        assert_eq!(value["hubspot"]["unknownFlag"], true);
        assert_eq!(value["hubspot"]["sourceId"], "userId:45678");
    }

    #[test]
    fn newer_schema_and_garbage_are_refused() {
        let mut e = event(DEAL_CHANGE);
        e.schema_version = SCHEMA_VERSION + 1;
        assert!(matches!(
            SyncEvent::from_json(&e.to_json()),
            Err(EnvelopeError::UnsupportedVersion(2))
        ));
        assert!(matches!(
            SyncEvent::from_json("{}"),
            Err(EnvelopeError::Malformed(_))
        ));
    }

    #[test]
    fn group_ids_separate_types_and_portals() {
        let deal = event(DEAL_CHANGE);
        assert_eq!(deal.message_group_id(), "62515-deal-7");
        let company = event(&DEAL_CHANGE.replace("deal.propertyChange", "company.propertyChange"));
        assert_eq!(company.message_group_id(), "62515-company-7");
        let other_portal = event(&DEAL_CHANGE.replace("62515", "99"));
        assert_ne!(other_portal.message_group_id(), deal.message_group_id());
        let generic = event(
            r#"{"eventId":1,"portalId":1,"occurredAt":1,"subscriptionType":"object.creation","objectTypeId":"2-1234","objectId":5}"#,
        );
        assert_eq!(generic.message_group_id(), "1-2-1234-5");
        let generic_deal = event(
            r#"{"eventId":1,"portalId":1,"occurredAt":1,"subscriptionType":"object.creation","objectTypeId":"0-3","objectId":5}"#,
        );
        assert_eq!(generic_deal.message_group_id(), "1-deal-5");
    }

    #[test]
    fn dedup_id_is_stable_across_retries_and_distinct_across_changes() {
        let first = event(DEAL_CHANGE);
        let retry_json = DEAL_CHANGE.replace("\"attemptNumber\":0", "\"attemptNumber\":3");
        let mut retry = event(&retry_json);
        retry.correlation_id = "another-request".into();
        retry.received_at += 60_000;
        assert_eq!(
            first.message_deduplication_id(),
            retry.message_deduplication_id()
        );
        // eventId alone is not unique: same eventId, different property ⇒ different id
        let other_prop = event(&DEAL_CHANGE.replace("\"amount\"", "\"dealstage\""));
        assert_ne!(
            first.message_deduplication_id(),
            other_prop.message_deduplication_id()
        );
        let other_value = event(&DEAL_CHANGE.replace("\"1000\"", "\"2000\""));
        assert_ne!(
            first.message_deduplication_id(),
            other_value.message_deduplication_id()
        );
        let other_object = event(&DEAL_CHANGE.replace("\"objectId\":7", "\"objectId\":8"));
        assert_ne!(
            first.message_deduplication_id(),
            other_object.message_deduplication_id()
        );
        let other_time = event(&DEAL_CHANGE.replace("1700000000000", "1700000000001"));
        assert_ne!(
            first.message_deduplication_id(),
            other_time.message_deduplication_id()
        );
        let id = first.message_deduplication_id();
        assert_eq!(id.len(), 64);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn hints_are_deduplicated_per_cause_and_deal() {
        let hint = |source, deal: &str, cause: &str, at| {
            SyncEvent::deal_hint(source, 62515, deal, cause, at, at + 5)
        };
        let first = hint(EventSource::Aws, "7", "eb-1", 1);
        // The same EventBridge event delivered again, received later: one message.
        assert_eq!(
            first.message_deduplication_id(),
            hint(EventSource::Aws, "7", "eb-1", 9).message_deduplication_id()
        );
        assert_eq!(first.message_group_id(), "62515-deal-7");
        assert_eq!(first.event_type, "deal.awsChange");
        for other in [
            hint(EventSource::Aws, "7", "eb-2", 1),
            hint(EventSource::Aws, "8", "eb-1", 1),
            hint(EventSource::Sweep, "7", "eb-1", 1),
        ] {
            assert_ne!(
                first.message_deduplication_id(),
                other.message_deduplication_id()
            );
        }
        let sweep = hint(EventSource::Sweep, "7", "sweep-1", 1);
        assert_eq!(sweep.event_type, "deal.sweepHint");
        let back = SyncEvent::from_json(&sweep.to_json()).unwrap();
        assert_eq!(back.source, EventSource::Sweep);
    }

    #[test]
    fn invitation_hints_have_a_group_per_invitation() {
        let hint = SyncEvent::invitation_hint(EventSource::Aws, 62515, "engi-abc", "eb-1", 1, 2);
        assert_eq!(hint.message_group_id(), "62515-invitation-engi-abc");
        assert_eq!(hint.invitation_id(), Some("engi-abc"));
        let back = SyncEvent::from_json(&hint.to_json()).unwrap();
        assert_eq!(back.invitation_id(), Some("engi-abc"));
        assert_eq!(back.message_group_id(), hint.message_group_id());
        let deal = SyncEvent::deal_hint(EventSource::Aws, 62515, "7", "eb-1", 1, 2);
        assert_eq!(deal.invitation_id(), None);
        assert_ne!(
            SyncEvent::invitation_hint(EventSource::Sweep, 62515, "engi-abc", "eb-1", 1, 2)
                .message_deduplication_id(),
            hint.message_deduplication_id()
        );
    }

    #[test]
    fn sqs_ids_respect_the_character_set_and_length() {
        assert_eq!(sqs_id("1-deal-7"), "1-deal-7");
        assert_eq!(sqs_id("a b\té"), "a_b__");
        let long = "x".repeat(300);
        let id = sqs_id(&long);
        assert_eq!(id.len(), MAX_SQS_ID_LEN);
        assert_ne!(sqs_id(&"x".repeat(301)), id);
        assert_eq!(sqs_id(&"y".repeat(128)).len(), 128);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
        );
    }
}
