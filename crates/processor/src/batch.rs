//! One SQS FIFO batch: parse, coalesce, sync, and answer with FIFO-correct partial failures.
//!
//! Ordering rule: the records of a message group are processed in batch order; groups run
//! concurrently (one deal waiting for a write slot or a submission task does not hold up the
//! others, and a deal named by two groups is synced by one of them at a time). Once a record of a
//! message group fails,
//! every later record of the *same group* is reported failed without being processed, so SQS
//! redelivers them in order; records of other groups are still processed (one stuck deal never
//! holds up the others). Lambda's guidance for FIFO partial batch responses is to stop at the
//! first failure and report it with every later message
//! (<https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html>); FIFO order
//! only holds within a message group, so failing the rest of that group is enough. Powertools
//! calls this variant `skip_group_on_error`
//! (<https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/#processing-messages-from-sqs-fifo>).
//!
//! The partner account's Partner Central quota is not a failure: a record it held up is handed
//! back to the queue as a new message at the end of its group and the original acknowledged
//! (`deferred`), so waiting for quota never counts toward `maxReceiveCount`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use events::{Clock, ObjectType, QueueMessage, SYNC_OWNED_PROPERTIES, SyncEvent};
use tracing::Instrument;

use crate::Processor;
use crate::outcome::{BatchReport, Outcome, RecordOutcome, Signals};
use crate::ports::{AssociatedObject, Crm, Opportunities};
use crate::sync::{DealResult, Retry};

/// Time kept back to return the batch response after the last record.
pub const RESPONSE_MARGIN: Duration = Duration::from_millis(1500);
/// A record is not started with less time than this left; it is reported failed instead.
pub const MIN_TIME_TO_START: Duration = Duration::from_secs(3);

/// Deal results already computed in this batch, by (portal, deal id). Each deal has its own
/// cell, locked while the deal syncs: two groups of one batch never sync a deal at once, and
/// the second reuses the first's result.
type DealCell = Arc<tokio::sync::Mutex<Option<Result<DealResult, Retry>>>>;
#[derive(Default)]
pub(crate) struct DealCache(std::sync::Mutex<HashMap<(u64, String), DealCell>>);

impl DealCache {
    fn cell(&self, key: (u64, String)) -> DealCell {
        let mut cells = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cells.entry(key).or_default().clone()
    }
}

/// A record's result in the batch.
struct Done {
    index: usize,
    outcome: RecordOutcome,
    failed: bool,
    writes: u64,
    signals: Signals,
}

/// True when every record carries a non-empty `messageId`. A record without one cannot be
/// named in `batchItemFailures` (an empty identifier fails the whole batch anyway), so
/// [`crate::Function`] fails the invocation instead: SQS then redelivers the whole batch.
pub fn all_records_identifiable(event: &SqsEvent) -> bool {
    event
        .records
        .iter()
        .all(|r| r.message_id.as_deref().is_some_and(|id| !id.is_empty()))
}

fn group_of(record: &SqsMessage) -> String {
    record
        .attributes
        .get(queue::attribute::MESSAGE_GROUP_ID)
        .cloned()
        .unwrap_or_else(|| record.message_id.clone().unwrap_or_default())
}

impl<C: Crm, O: Opportunities, K: Clock> Processor<C, O, K> {
    /// deadline: when the invocation must have answered (Lambda context deadline). Metrics are
    /// the caller's: [`BatchReport::metric_lines`].
    ///
    /// Message groups run concurrently, the records of one group in order: while one deal
    /// waits (for a write slot, or for AWS to finish a submission task) the others go on, so
    /// the partner account's write quota stays busy.
    pub async fn handle_batch(&self, event: SqsEvent, deadline: Instant) -> BatchReport {
        let identifiable = all_records_identifiable(&event);
        let stop_at = deadline.checked_sub(RESPONSE_MARGIN).unwrap_or(deadline);
        let cache = DealCache::default();
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        for (index, record) in event.records.iter().enumerate() {
            let group = group_of(record);
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, members)) => members.push(index),
                None => groups.push((group, vec![index])),
            }
        }
        let runs = groups.iter().map(|(group, members)| {
            self.run_group(
                group,
                members,
                &event.records,
                identifiable,
                deadline,
                stop_at,
                &cache,
            )
        });
        let mut done: Vec<Done> = futures::future::join_all(runs)
            .await
            .into_iter()
            .flatten()
            .collect();
        done.sort_by_key(|d| d.index);

        let mut failures = Vec::new();
        let mut outcomes = Vec::with_capacity(done.len());
        let mut writes = 0;
        let mut signals = Signals::default();
        for d in done {
            writes += d.writes;
            signals.add(&d.signals);
            if d.failed && !d.outcome.message_id.is_empty() {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = d.outcome.message_id.clone();
                failures.push(failure);
            }
            outcomes.push(d.outcome);
        }
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failures;
        BatchReport {
            response,
            outcomes,
            writes,
            signals,
        }
    }

    /// One message group's records, in order. Once a record fails, the rest of the group is
    /// reported failed unprocessed; once one is handed back for the quota, the rest are handed
    /// back too, behind it.
    #[allow(clippy::too_many_arguments)]
    async fn run_group(
        &self,
        group: &str,
        members: &[usize],
        records: &[SqsMessage],
        identifiable: bool,
        deadline: Instant,
        stop_at: Instant,
        cache: &DealCache,
    ) -> Vec<Done> {
        let mut out = Vec::with_capacity(members.len());
        let mut group_failed = false;
        let mut group_deferred = false;
        for &index in members {
            let record = &records[index];
            let message_id = record.message_id.clone().unwrap_or_default();
            let parsed = record.body.as_deref().map(QueueMessage::from_json);
            let mut described =
                describe(&message_id, parsed.as_ref().and_then(|p| p.as_ref().ok()));
            let span = tracing::info_span!(
                "record",
                message_id = message_id.as_str(),
                correlation_id = described.correlation_id.as_deref().unwrap_or(""),
                event_id = event_id(parsed.as_ref()),
                object_type = described.object_type.as_deref().unwrap_or(""),
                object_id = described.object_id.as_deref().unwrap_or(""),
                receive_count = receive_count(record),
            );
            let mut writes = 0;
            let mut signals = Signals::default();
            let (mut outcome, mut detail, mut failed) = if !identifiable {
                (
                    Outcome::TransientError,
                    "batch has a record without messageId".to_owned(),
                    true,
                )
            } else if group_failed {
                let detail = format!("not processed: an earlier message of group {group} failed");
                (Outcome::TransientError, detail, true)
            } else if group_deferred {
                let detail = format!(
                    "not processed: an earlier message of group {group} waits for the Partner Central quota"
                );
                (Outcome::Deferred, detail, false)
            } else if Instant::now() + MIN_TIME_TO_START > deadline {
                (
                    Outcome::TransientError,
                    "not processed: the invocation is out of time".to_owned(),
                    true,
                )
            } else {
                match parsed {
                    None => (Outcome::DataError, "message has no body".to_owned(), true),
                    // Permanent, but reported failed on purpose: after maxReceiveCount the message
                    // lands in the DLQ where an operator can read it, instead of vanishing.
                    Some(Err(e)) => (Outcome::DataError, e.to_string(), true),
                    Some(Ok(QueueMessage::EventBridge(event))) => {
                        let work = self.handle_eventbridge(&event, cache, stop_at);
                        match tokio::time::timeout_at(stop_at.into(), work)
                            .instrument(span.clone())
                            .await
                        {
                            Ok(handled) => {
                                signals = handled.signals;
                                let r = handled.result;
                                described.opportunity_id = r.opportunity_id;
                                let failed = r.outcome == Outcome::TransientError;
                                (r.outcome, r.detail.unwrap_or_default(), failed)
                            }
                            Err(_) => (
                                Outcome::TransientError,
                                "timed out before the function deadline".to_owned(),
                                true,
                            ),
                        }
                    }
                    Some(Ok(QueueMessage::Sync(sync_event))) => {
                        let work = self.process(&sync_event, cache, stop_at);
                        match tokio::time::timeout_at(stop_at.into(), work)
                            .instrument(span.clone())
                            .await
                        {
                            Ok(r) => {
                                writes = r.writes;
                                if let Some(referral) = r.referral {
                                    signals.referrals.insert(referral.to_owned(), 1);
                                }
                                described.opportunity_id = r.opportunity_id;
                                let failed = r.outcome == Outcome::TransientError;
                                (r.outcome, r.detail.unwrap_or_default(), failed)
                            }
                            Err(_) => (
                                Outcome::TransientError,
                                "timed out before the function deadline".to_owned(),
                                true,
                            ),
                        }
                    }
                }
            };
            if outcome == Outcome::Deferred {
                group_deferred = true;
                match self.hand_back(record, group).await {
                    Ok(note) => detail = format!("{detail}; {note}"),
                    Err(note) => {
                        detail = format!("{detail}; {note}");
                        outcome = Outcome::TransientError;
                        failed = true;
                    }
                }
            }
            described.outcome = outcome;
            described.detail = Some(detail).filter(|d| !d.is_empty());
            span.in_scope(|| log_outcome(&described, failed));
            group_failed |= failed;
            out.push(Done {
                index,
                outcome: described,
                failed,
                writes,
                signals,
            });
        }
        out
    }

    /// Sends a copy of a record the quota kept from finishing to the back of its message
    /// group, so the original can be acknowledged: quota waits never count toward
    /// `maxReceiveCount` and never move an event to the DLQ. Without a queue to send to, the
    /// record is failed instead (SQS redelivers it).
    async fn hand_back(&self, record: &SqsMessage, group: &str) -> Result<String, String> {
        let Some(queue) = &self.requeue else {
            return Err("no queue to hand it back to: reported failed".to_owned());
        };
        let message_id = record.message_id.clone().unwrap_or_default();
        let entry = queue::SendEntry {
            body: record.body.clone().unwrap_or_default(),
            group_id: group.to_owned(),
            // One copy per delivered message, even if this record is handled twice.
            dedup_id: format!("{message_id}-deferred"),
            attributes: Default::default(),
        };
        match queue::send_one(queue.as_ref(), entry).await {
            Ok(copy) => Ok(format!("handed back to the queue as message {copy}")),
            Err(e) => Err(format!(
                "could not hand it back to the queue ({e}): reported failed"
            )),
        }
    }

    async fn process(&self, event: &SyncEvent, cache: &DealCache, deadline: Instant) -> DealResult {
        if let Some(invitation_id) = event.invitation_id() {
            return self
                .sync_invitation(event, invitation_id, cache, deadline)
                .await;
        }
        let id = event.object_id.as_str();
        let associated = match event.object_type {
            ObjectType::Deal => {
                if let Some(property) = owned_property(event) {
                    return skipped(format!("change of sync-owned property {property}"));
                }
                return self.deal_once(event.portal_id, id, cache, deadline).await;
            }
            ObjectType::Company => AssociatedObject::Company,
            ObjectType::Contact => AssociatedObject::Contact,
            ObjectType::Note => AssociatedObject::Note,
            other => return skipped(format!("{other} events are not synced")),
        };
        let deals = match self.crm.deals_of(associated, id).await {
            Ok(Some(deals)) => deals,
            Ok(None) => {
                return result(
                    Outcome::NotFound,
                    format!("{} {id} not found", event.object_type),
                );
            }
            Err(e) => return result(Outcome::TransientError, e.to_string()),
        };
        if deals.is_empty() {
            return skipped(format!("{} {id} has no associated deal", event.object_type));
        }
        // The record reports its most significant deal outcome; any transient failure fails it.
        let mut combined = skipped(String::new());
        let mut details = Vec::new();
        for deal_id in deals {
            let r = self
                .deal_once(event.portal_id, &deal_id, cache, deadline)
                .await;
            combined.writes += r.writes;
            if let Some(d) = &r.detail {
                details.push(format!("deal {deal_id}: {d}"));
            }
            if r.outcome.severity() >= combined.outcome.severity() {
                combined.outcome = r.outcome;
                combined.opportunity_id = r.opportunity_id.or(combined.opportunity_id);
            }
            // A failure, or the quota: the rest waits for the record's retry or hand-back.
            if matches!(r.outcome, Outcome::TransientError | Outcome::Deferred) {
                break;
            }
        }
        combined.detail = Some(details.join("; ")).filter(|d| !d.is_empty());
        combined
    }

    /// Syncs a deal at most once per batch: later records naming the same deal reuse the
    /// result (HubSpot was read after all of them were queued, so nothing newer is missed).
    pub(crate) async fn deal_once(
        &self,
        portal_id: u64,
        deal_id: &str,
        cache: &DealCache,
        deadline: Instant,
    ) -> DealResult {
        let cell = cache.cell((portal_id, deal_id.to_owned()));
        let mut cell = cell.lock().await;
        if let Some(previous) = cell.as_ref() {
            return match previous {
                Ok(r) => DealResult {
                    outcome: match r.outcome {
                        Outcome::Created | Outcome::Updated | Outcome::Submitted => {
                            Outcome::Unchanged
                        }
                        other => other,
                    },
                    opportunity_id: r.opportunity_id.clone(),
                    detail: Some("coalesced with an earlier message of this batch".to_owned()),
                    writes: 0,
                    referral: None,
                },
                Err(e) if e.quota => result(Outcome::Deferred, e.to_string()),
                Err(e) => result(Outcome::TransientError, e.to_string()),
            };
        }
        let computed = self.sync_deal(portal_id, deal_id, deadline).await;
        *cell = Some(computed.clone());
        computed.unwrap_or_else(|e| {
            let outcome = if e.quota {
                Outcome::Deferred
            } else {
                Outcome::TransientError
            };
            result(outcome, e.reason)
        })
    }
}

fn result(outcome: Outcome, detail: String) -> DealResult {
    DealResult {
        outcome,
        opportunity_id: None,
        detail: Some(detail),
        writes: 0,
        referral: None,
    }
}

fn skipped(detail: String) -> DealResult {
    result(Outcome::Skipped, detail)
}

fn owned_property(event: &SyncEvent) -> Option<&str> {
    let name = event.hubspot.as_ref()?.property_name.as_deref()?;
    SYNC_OWNED_PROPERTIES.contains(&name).then_some(name)
}

fn describe(message_id: &str, message: Option<&QueueMessage>) -> RecordOutcome {
    let mut out = RecordOutcome {
        message_id: message_id.to_owned(),
        correlation_id: None,
        event_type: None,
        object_type: None,
        object_id: None,
        outcome: Outcome::Skipped,
        opportunity_id: None,
        detail: None,
    };
    match message {
        Some(QueueMessage::Sync(e)) => {
            out.correlation_id = Some(e.correlation_id.clone());
            out.event_type = Some(e.event_type.clone());
            out.object_type = Some(e.object_type.as_str().to_owned());
            out.object_id = Some(e.object_id.clone());
        }
        // The EventBridge event id is the correlation id of everything it leads to.
        Some(QueueMessage::EventBridge(e)) => {
            out.correlation_id = Some(e.id.clone());
            out.event_type = Some(e.detail_type.clone());
            if e.is_schedule() {
                out.object_type = Some("schedule".to_owned());
            } else {
                out.object_type = Some("opportunity".to_owned());
                out.object_id = e.opportunity_id();
            }
        }
        None => {}
    }
    out
}

fn event_id(parsed: Option<&Result<QueueMessage, events::envelope::EnvelopeError>>) -> u64 {
    match parsed {
        Some(Ok(QueueMessage::Sync(e))) => e.hubspot.as_ref().map_or(0, |h| h.event_id),
        _ => 0,
    }
}

fn receive_count(record: &SqsMessage) -> u32 {
    record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn log_outcome(out: &RecordOutcome, failed: bool) {
    let outcome = out.outcome.as_str();
    let opportunity_id = out.opportunity_id.as_deref().unwrap_or("");
    let detail = out.detail.as_deref().unwrap_or("");
    match out.outcome {
        // A permanent error reported failed: an unreadable message on its way to the DLQ.
        Outcome::DataError if failed => {
            tracing::error!(
                outcome,
                detail,
                "unreadable message: reported failed for the DLQ"
            )
        }
        Outcome::TransientError | Outcome::DataError => {
            tracing::warn!(outcome, opportunity_id, detail, "record not synced")
        }
        _ => tracing::info!(outcome, opportunity_id, detail, "record processed"),
    }
}
