//! One reprocessing run: receive from the DLQ in batches, move what the filter selects back to
//! the main queue in each group's order, and leave everything else where it was.
//!
//! Why messages that stay are held until the end of the run instead of released at once: a FIFO
//! queue hands out the oldest deliverable messages first, so a message released with visibility
//! 0 is received again by the very next `ReceiveMessage`. Releasing skipped messages promptly would
//! make a filtered run see the same first batch over and over and never reach the messages
//! behind it. Holding them (their visibility covers the rest of the run) lets every receive bring
//! new messages; they are all released (visibility 0) before the run returns.
//!
//! Holding a message also blocks the rest of its group: SQS delivers no later message of a group
//! while an earlier one is in flight. That is what keeps per-object order — a later message of
//! a group is never moved ahead of an earlier one that stays in the DLQ. The same rule is applied
//! inside a batch (SQS may return several messages of a group together), so the outcome does not
//! depend on where SQS cuts batches.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use events::SyncEvent;
use futures::StreamExt;
use sha2::{Digest, Sha256};

use crate::request::ReprocessRequest;
use crate::summary::{MessageSummary, Outcome, ReprocessSummary, StopReason};
use queue::limits::MAX_BATCH;
use queue::{Queue, ReceivedMessage, SendEntry};

/// No new batch is received when less than this is left before the deadline: one batch (10 sends
/// and deletes) and the final release of held messages must fit in it.
pub const DEFAULT_SAFETY_MARGIN: Duration = Duration::from_secs(2);

/// Added to the time left when hiding held messages, so they stay hidden until the run has
/// released them, and reappear on their own shortly after the deadline if it never does (crash).
const VISIBILITY_SLACK: Duration = Duration::from_secs(10);

/// Held messages are released with this many requests in flight at once.
const RELEASE_CONCURRENCY: usize = 10;

/// The `groupId` reported for a message with neither the attribute nor a readable body.
pub const UNKNOWN_GROUP: &str = "unknown";

/// The `MessageDeduplicationId` of a re-drive. Not the original one: the main queue would drop
/// that if the message reached the DLQ within 5 minutes of being sent. Derived from the DLQ
/// message id, which SQS keeps while the message sits in the DLQ, so a rerun after a crash
/// between send and delete sends the same id and the main queue drops the duplicate (within
/// its 5-minute window). A message that fails again and comes back to the DLQ is re-driven with
/// the id it got from our previous send, so each re-drive is new to the main queue.
pub fn redrive_deduplication_id(dlq_message_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(dlq_message_id.as_bytes()));
    events::envelope::sqs_id(&format!("redrive-{digest}"))
}

/// Drains `dlq` into `queue`, both through the one FIFO queue port.
pub struct Reprocessor {
    queue: Queue,
    dlq: Queue,
    safety_margin: Duration,
}

/// What this run did to a group so far; later messages of the group follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupState {
    /// An earlier message stays in the DLQ because the filter did not select it.
    Skipped,
    /// An earlier message stays in the DLQ because sending it failed.
    Failed,
}

/// The message a run is looking at, with its body read once.
struct Candidate {
    letter: ReceivedMessage,
    event: Option<SyncEvent>,
    group_id: Option<String>,
}

impl Candidate {
    fn new(letter: ReceivedMessage) -> Self {
        let event = SyncEvent::from_json(&letter.body).ok();
        let group_id = letter
            .group_id()
            .map(str::to_owned)
            .or_else(|| event.as_ref().map(SyncEvent::message_group_id));
        Candidate {
            letter,
            event,
            group_id,
        }
    }

    fn summary(&self, outcome: Outcome) -> MessageSummary {
        MessageSummary {
            event_type: self.event.as_ref().map(|e| e.event_type.clone()),
            object_type: self
                .event
                .as_ref()
                .map(|e| e.object_type.as_str().to_owned()),
            object_id: self.event.as_ref().map(|e| e.object_id.clone()),
            group_id: self.group_id.as_deref().unwrap_or(UNKNOWN_GROUP).to_owned(),
            receive_count: self.letter.receive_count(),
            outcome,
        }
    }

    fn log(&self, outcome: Outcome, error: Option<&str>) {
        let correlation_id = self
            .event
            .as_ref()
            .map_or("unknown", |e| e.correlation_id.as_str());
        let object_type = self
            .event
            .as_ref()
            .map_or("unknown", |e| e.object_type.as_str());
        let object_id = self
            .event
            .as_ref()
            .map_or("unknown", |e| e.object_id.as_str());
        let event_id = self
            .event
            .as_ref()
            .and_then(|e| e.hubspot.as_ref())
            .map(|h| h.event_id);
        let group_id = self.group_id.as_deref().unwrap_or(UNKNOWN_GROUP);
        let message_id = self.letter.message_id.as_str();
        match (outcome, error) {
            (Outcome::Moved, _) => tracing::info!(
                correlation_id,
                event_id,
                object_type,
                object_id,
                group_id,
                message_id,
                "moved from the DLQ back to the main queue"
            ),
            (Outcome::WouldMove, _) => tracing::info!(
                correlation_id,
                event_id,
                object_type,
                object_id,
                group_id,
                message_id,
                "dry run: would move"
            ),
            (_, error) => tracing::warn!(
                correlation_id, event_id, object_type, object_id, group_id, message_id,
                outcome = ?outcome, error,
                "message not moved; it stays in the DLQ"
            ),
        }
    }
}

impl Reprocessor {
    pub fn new(queue: Queue, dlq: Queue) -> Self {
        Reprocessor {
            queue,
            dlq,
            safety_margin: DEFAULT_SAFETY_MARGIN,
        }
    }

    /// How long before the deadline the run stops receiving (default [`DEFAULT_SAFETY_MARGIN`]).
    pub fn with_safety_margin(mut self, margin: Duration) -> Self {
        self.safety_margin = margin;
        self
    }

    pub async fn run(&self, request: ReprocessRequest, deadline: Instant) -> ReprocessSummary {
        let mut summary = ReprocessSummary::new(request.dry_run);
        let mut groups: HashMap<String, GroupState> = HashMap::new();
        let mut held: Vec<String> = Vec::new();
        let mut received: u32 = 0;
        loop {
            if received >= request.max_messages {
                summary.stop_reason = StopReason::MaxMessages;
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left < self.safety_margin {
                summary.stop_reason = StopReason::Deadline;
                break;
            }
            let want = usize::try_from(request.max_messages - received)
                .unwrap_or(MAX_BATCH)
                .min(MAX_BATCH);
            let visibility = Some(left + VISIBILITY_SLACK);
            // Waits a moment: an SQS short poll can answer empty while messages exist, which
            // would read as "the DLQ is drained".
            let received_batch = self
                .dlq
                .receive(want, visibility, self.dlq.settle_wait())
                .await;
            let batch = match received_batch {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::error!(error = %e, "stopping: cannot receive from the DLQ");
                    summary.stop_reason = StopReason::ReceiveFailed;
                    summary.error =
                        Some(format!("receiving from the dead-letter queue failed: {e}"));
                    break;
                }
            };
            if batch.is_empty() {
                summary.stop_reason = StopReason::DlqEmpty;
                break;
            }
            // A fake or a misbehaving server may hand out more than asked; it is handled anyway
            // (dropping it would leave it hidden until its visibility timeout).
            received = received.saturating_add(u32::try_from(batch.len()).unwrap_or(u32::MAX));
            // In received order: SQS hands out a group's messages in order, so this is the
            // group's order.
            for letter in batch {
                let candidate = Candidate::new(letter);
                if let Some(handle) = self
                    .handle(candidate, &request, &mut groups, &mut summary)
                    .await
                {
                    held.push(handle);
                }
            }
        }
        self.release_all(held).await;
        tracing::info!(
            moved = summary.moved,
            skipped = summary.skipped,
            failed = summary.failed,
            dry_run = summary.dry_run,
            stop_reason = ?summary.stop_reason,
            "reprocessing run finished"
        );
        summary
    }

    /// Handles one message; returns its receipt handle when it stays in the DLQ (to be released).
    async fn handle(
        &self,
        candidate: Candidate,
        request: &ReprocessRequest,
        groups: &mut HashMap<String, GroupState>,
        summary: &mut ReprocessSummary,
    ) -> Option<String> {
        let handle = candidate.letter.receipt_handle.clone();
        if let Some(reason) = candidate
            .letter
            .message_attributes
            .get(events::REJECTED_REASON_ATTRIBUTE)
        {
            // In a group of its own, so holding it blocks nothing.
            tracing::warn!(
                message_id = candidate.letter.message_id.as_str(),
                reason = reason.as_str(),
                "a HubSpot event the receipt could not read: left in the DLQ for an operator"
            );
            summary.record(candidate.summary(Outcome::RejectedAtReceipt));
            return Some(handle);
        }
        let state = candidate
            .group_id
            .as_ref()
            .and_then(|g| groups.get(g))
            .copied();
        if state == Some(GroupState::Failed) {
            candidate.log(Outcome::HeldBehindFailure, None);
            summary.record(candidate.summary(Outcome::HeldBehindFailure));
            return Some(handle);
        }
        let selected = request.filter.matches_body(candidate.event.as_ref());
        if !selected || state == Some(GroupState::Skipped) {
            if selected {
                // Moving it would put it ahead of an earlier message of its object that stays.
                tracing::info!(
                    group_id = candidate.group_id.as_deref().unwrap_or(UNKNOWN_GROUP),
                    message_id = candidate.letter.message_id.as_str(),
                    "skipped: an earlier message of its group is not selected and stays in the DLQ"
                );
            }
            if let Some(group) = &candidate.group_id {
                groups.insert(group.clone(), GroupState::Skipped);
            }
            summary.skipped += 1;
            return Some(handle);
        }
        if request.dry_run {
            candidate.log(Outcome::WouldMove, None);
            summary.record(candidate.summary(Outcome::WouldMove));
            return Some(handle);
        }
        let Some(group_id) = candidate.group_id.clone() else {
            // A FIFO queue refuses a message without a group; only the attribute or a readable
            // body can give one, and this message has neither.
            let error = "no MessageGroupId attribute and the body is not a SyncEvent";
            candidate.log(Outcome::Failed, Some(error));
            summary.record(candidate.summary(Outcome::Failed));
            return Some(handle);
        };
        let deduplication_id = redrive_deduplication_id(&candidate.letter.message_id);
        let entry = SendEntry {
            body: candidate.letter.body.clone(),
            group_id: group_id.clone(),
            dedup_id: deduplication_id,
            attributes: candidate.letter.message_attributes.clone(),
        };
        if let Err(e) = queue::send_one(self.queue.as_ref(), entry).await {
            groups.insert(group_id, GroupState::Failed);
            let error = format!("sending to the main queue failed: {e}");
            candidate.log(Outcome::Failed, Some(&error));
            summary.record(candidate.summary(Outcome::Failed));
            return Some(handle);
        }
        // Deleted only now that the main queue has it: a crash before this line leaves the
        // message in the DLQ, and the rerun's send is dropped as a duplicate.
        match self.dlq.delete(&handle).await {
            Ok(()) => {
                candidate.log(Outcome::Moved, None);
                summary.record(candidate.summary(Outcome::Moved));
                None
            }
            Err(e) => {
                let error = format!("deleting from the dead-letter queue failed: {e}");
                candidate.log(Outcome::MovedNotDeleted, Some(&error));
                summary.record(candidate.summary(Outcome::MovedNotDeleted));
                Some(handle)
            }
        }
    }

    async fn release_all(&self, handles: Vec<String>) {
        let dlq = &self.dlq;
        let failures = futures::stream::iter(handles)
            .map(|handle| async move { dlq.change_visibility(&handle, Duration::ZERO).await })
            .buffer_unordered(RELEASE_CONCURRENCY)
            .filter_map(|result| async move { result.err() })
            .collect::<Vec<_>>()
            .await;
        if let Some(first) = failures.first() {
            // Not lost: they become visible again when the receive's visibility timeout ends.
            tracing::warn!(
                count = failures.len(),
                error = %first,
                "could not release some DLQ messages; they reappear after their visibility timeout"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn redrive_ids_are_stable_distinct_and_valid() {
        let a = redrive_deduplication_id("46b88771-1c57-4c2c-8277-5a515b74cc3c");
        assert_eq!(
            a,
            redrive_deduplication_id("46b88771-1c57-4c2c-8277-5a515b74cc3c")
        );
        assert_ne!(
            a,
            redrive_deduplication_id("46b88771-1c57-4c2c-8277-5a515b74cc3d")
        );
        assert!(a.starts_with("redrive-"));
        assert_eq!(a.len(), "redrive-".len() + 64);
        assert!(a.len() <= events::envelope::MAX_SQS_ID_LEN);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
        );
        // Known answer (`printf m-1 | sha256sum`): the id must not change between releases,
        // or a rerun after an upgrade would not be de-duplicated.
        assert_eq!(
            redrive_deduplication_id("m-1"),
            "redrive-a461b472cb41a9ec3dee5c90cf8e4a78252c9d82319adf75830031b8c309bfc6"
        );
    }
}
