//! The EventBridge events Partner Central puts on the partner account's default bus in
//! us-east-1 ("Working with selling API events",
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/selling-api-events.html>):
//! `Opportunity Created` when an opportunity is created, `Opportunity Updated` when the
//! opportunity or its AWS Opportunity Summary changes, and `Engagement Invitation Created` /
//! `Accepted` / `Rejected` / `Expired` along an AWS referral's life. The envelope is
//! EventBridge's (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html>);
//! the detail carries identifiers only — `opportunity.identifier` or `engagementInvitation.id`,
//! with the resource's ARN in `resources` — so a consumer re-reads with GetOpportunity /
//! GetAwsOpportunitySummary / GetEngagementInvitation.
//!
//! Delivery is best effort, and EventBridge retries deliver at least once: the handle can
//! drop events (to prove a reconciliation sweep finds what no event announced) or deliver
//! them twice with the same `id` (to prove consumers are idempotent). Every emitted event is
//! recorded whether delivered or not.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::{ACCOUNT_ID, PartnerCentralFake, protocol};
use crate::lock;

/// `source` of every Partner Central selling event.
pub const EVENT_SOURCE: &str = "aws.partnercentral-selling";

/// The `detail-type`s the fake emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DetailType {
    OpportunityCreated,
    OpportunityUpdated,
    InvitationCreated,
    InvitationAccepted,
    InvitationRejected,
    InvitationExpired,
}

impl DetailType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::OpportunityCreated => "Opportunity Created",
            Self::OpportunityUpdated => "Opportunity Updated",
            Self::InvitationCreated => "Engagement Invitation Created",
            Self::InvitationAccepted => "Engagement Invitation Accepted",
            Self::InvitationRejected => "Engagement Invitation Rejected",
            Self::InvitationExpired => "Engagement Invitation Expired",
        }
    }

    /// The detail member naming the resource the event is about.
    fn subject(self, id: &str) -> (&'static str, Value) {
        match self {
            Self::OpportunityCreated | Self::OpportunityUpdated => {
                ("opportunity", json!({ "identifier": id }))
            }
            Self::InvitationCreated
            | Self::InvitationAccepted
            | Self::InvitationRejected
            | Self::InvitationExpired => ("engagementInvitation", json!({ "id": id })),
        }
    }
}

/// One event as EventBridge delivers it to a rule's target. `id` is the opportunity or
/// invitation the event is about, `arn` its ARN.
fn envelope(
    detail_type: DetailType,
    catalog: &str,
    id: &str,
    arn: &str,
    at: DateTime<Utc>,
) -> Value {
    let (subject, reference) = detail_type.subject(id);
    let mut detail = json!({ "schemaVersion": "1", "catalog": catalog });
    detail[subject] = reference;
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": detail_type.as_str(),
        "source": EVENT_SOURCE,
        "account": ACCOUNT_ID,
        // EventBridge's `time` has whole seconds.
        "time": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "region": protocol::REGION,
        "resources": [arn],
        "detail": detail,
    })
}

/// The default bus as the fake's subscribers see it.
#[derive(Debug, Default)]
pub(crate) struct EventBus {
    emitted: Vec<Value>,
    subscribers: Vec<UnboundedSender<Value>>,
    drop_next: usize,
    duplicate_next: usize,
    delivery_off: bool,
    dropped: usize,
}

impl EventBus {
    /// Records the event and delivers it (or not) as the delivery controls say.
    pub(crate) fn publish(
        &mut self,
        detail_type: DetailType,
        catalog: &str,
        id: &str,
        arn: &str,
        at: DateTime<Utc>,
    ) {
        let event = envelope(detail_type, catalog, id, arn, at);
        self.emitted.push(event.clone());
        if self.delivery_off {
            self.dropped += 1;
            return;
        }
        if self.drop_next > 0 {
            self.drop_next -= 1;
            self.dropped += 1;
            return;
        }
        let copies = if self.duplicate_next > 0 {
            self.duplicate_next -= 1;
            2
        } else {
            1
        };
        for _ in 0..copies {
            // A closed receiver is forgotten.
            self.subscribers
                .retain(|subscriber| subscriber.send(event.clone()).is_ok());
        }
    }
}

impl PartnerCentralFake {
    /// A receiver of every event delivered from now on. Several subscribers may listen; each
    /// gets every delivered event (like several rules matching the same events).
    pub fn subscribe_events(&self) -> UnboundedReceiver<Value> {
        let (sender, receiver) = unbounded_channel();
        lock(&self.shared.store).bus.subscribers.push(sender);
        receiver
    }

    /// Every event emitted so far, delivered or dropped, oldest first.
    pub fn emitted_events(&self) -> Vec<Value> {
        lock(&self.shared.store).bus.emitted.clone()
    }

    /// The next `n` events are not delivered (EventBridge delivery is best effort).
    pub fn drop_next_events(&self, n: usize) {
        lock(&self.shared.store).bus.drop_next += n;
    }

    /// Turns delivery off (every event is dropped) or back on.
    pub fn set_event_delivery(&self, on: bool) {
        lock(&self.shared.store).bus.delivery_off = !on;
    }

    /// Events emitted but not delivered.
    pub fn dropped_events(&self) -> usize {
        lock(&self.shared.store).bus.dropped
    }

    /// The next `n` delivered events arrive twice, with the same envelope and `id`
    /// (EventBridge delivers at least once).
    pub fn duplicate_next_events(&self, n: usize) {
        lock(&self.shared.store).bus.duplicate_next += n;
    }
}
