//! EventBridge events as an SQS target receives them: the body of the record is the event
//! envelope itself (<https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html>).
//! Two kinds reach the events queue: Partner Central's change events (source
//! `aws.partnercentral-selling`, <https://docs.aws.amazon.com/partner-central/latest/APIReference/event-bridge.html>)
//! and the reconciliation schedule's `Scheduled Event` (source `aws.events`,
//! <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html>).
//!
//! Partner Central's `detail` carries identifiers only; which member holds the opportunity id is
//! not pinned down by a schema, so it is read from the usual places and, failing those, from the
//! opportunity ARN in `resources`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::envelope::{EnvelopeError, SyncEvent};

/// `source` of Partner Central's events.
pub const PARTNER_CENTRAL_SOURCE: &str = "aws.partnercentral-selling";
/// `source` and `detail-type` of an EventBridge schedule's event.
pub const SCHEDULE_SOURCE: &str = "aws.events";
pub const SCHEDULED_EVENT: &str = "Scheduled Event";

/// Partner Central detail-types that say an opportunity (or AWS's side of it) changed: the
/// processor re-syncs the opportunity's deal.
pub const OPPORTUNITY_DETAIL_TYPES: [&str; 4] = [
    "Opportunity Created",
    "Opportunity Updated",
    "Opportunity Accepted",
    "Opportunity Rejected",
];

/// Partner Central detail-types about an engagement invitation (an AWS referral): the processor
/// looks at the invitation again.
pub const INVITATION_DETAIL_TYPES: [&str; 4] = [
    "Engagement Invitation Created",
    "Engagement Invitation Accepted",
    "Engagement Invitation Rejected",
    "Engagement Invitation Expired",
];

/// Detail-types that are counted (the `PartnerCentralEvents` metric) but not acted on.
pub const COUNTED_DETAIL_TYPES: [&str; 4] = [
    "Engagement Member Joined",
    "Engagement Member Added",
    "Resource Snapshot Created",
    "Engagement Resource Snapshot Created",
];

/// One EventBridge event, every envelope field kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBridgeEvent {
    #[serde(default)]
    pub version: String,
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    #[serde(default)]
    pub account: String,
    pub time: DateTime<Utc>,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub detail: Value,
}

impl EventBridgeEvent {
    pub fn is_partner_central(&self) -> bool {
        self.source == PARTNER_CENTRAL_SOURCE
    }

    pub fn is_schedule(&self) -> bool {
        self.source == SCHEDULE_SOURCE && self.detail_type == SCHEDULED_EVENT
    }

    /// An opportunity change the processor acts on.
    pub fn is_opportunity_change(&self) -> bool {
        self.is_partner_central() && OPPORTUNITY_DETAIL_TYPES.contains(&self.detail_type.as_str())
    }

    /// The `DetailType` metric dimension: a known detail-type, or `other` (the dimension's
    /// values stay a short, fixed list whatever arrives).
    pub fn metric_detail_type(&self) -> &str {
        let known = OPPORTUNITY_DETAIL_TYPES
            .iter()
            .chain(INVITATION_DETAIL_TYPES.iter())
            .chain(COUNTED_DETAIL_TYPES.iter())
            .find(|t| **t == self.detail_type);
        known.copied().unwrap_or("other")
    }

    /// An engagement invitation change the processor acts on.
    pub fn is_invitation_change(&self) -> bool {
        self.is_partner_central() && INVITATION_DETAIL_TYPES.contains(&self.detail_type.as_str())
    }

    /// The invitation the event is about: `detail.engagementInvitation.id` (or `.identifier`),
    /// `detail.engagementInvitationId`, else the last segment of an `…/engagement-invitation/<id>`
    /// ARN.
    pub fn invitation_id(&self) -> Option<String> {
        self.identifier(
            &[
                "/engagementInvitation/id",
                "/engagementInvitation/identifier",
                "/engagementInvitationId",
                "/invitationId",
            ],
            "/engagement-invitation/",
        )
    }

    /// The first non-blank string at one of `pointers` in `detail`, else the segment after
    /// `arn_part` in one of `resources`.
    fn identifier(&self, pointers: &[&str], arn_part: &str) -> Option<String> {
        let from_detail = pointers
            .iter()
            .filter_map(|p| self.detail.pointer(p))
            .find_map(Value::as_str)
            .map(str::trim)
            .filter(|id| !id.is_empty());
        from_detail.map(str::to_owned).or_else(|| {
            self.resources
                .iter()
                .find_map(|arn| {
                    let (_, id) = arn.rsplit_once(arn_part)?;
                    Some(id.trim()).filter(|id| !id.is_empty() && !id.contains('/'))
                })
                .map(str::to_owned)
        })
    }

    /// `detail.catalog` (the EventBridge rule filters on it too).
    pub fn catalog(&self) -> Option<&str> {
        self.detail.get("catalog").and_then(Value::as_str)
    }

    /// The opportunity the event is about: `detail.opportunity.identifier` (or `.id`),
    /// `detail.opportunityId`, else the last path segment of an `…/opportunity/<id>` ARN.
    pub fn opportunity_id(&self) -> Option<String> {
        self.identifier(
            &[
                "/opportunity/identifier",
                "/opportunity/id",
                "/opportunityId",
                "/opportunityIdentifier",
            ],
            "/opportunity/",
        )
    }
}

/// A record body on the events queue (both kinds boxed: they differ much in size).
#[derive(Debug, Clone, PartialEq)]
pub enum QueueMessage {
    /// A HubSpot event (from the receipt) or a per-deal hint (from the processor itself).
    Sync(Box<SyncEvent>),
    /// Delivered by an EventBridge rule: Partner Central's events and the sweep schedule.
    EventBridge(Box<EventBridgeEvent>),
}

impl QueueMessage {
    /// An object with a `detail-type` member is an EventBridge envelope; anything else must be
    /// a `SyncEvent`.
    pub fn from_json(body: &str) -> Result<Self, EnvelopeError> {
        let value: Value =
            serde_json::from_str(body).map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
        if value.get("detail-type").is_some() {
            let event = serde_json::from_value(value).map_err(|e| {
                EnvelopeError::Malformed(format!("message body is not an EventBridge event: {e}"))
            })?;
            return Ok(QueueMessage::EventBridge(Box::new(event)));
        }
        SyncEvent::from_json(body).map(|e| QueueMessage::Sync(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPDATED: &str = r#"{"version":"0","id":"5ba1a9e1-2f7e-4a0f-9d0b-1c2d3e4f5a6b","detail-type":"Opportunity Updated","source":"aws.partnercentral-selling","account":"111122223333","time":"2026-12-02T10:00:00Z","region":"us-east-1","resources":["arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/opportunity/O1234567"],"detail":{"schemaVersion":"1","catalog":"Sandbox","opportunity":{"identifier":"O1234567"}}}"#;

    fn parsed(body: &str) -> EventBridgeEvent {
        match QueueMessage::from_json(body).unwrap() {
            QueueMessage::EventBridge(e) => *e,
            other => panic!("not an EventBridge event: {other:?}"),
        }
    }

    #[test]
    fn partner_central_envelope_is_read_with_every_field() {
        let e = parsed(UPDATED);
        assert_eq!(e.id, "5ba1a9e1-2f7e-4a0f-9d0b-1c2d3e4f5a6b");
        assert_eq!(e.detail_type, "Opportunity Updated");
        assert_eq!(e.account, "111122223333");
        assert_eq!(e.region, "us-east-1");
        assert_eq!(e.catalog(), Some("Sandbox"));
        assert_eq!(e.opportunity_id().as_deref(), Some("O1234567"));
        assert!(e.is_opportunity_change());
        assert!(!e.is_schedule());
        assert_eq!(e.metric_detail_type(), "Opportunity Updated");
        // Serialising keeps EventBridge's member names.
        let back: Value = serde_json::to_value(&e).unwrap();
        assert_eq!(back["detail-type"], "Opportunity Updated");
    }

    #[test]
    fn the_opportunity_id_falls_back_to_the_arn() {
        let body = UPDATED.replace(r#""opportunity":{"identifier":"O1234567"}"#, r#""x":1"#);
        assert_eq!(parsed(&body).opportunity_id().as_deref(), Some("O1234567"));
        let body = body.replace("/opportunity/O1234567", "/engagement/E1");
        assert_eq!(parsed(&body).opportunity_id(), None);
        let body = UPDATED.replace(
            r#""opportunity":{"identifier":"O1234567"}"#,
            r#""opportunityId":"O7""#,
        );
        assert_eq!(parsed(&body).opportunity_id().as_deref(), Some("O7"));
    }

    #[test]
    fn schedule_and_other_types_are_told_apart() {
        let scheduled = r#"{"version":"0","id":"s-1","detail-type":"Scheduled Event","source":"aws.events","account":"111122223333","time":"2026-12-02T10:15:00Z","region":"eu-west-1","resources":["arn:aws:events:eu-west-1:111122223333:rule/sweep"],"detail":{}}"#;
        let e = parsed(scheduled);
        assert!(e.is_schedule());
        assert!(!e.is_partner_central());
        let invitation = UPDATED.replace("Opportunity Updated", "Engagement Invitation Created");
        let e = parsed(&invitation);
        assert!(!e.is_opportunity_change());
        assert!(e.is_invitation_change());
        assert_eq!(e.metric_detail_type(), "Engagement Invitation Created");
        let body = invitation.replace(
            r#""opportunity":{"identifier":"O1234567"}"#,
            r#""engagementInvitation":{"id":"engi-1"}"#,
        );
        assert_eq!(parsed(&body).invitation_id().as_deref(), Some("engi-1"));
        let arn_only = invitation
            .replace(r#""opportunity":{"identifier":"O1234567"}"#, r#""x":1"#)
            .replace("/opportunity/O1234567", "/engagement-invitation/engi-2");
        assert_eq!(parsed(&arn_only).invitation_id().as_deref(), Some("engi-2"));
        let odd = UPDATED.replace("Opportunity Updated", "Something New");
        assert_eq!(parsed(&odd).metric_detail_type(), "other");
    }

    #[test]
    fn sync_events_and_garbage_are_still_told_apart() {
        assert!(matches!(
            QueueMessage::from_json("not json"),
            Err(EnvelopeError::Malformed(_))
        ));
        assert!(matches!(
            QueueMessage::from_json(r#"{"detail-type":"x"}"#),
            Err(EnvelopeError::Malformed(m)) if m.contains("EventBridge")
        ));
        assert!(matches!(
            QueueMessage::from_json("{}"),
            Err(EnvelopeError::Malformed(_))
        ));
    }
}
