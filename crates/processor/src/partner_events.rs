//! EventBridge deliveries on the events queue (docs/architecture.md, "Hearing AWS").
//!
//! - A Partner Central event about an opportunity is resolved to its deal (the opportunity's
//!   `PartnerOpportunityIdentifier` is the HubSpot deal id for every opportunity this sync
//!   made; otherwise the deal whose `aws_opportunity_id` names it, as for an accepted AWS
//!   referral) and handed to the queue as a `SyncEvent` with source `aws` in the deal's message
//!   group, deduplicated on the EventBridge event id: it is then synced like a HubSpot event,
//!   in order with them, and never at the same time as another sync of the deal. The events
//!   share one message group on the way in (EventBridge's FIFO target takes a constant group),
//!   so resolving them is kept to one read each.
//! - An opportunity linked to no deal (created in the Partner Central console) is counted and
//!   logged, and the event acknowledged.
//! - An engagement invitation event (an AWS referral) becomes an invitation hint in the
//!   invitation's own group (`crate::referrals`).
//! - The schedule's `Scheduled Event` runs the reconciliation sweep: opportunities whose
//!   LastModifiedDate falls in the look-back window, and deals the sync waits on or that
//!   changed in the window, each get one hint, and so does every pending invitation. Partner Central delivers events best effort and
//!   HubSpot stops retrying a webhook after a day; the sweep heals both. A sweep that fails or
//!   runs out of time is acknowledged and counted (`SweepRuns`, `failed`): the next one looks
//!   back twice the interval, so it covers this one's window, and a failing sweep never holds
//!   the schedule's message group.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use events::eventbridge::EventBridgeEvent;
use events::{Clock, EventSource, SyncEvent};

use crate::Processor;
use crate::batch::DealCache;
use crate::mapping;
use crate::outcome::{Outcome, Signals};
use crate::ports::{Crm, Opportunities, OpportunityError};
use crate::referrals::{INVITATION_STATUS, OPEN_INVITATION_STATUSES};
use crate::settings::SyncTrigger;
use crate::sync::DealResult;

/// `aws_sync_status` values of deals the sync is waiting on: a submission task, AWS's review,
/// or AWS's request for changes. The sweep looks at them every time.
pub const WAITING_STATUSES: [&str; 3] = ["submitting", "blocked", "action_required"];
/// Time kept back from the record's deadline to report a sweep that did not finish.
const SWEEP_MARGIN: Duration = Duration::from_secs(1);

/// An EventBridge record's result and what it adds to the metrics.
pub(crate) struct Handled {
    pub result: DealResult,
    pub signals: Signals,
}

fn done(outcome: Outcome, opportunity_id: Option<String>, detail: String) -> DealResult {
    DealResult {
        outcome,
        opportunity_id,
        detail: Some(detail),
        writes: 0,
        referral: None,
    }
}

/// HubSpot deal ids are numbers; a PartnerOpportunityIdentifier that is not one was not set by
/// this sync (a console user's own reference).
fn as_deal_id(partner_id: &str) -> Option<&str> {
    let id = partner_id.trim();
    (!id.is_empty() && id.len() <= 20 && id.chars().all(|c| c.is_ascii_digit())).then_some(id)
}

impl<C: Crm, O: Opportunities, K: Clock> Processor<C, O, K> {
    pub(crate) async fn handle_eventbridge(
        &self,
        event: &EventBridgeEvent,
        cache: &DealCache,
        deadline: Instant,
    ) -> Handled {
        let mut signals = Signals::default();
        if event.is_schedule() {
            let result = self.sweep(event, cache, deadline, &mut signals).await;
            return Handled { result, signals };
        }
        if !event.is_partner_central() {
            let detail = format!(
                "EventBridge event from {} ({}) is not one this sync handles",
                event.source, event.detail_type
            );
            let result = done(Outcome::Skipped, None, detail);
            return Handled { result, signals };
        }
        *signals
            .partner_central_events
            .entry(event.metric_detail_type().to_owned())
            .or_default() += 1;
        let result = self
            .opportunity_event(event, cache, deadline, &mut signals)
            .await;
        Handled { result, signals }
    }

    async fn opportunity_event(
        &self,
        event: &EventBridgeEvent,
        cache: &DealCache,
        deadline: Instant,
        signals: &mut Signals,
    ) -> DealResult {
        let catalog = self.settings.catalog.as_str();
        if let Some(other) = event.catalog().filter(|c| *c != catalog) {
            let detail = format!("event of the {other} catalog; this stack syncs {catalog}");
            return done(Outcome::Skipped, None, detail);
        }
        if event.is_invitation_change() {
            return self.invitation_event(event, cache, deadline).await;
        }
        if !event.is_opportunity_change() {
            let detail = format!("{} is counted, not acted on", event.detail_type);
            return done(Outcome::Skipped, None, detail);
        }
        let Some(id) = event.opportunity_id() else {
            tracing::warn!(
                event_id = event.id.as_str(),
                detail_type = event.detail_type.as_str(),
                "Partner Central event names no opportunity"
            );
            let detail = format!("{} names no opportunity", event.detail_type);
            return done(Outcome::Skipped, None, detail);
        };
        let opportunity = match self.opportunities.get(&id).await {
            Ok(o) => o,
            Err(OpportunityError::NotFound(reason)) => {
                return done(Outcome::NotFound, Some(id), reason);
            }
            Err(e @ OpportunityError::Throttled(_)) => {
                return done(Outcome::Deferred, Some(id), e.to_string());
            }
            // Refused for good (an id that is not an opportunity's): retrying would hold every
            // other Partner Central event of the shared group behind it.
            Err(e @ OpportunityError::Invalid(_)) => {
                tracing::warn!(opportunity_id = id.as_str(), error = %e, "Partner Central event names an opportunity that cannot be read");
                return done(Outcome::Skipped, Some(id), e.to_string());
            }
            Err(e) => return done(Outcome::TransientError, Some(id), e.to_string()),
        };
        let partner_id = opportunity.fields.partner_opportunity_identifier.as_str();
        let deal_id = match self.deal_of(&id, Some(partner_id)).await {
            Ok(found) => found,
            Err(e) => return done(Outcome::TransientError, Some(id), e.to_string()),
        };
        let Some(deal_id) = deal_id.as_deref() else {
            signals.unlinked_opportunities += 1;
            tracing::info!(
                opportunity_id = id.as_str(),
                partner_opportunity_identifier = partner_id,
                "opportunity linked to no HubSpot deal: counted, not synced"
            );
            let detail = format!(
                "opportunity {id} is linked to no HubSpot deal (PartnerOpportunityIdentifier {partner_id:?})"
            );
            return done(Outcome::Unlinked, Some(id), detail);
        };
        let portal_id = match self.crm.portal_id().await {
            Ok(p) => p,
            Err(e) => return done(Outcome::TransientError, Some(id), e.to_string()),
        };
        let hint = SyncEvent::deal_hint(
            EventSource::Aws,
            portal_id,
            deal_id,
            &event.id,
            event.time.timestamp_millis(),
            self.clock.now().timestamp_millis(),
        );
        match self.send_hints(&[hint], cache, deadline).await {
            Ok(note) => done(
                Outcome::Forwarded,
                Some(id),
                format!("deal {deal_id}: {note}"),
            ),
            Err(reason) => done(Outcome::TransientError, Some(id), reason),
        }
    }

    /// An AWS referral changed (created, accepted, rejected, expired): the invitation is looked
    /// at in its own message group (`crate::referrals`).
    async fn invitation_event(
        &self,
        event: &EventBridgeEvent,
        cache: &DealCache,
        deadline: Instant,
    ) -> DealResult {
        let Some(id) = event.invitation_id() else {
            tracing::warn!(
                event_id = event.id.as_str(),
                detail_type = event.detail_type.as_str(),
                "Partner Central event names no engagement invitation"
            );
            let detail = format!("{} names no invitation", event.detail_type);
            return done(Outcome::Skipped, None, detail);
        };
        let portal_id = match self.crm.portal_id().await {
            Ok(p) => p,
            Err(e) => return done(Outcome::TransientError, None, e.to_string()),
        };
        let hint = SyncEvent::invitation_hint(
            EventSource::Aws,
            portal_id,
            &id,
            &event.id,
            event.time.timestamp_millis(),
            self.clock.now().timestamp_millis(),
        );
        match self.send_hints(&[hint], cache, deadline).await {
            Ok(note) => done(Outcome::Forwarded, None, format!("invitation {id}: {note}")),
            Err(reason) => done(Outcome::TransientError, None, reason),
        }
    }

    /// The deal of an opportunity: its PartnerOpportunityIdentifier when that is a deal id (the
    /// opportunities this sync creates), else the deal whose `aws_opportunity_id` names it (an
    /// accepted AWS referral has no partner identifier, and it cannot be set once approved).
    async fn deal_of(
        &self,
        opportunity_id: &str,
        partner_id: Option<&str>,
    ) -> Result<Option<String>, crate::ports::CrmError> {
        if let Some(deal) = partner_id.and_then(as_deal_id) {
            return Ok(Some(deal.to_owned()));
        }
        let found = self
            .crm
            .find_deal(
                "aws_opportunity_id",
                opportunity_id,
                &["aws_opportunity_id".to_owned()],
            )
            .await?;
        Ok(found.map(|d| d.id))
    }

    /// One reconciliation sweep (see the module docs). Its result is always acknowledged.
    async fn sweep(
        &self,
        event: &EventBridgeEvent,
        cache: &DealCache,
        deadline: Instant,
        signals: &mut Signals,
    ) -> DealResult {
        let until = deadline.checked_sub(SWEEP_MARGIN).unwrap_or(deadline);
        let work = self.sweep_hints(event, cache, deadline, signals);
        let outcome = tokio::time::timeout_at(until.into(), work).await;
        let failure = match outcome {
            Ok(Ok(detail)) => {
                signals.sweeps_completed += 1;
                tracing::info!(
                    schedule_event = event.id.as_str(),
                    detail,
                    "sweep completed"
                );
                return done(Outcome::Swept, None, detail);
            }
            Ok(Err(reason)) => reason,
            Err(_) => "out of time before every hint was queued".to_owned(),
        };
        signals.sweeps_failed += 1;
        tracing::error!(
            schedule_event = event.id.as_str(),
            reason = failure.as_str(),
            "sweep failed; the next sweep looks back over this one's window"
        );
        done(
            Outcome::SweepFailed,
            None,
            format!("sweep failed: {failure}; the next sweep covers this window"),
        )
    }

    async fn sweep_hints(
        &self,
        event: &EventBridgeEvent,
        cache: &DealCache,
        deadline: Instant,
        signals: &mut Signals,
    ) -> Result<String, String> {
        let lookback = chrono::Duration::from_std(self.settings.sweep_lookback)
            .unwrap_or_else(|_| chrono::Duration::minutes(30));
        // The schedule's time, not ours: a sweep delivered late still covers its own window.
        let since = event.time.min(self.clock.now()) - lookback;
        let portal_id = self.crm.portal_id().await.map_err(|e| e.to_string())?;
        let mut deals = BTreeSet::new();
        let modified = self
            .opportunities
            .modified_since(since)
            .await
            .map_err(|e| e.to_string())?;
        let listed = modified.len();
        for opportunity in modified {
            if opportunity
                .partner_id
                .as_deref()
                .and_then(as_deal_id)
                .is_none()
            {
                // A HubSpot search follows: HubSpot allows 5 a second.
                tokio::time::sleep(crate::hubspot::SEARCH_PAUSE).await;
            }
            let deal = match self
                .deal_of(&opportunity.id, opportunity.partner_id.as_deref())
                .await
            {
                Ok(deal) => deal,
                Err(e) => {
                    tracing::warn!(opportunity_id = opportunity.id.as_str(), error = %e, "sweep: the opportunity's deal could not be looked up");
                    continue;
                }
            };
            match deal {
                Some(deal) => {
                    deals.insert(deal);
                }
                None => {
                    signals.unlinked_opportunities += 1;
                    tracing::info!(
                        opportunity_id = opportunity.id.as_str(),
                        "opportunity linked to no HubSpot deal: counted, not synced"
                    );
                }
            }
        }
        let mut properties = vec![
            "aws_opportunity_id".to_owned(),
            "aws_sync_status".to_owned(),
            "dealname".to_owned(),
        ];
        if let SyncTrigger::Property(name) = &self.settings.trigger {
            properties.push(name.clone());
        }
        properties.push(INVITATION_STATUS.to_owned());
        let waiting: [(&str, &[&str]); 2] = [
            ("aws_sync_status", &WAITING_STATUSES),
            (INVITATION_STATUS, &OPEN_INVITATION_STATUSES),
        ];
        let candidates = self
            .crm
            .deals_to_reconcile(&waiting, since, &properties)
            .await
            .map_err(|e| e.to_string())?;
        let searched = candidates.len();
        for deal in candidates {
            let waiting = deal
                .prop("aws_sync_status")
                .is_some_and(|s| WAITING_STATUSES.contains(&s));
            let waiting = waiting
                || deal
                    .prop(INVITATION_STATUS)
                    .is_some_and(|s| OPEN_INVITATION_STATUSES.contains(&s));
            let linked = deal.prop("aws_opportunity_id").is_some();
            if waiting || linked || mapping::is_triggered(&deal, &self.settings.trigger) {
                deals.insert(deal.id);
            }
        }
        // AWS referrals missed by events: every pending invitation is looked at.
        // A failure here (e.g. a role without ListEngagementInvitations) must not stop the deals'
        // healing: logged, and the next sweep tries again.
        let invitations = match self.opportunities.pending_invitations().await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "sweep: pending AWS referrals could not be listed");
                Vec::new()
            }
        };
        let cause = format!("sweep-{}", event.id);
        let now = self.clock.now().timestamp_millis();
        let at = event.time.timestamp_millis();
        let hints: Vec<SyncEvent> = deals
            .iter()
            .map(|deal| SyncEvent::deal_hint(EventSource::Sweep, portal_id, deal, &cause, at, now))
            .chain(invitations.iter().map(|id| {
                SyncEvent::invitation_hint(EventSource::Sweep, portal_id, id, &cause, at, now)
            }))
            .collect();
        let note = self.send_hints(&hints, cache, deadline).await?;
        signals.sweep_hints += hints.len() as u64;
        Ok(format!(
            "since {}: {listed} opportunities modified, {searched} deals found in HubSpot, {} pending invitations; {} deals and {} invitations hinted ({note})",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            invitations.len(),
            deals.len(),
            invitations.len()
        ))
    }

    /// Queues hints in their deals' message groups (batches of ten). Without a queue to send
    /// to (tests, a processor built without QUEUE_URL) each deal is synced here instead.
    pub(crate) async fn send_hints(
        &self,
        hints: &[SyncEvent],
        cache: &DealCache,
        deadline: Instant,
    ) -> Result<String, String> {
        let Some(queue) = &self.requeue else {
            let mut outcomes = Vec::new();
            for hint in hints {
                if hint.invitation_id().is_some() {
                    return Err(
                        "AWS referrals need the queue (QUEUE_URL): their hints must run in the invitation's own message group"
                            .to_owned(),
                    );
                }
                let r = self
                    .deal_once(hint.portal_id, &hint.object_id, cache, deadline)
                    .await;
                if matches!(r.outcome, Outcome::TransientError | Outcome::Deferred) {
                    return Err(format!(
                        "deal {}: {}",
                        hint.object_id,
                        r.detail.unwrap_or_default()
                    ));
                }
                outcomes.push(r.outcome.as_str());
            }
            return Ok(format!("synced in place: {}", outcomes.join(", ")));
        };
        let entries: Vec<queue::SendEntry> = hints
            .iter()
            .map(|h| queue::SendEntry {
                body: h.to_json(),
                group_id: h.message_group_id(),
                dedup_id: h.message_deduplication_id(),
                attributes: Default::default(),
            })
            .collect();
        for chunk in entries.chunks(queue::limits::MAX_BATCH) {
            let results = queue
                .send_batch(chunk)
                .await
                .map_err(|e| format!("could not queue the hints: {e}"))?;
            if let Some(queue::SendResult::Failed { code, message, .. }) = results
                .iter()
                .find(|r| matches!(r, queue::SendResult::Failed { .. }))
            {
                return Err(format!("the queue refused a hint: {code}: {message}"));
            }
        }
        Ok(format!("{} queued", entries.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_numbers_are_deal_ids() {
        assert_eq!(as_deal_id(" 1234 "), Some("1234"));
        for not in ["", "ABC-1", "12a", "1 2", &"9".repeat(21)] {
            assert_eq!(as_deal_id(not), None, "{not:?}");
        }
    }
}
