//! One SQS FIFO batch: parse, coalesce, sync, and answer with FIFO-correct partial failures.
//!
//! Ordering rule: records are processed in batch order. Once a record of a message group fails,
//! every later record of the *same group* is reported failed without being processed, so SQS
//! redelivers them in order; records of other groups are still processed (one stuck deal never
//! holds up the others). Lambda's guidance for FIFO partial batch responses is to stop at the
//! first failure and report it with every later message
//! (<https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html>); FIFO order
//! only holds within a message group, so failing the rest of that group is enough. Powertools
//! calls this variant `skip_group_on_error`
//! (<https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/#processing-messages-from-sqs-fifo>).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use events::{Clock, ObjectType, SYNC_OWNED_PROPERTIES, SyncEvent};
use tracing::Instrument;

use crate::Processor;
use crate::outcome::{BatchReport, Outcome, RecordOutcome};
use crate::ports::{AssociatedObject, Crm, Opportunities};
use crate::sync::{DealResult, Retry};

/// Time kept back to return the batch response after the last record.
pub const RESPONSE_MARGIN: Duration = Duration::from_millis(1500);
/// A record is not started with less time than this left; it is reported failed instead.
pub const MIN_TIME_TO_START: Duration = Duration::from_secs(3);

/// Deal results already computed in this batch, by (portal, deal id).
type DealCache = HashMap<(u64, String), Result<DealResult, Retry>>;

/// True when every record carries a non-empty `messageId`. A record without one cannot be
/// named in `batchItemFailures` (an empty identifier fails the whole batch anyway), so
/// [`crate::Function`] fails the invocation instead: SQS then redelivers the whole batch.
pub fn all_records_identifiable(event: &SqsEvent) -> bool {
    event
        .records
        .iter()
        .all(|r| r.message_id.as_deref().is_some_and(|id| !id.is_empty()))
}

impl<C: Crm, O: Opportunities, K: Clock> Processor<C, O, K> {
    /// deadline: when the invocation must have answered (Lambda context deadline). Metrics are
    /// the caller's: [`BatchReport::metric_lines`].
    pub async fn handle_batch(&self, event: SqsEvent, deadline: Instant) -> BatchReport {
        let identifiable = all_records_identifiable(&event);
        let stop_at = deadline.checked_sub(RESPONSE_MARGIN).unwrap_or(deadline);
        let mut cache = DealCache::new();
        let mut failed_groups: HashSet<String> = HashSet::new();
        let mut outcomes = Vec::with_capacity(event.records.len());
        let mut failures = Vec::new();
        let mut writes = 0;

        for record in &event.records {
            let message_id = record.message_id.clone().unwrap_or_default();
            let group = record
                .attributes
                .get("MessageGroupId")
                .cloned()
                .unwrap_or_else(|| message_id.clone());
            let parsed = record.body.as_deref().map(SyncEvent::from_json);
            let mut out = describe(&message_id, parsed.as_ref().and_then(|p| p.as_ref().ok()));
            let span = tracing::info_span!(
                "record",
                message_id = message_id.as_str(),
                correlation_id = out.correlation_id.as_deref().unwrap_or(""),
                event_id = event_id(parsed.as_ref()),
                object_type = out.object_type.as_deref().unwrap_or(""),
                object_id = out.object_id.as_deref().unwrap_or(""),
                receive_count = receive_count(record),
            );
            let (outcome, detail, failed) = if !identifiable {
                (
                    Outcome::TransientError,
                    "batch has a record without messageId".to_owned(),
                    true,
                )
            } else if failed_groups.contains(&group) {
                let detail = format!("not processed: an earlier message of group {group} failed");
                (Outcome::TransientError, detail, true)
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
                    Some(Ok(sync_event)) => {
                        let work = self.process(&sync_event, &mut cache);
                        match tokio::time::timeout_at(stop_at.into(), work)
                            .instrument(span.clone())
                            .await
                        {
                            Ok(r) => {
                                writes += r.writes;
                                out.opportunity_id = r.opportunity_id;
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
            out.outcome = outcome;
            out.detail = Some(detail).filter(|d| !d.is_empty());
            span.in_scope(|| log_outcome(&out, failed));
            if failed {
                failed_groups.insert(group);
                if !message_id.is_empty() {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = message_id;
                    failures.push(failure);
                }
            }
            outcomes.push(out);
        }

        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failures;
        BatchReport {
            response,
            outcomes,
            writes,
        }
    }

    async fn process(&self, event: &SyncEvent, cache: &mut DealCache) -> DealResult {
        let id = event.object_id.as_str();
        let associated = match event.object_type {
            ObjectType::Deal => {
                if let Some(property) = owned_property(event) {
                    return skipped(format!("change of sync-owned property {property}"));
                }
                return self.deal_once(event.portal_id, id, cache).await;
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
            let r = self.deal_once(event.portal_id, &deal_id, cache).await;
            combined.writes += r.writes;
            if let Some(d) = &r.detail {
                details.push(format!("deal {deal_id}: {d}"));
            }
            if r.outcome.severity() >= combined.outcome.severity() {
                combined.outcome = r.outcome;
                combined.opportunity_id = r.opportunity_id.or(combined.opportunity_id);
            }
            if r.outcome == Outcome::TransientError {
                break;
            }
        }
        combined.detail = Some(details.join("; ")).filter(|d| !d.is_empty());
        combined
    }

    /// Syncs a deal at most once per batch: later records naming the same deal reuse the
    /// result (HubSpot was read after all of them were queued, so nothing newer is missed).
    async fn deal_once(&self, portal_id: u64, deal_id: &str, cache: &mut DealCache) -> DealResult {
        let key = (portal_id, deal_id.to_owned());
        if let Some(previous) = cache.get(&key) {
            return match previous {
                Ok(r) => DealResult {
                    outcome: match r.outcome {
                        Outcome::Created | Outcome::Updated => Outcome::Unchanged,
                        other => other,
                    },
                    opportunity_id: r.opportunity_id.clone(),
                    detail: Some("coalesced with an earlier message of this batch".to_owned()),
                    writes: 0,
                },
                Err(e) => result(Outcome::TransientError, e.to_string()),
            };
        }
        let computed = self.sync_deal(portal_id, deal_id).await;
        cache.insert(key, computed.clone());
        computed.unwrap_or_else(|e| result(Outcome::TransientError, e.0))
    }
}

fn result(outcome: Outcome, detail: String) -> DealResult {
    DealResult {
        outcome,
        opportunity_id: None,
        detail: Some(detail),
        writes: 0,
    }
}

fn skipped(detail: String) -> DealResult {
    result(Outcome::Skipped, detail)
}

fn owned_property(event: &SyncEvent) -> Option<&str> {
    let name = event.hubspot.as_ref()?.property_name.as_deref()?;
    SYNC_OWNED_PROPERTIES.contains(&name).then_some(name)
}

fn describe(message_id: &str, event: Option<&SyncEvent>) -> RecordOutcome {
    RecordOutcome {
        message_id: message_id.to_owned(),
        correlation_id: event.map(|e| e.correlation_id.clone()),
        event_type: event.map(|e| e.event_type.clone()),
        object_type: event.map(|e| e.object_type.as_str().to_owned()),
        object_id: event.map(|e| e.object_id.clone()),
        outcome: Outcome::Skipped,
        opportunity_id: None,
        detail: None,
    }
}

fn event_id(parsed: Option<&Result<SyncEvent, events::envelope::EnvelopeError>>) -> u64 {
    parsed
        .and_then(|p| p.as_ref().ok())
        .and_then(|e| e.hubspot.as_ref())
        .map_or(0, |h| h.event_id)
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
