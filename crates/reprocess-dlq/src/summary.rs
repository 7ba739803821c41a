//! What one run answers to the operator, and the EMF line it leaves for the dashboard.

use serde::Serialize;

/// `{"moved","skipped","failed","dryRun","stopReason","messages":[...]}` (+ `"error"` when the
/// DLQ could not be read). `moved + skipped + failed` is the number of messages received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReprocessSummary {
    pub moved: u64,
    pub skipped: u64,
    pub failed: u64,
    /// HubSpot events the receipt kept because they could not become sync events (message
    /// attribute `RejectedReason`): reported, never moved. Delete them once understood.
    pub rejected: u64,
    pub dry_run: bool,
    /// Why the run ended: tells the operator whether invoking again would find more.
    pub stop_reason: StopReason,
    /// Set when receiving from the DLQ failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every message the filter selected, in the order handled (moved, failed, or — in a dry
    /// run — that would move). Non-matching messages are only counted.
    pub messages: Vec<MessageSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StopReason {
    /// `maxMessages` messages were received.
    MaxMessages,
    /// The DLQ had nothing more to hand out.
    DlqEmpty,
    /// Too little time was left before the Lambda deadline to receive another batch.
    Deadline,
    /// Receiving from the DLQ failed; see `error`.
    ReceiveFailed,
}

/// `{eventType,objectType,objectId,groupId,receiveCount,outcome}`; the first three are `null`
/// when the body is not a readable `SyncEvent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSummary {
    pub event_type: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// `"unknown"` when neither the attribute nor the body gave one.
    pub group_id: String,
    pub receive_count: Option<u32>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Sent to the main queue and deleted from the DLQ.
    Moved,
    /// Sent to the main queue, but the DLQ copy could not be deleted: a rerun within the
    /// 5-minute deduplication window is dropped by the main queue and then deletes it.
    MovedNotDeleted,
    /// Sending failed; the message stays in the DLQ.
    Failed,
    /// Not attempted: an earlier message of its group failed in this run, and moving this one
    /// ahead of it would break the object's order. It stays in the DLQ.
    HeldBehindFailure,
    /// Dry run: would have been moved.
    WouldMove,
    /// Kept by the receipt because it could not become a sync event; never moved (it would
    /// fail the same way). It stays in the DLQ for an operator.
    RejectedAtReceipt,
}

impl ReprocessSummary {
    pub fn new(dry_run: bool) -> Self {
        ReprocessSummary {
            moved: 0,
            skipped: 0,
            failed: 0,
            rejected: 0,
            dry_run,
            stop_reason: StopReason::DlqEmpty,
            error: None,
            messages: Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, message: MessageSummary) {
        match message.outcome {
            Outcome::Moved | Outcome::MovedNotDeleted => self.moved += 1,
            Outcome::Failed | Outcome::HeldBehindFailure => self.failed += 1,
            Outcome::WouldMove => {}
            Outcome::RejectedAtReceipt => self.rejected += 1,
        }
        self.messages.push(message);
    }

    /// One CloudWatch EMF line with `MessagesMoved`, `MessagesSkipped`, `MessagesFailed`,
    /// `MessagesRejected`, dimension `Function=reprocess-dlq`.
    pub fn metrics_line(&self, namespace: &str, timestamp_ms: i64) -> String {
        events::emf::count_line(
            namespace,
            timestamp_ms,
            &[("Function", "reprocess-dlq")],
            &[
                ("MessagesMoved", self.moved),
                ("MessagesSkipped", self.skipped),
                ("MessagesFailed", self.failed),
                ("MessagesRejected", self.rejected),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn serialises_to_the_documented_shape() {
        let mut summary = ReprocessSummary::new(false);
        summary.skipped = 2;
        summary.stop_reason = StopReason::MaxMessages;
        summary.record(MessageSummary {
            event_type: Some("deal.creation".into()),
            object_type: Some("deal".into()),
            object_id: Some("7".into()),
            group_id: "1-deal-7".into(),
            receive_count: Some(3),
            outcome: Outcome::Moved,
        });
        summary.record(MessageSummary {
            event_type: None,
            object_type: None,
            object_id: None,
            group_id: "unknown".into(),
            receive_count: None,
            outcome: Outcome::HeldBehindFailure,
        });
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            json!({
                "moved": 1, "skipped": 2, "failed": 1, "rejected": 0, "dryRun": false, "stopReason": "maxMessages",
                "messages": [
                    {"eventType": "deal.creation", "objectType": "deal", "objectId": "7",
                     "groupId": "1-deal-7", "receiveCount": 3, "outcome": "moved"},
                    {"eventType": null, "objectType": null, "objectId": null,
                     "groupId": "unknown", "receiveCount": null, "outcome": "heldBehindFailure"}
                ]
            })
        );
        summary.error = Some("boom".into());
        summary.stop_reason = StopReason::ReceiveFailed;
        let value = serde_json::to_value(&summary).unwrap();
        assert_eq!(value["error"], "boom");
        assert_eq!(value["stopReason"], "receiveFailed");
    }

    #[test]
    fn dry_run_matches_are_listed_but_not_counted_as_moved() {
        let mut summary = ReprocessSummary::new(true);
        summary.record(MessageSummary {
            event_type: None,
            object_type: None,
            object_id: None,
            group_id: "g".into(),
            receive_count: Some(1),
            outcome: Outcome::WouldMove,
        });
        assert_eq!((summary.moved, summary.skipped, summary.failed), (0, 0, 0));
        assert_eq!(summary.messages.len(), 1);
    }

    #[test]
    fn metrics_line_carries_the_four_counts() {
        let mut summary = ReprocessSummary::new(false);
        summary.moved = 3;
        summary.skipped = 1;
        summary.rejected = 2;
        let line: Value = serde_json::from_str(&summary.metrics_line("NS", 5)).unwrap();
        assert_eq!(line["Function"], "reprocess-dlq");
        assert_eq!(line["MessagesMoved"], 3);
        assert_eq!(line["MessagesSkipped"], 1);
        assert_eq!(line["MessagesFailed"], 0);
        assert_eq!(line["MessagesRejected"], 2);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "NS");
        assert_eq!(directive["Dimensions"], json!([["Function"]]));
        assert_eq!(directive["Metrics"].as_array().unwrap().len(), 4);
    }
}
