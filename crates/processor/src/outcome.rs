//! What happened to each record, and the EMF metrics that count it.

use std::collections::BTreeMap;

use aws_lambda_events::sqs::SqsBatchResponse;

/// The result of one record, also the `Outcome` metric dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A new opportunity was created (and linked back to the deal).
    Created,
    /// The opportunity was updated to match the deal.
    Updated,
    /// Partner Central already matched: no write (also every record coalesced into another).
    Unchanged,
    /// The opportunity is under AWS review (Submitted / In review) and read-only.
    Blocked,
    /// A submission task completed: AWS has the opportunity.
    Submitted,
    /// A submission task is still running at AWS; the deal's next sync finishes it.
    Submitting,
    /// AWS asks for changes; nothing the review allows differs (its comments are on the deal).
    ActionRequired,
    /// AWS rejected the opportunity: final, nothing is written any more.
    Rejected,
    /// The partner account's Partner Central quota refused a call: the event was handed back
    /// to the queue as a new message (never failed for it).
    Deferred,
    /// Nothing to do: not a deal tagged for AWS, a sync-owned property echo, an object type we
    /// do not sync.
    Skipped,
    /// The deal's data cannot be written (reason on the deal); acknowledged.
    DataError,
    /// Retry later: the record is reported failed and SQS redelivers it.
    TransientError,
    /// The HubSpot object (or the opportunity a Partner Central event names) no longer
    /// exists; acknowledged.
    NotFound,
    /// A Partner Central event was handed to its deal's message group as a sync hint.
    Forwarded,
    /// A Partner Central event about an opportunity linked to no HubSpot deal; acknowledged.
    Unlinked,
    /// A reconciliation sweep queued its hints.
    Swept,
    /// A reconciliation sweep failed or ran out of time; acknowledged (the next one covers
    /// its window).
    SweepFailed,
    /// An AWS referral (engagement invitation) became a HubSpot deal.
    Received,
    /// A referral's accept task is still running at AWS; the deal's next sync finishes it.
    Accepting,
}

impl Outcome {
    pub const ALL: [Outcome; 19] = [
        Outcome::Created,
        Outcome::Updated,
        Outcome::Unchanged,
        Outcome::Blocked,
        Outcome::Submitted,
        Outcome::Submitting,
        Outcome::ActionRequired,
        Outcome::Rejected,
        Outcome::Deferred,
        Outcome::Skipped,
        Outcome::DataError,
        Outcome::TransientError,
        Outcome::NotFound,
        Outcome::Forwarded,
        Outcome::Unlinked,
        Outcome::Swept,
        Outcome::SweepFailed,
        Outcome::Received,
        Outcome::Accepting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Blocked => "blocked",
            Outcome::Submitted => "submitted",
            Outcome::Submitting => "submitting",
            Outcome::ActionRequired => "action_required",
            Outcome::Rejected => "rejected",
            Outcome::Deferred => "deferred",
            Outcome::Skipped => "skipped",
            Outcome::DataError => "data_error",
            Outcome::TransientError => "transient_error",
            Outcome::NotFound => "not_found",
            Outcome::Forwarded => "forwarded",
            Outcome::Unlinked => "unlinked",
            Outcome::Swept => "swept",
            Outcome::SweepFailed => "sweep_failed",
            Outcome::Received => "received",
            Outcome::Accepting => "accepting",
        }
    }

    /// When several deals stand behind one record (a company or note change), the record
    /// reports the most significant of their outcomes.
    pub(crate) fn severity(self) -> u8 {
        match self {
            Outcome::TransientError => 12,
            Outcome::Deferred => 11,
            Outcome::DataError => 10,
            Outcome::Rejected => 9,
            Outcome::ActionRequired => 8,
            Outcome::Submitting => 7,
            Outcome::Blocked => 6,
            Outcome::Submitted => 5,
            Outcome::Created => 4,
            Outcome::Updated => 3,
            Outcome::Unchanged => 2,
            Outcome::NotFound => 1,
            Outcome::Skipped | Outcome::Forwarded | Outcome::Unlinked => 0,
            Outcome::Swept | Outcome::SweepFailed => 0,
            Outcome::Accepting => 7,
            Outcome::Received => 4,
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One record's result, for logs, tests and the local runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub message_id: String,
    pub correlation_id: Option<String>,
    pub event_type: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub outcome: Outcome,
    pub opportunity_id: Option<String>,
    pub detail: Option<String>,
}

/// What the EventBridge records of a batch add to the metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    /// Partner Central events by `DetailType` (a known detail-type or `other`).
    pub partner_central_events: BTreeMap<String, u64>,
    /// Deal hints the reconciliation sweep queued.
    pub sweep_hints: u64,
    /// Opportunities (in events or a sweep) linked to no HubSpot deal.
    pub unlinked_opportunities: u64,
    pub sweeps_completed: u64,
    pub sweeps_failed: u64,
    /// AWS referrals by what happened: `received`, `accepted`, `rejected`, `expired`.
    pub referrals: BTreeMap<String, u64>,
}

impl Signals {
    pub fn add(&mut self, other: &Signals) {
        for (detail_type, n) in &other.partner_central_events {
            *self
                .partner_central_events
                .entry(detail_type.clone())
                .or_default() += n;
        }
        self.sweep_hints += other.sweep_hints;
        self.unlinked_opportunities += other.unlinked_opportunities;
        self.sweeps_completed += other.sweeps_completed;
        self.sweeps_failed += other.sweeps_failed;
        for (outcome, n) in &other.referrals {
            *self.referrals.entry(outcome.clone()).or_default() += n;
        }
    }

    /// EMF lines: `PartnerCentralEvents` per `DetailType`, `SweepHints` and
    /// `UnlinkedOpportunities` when a sweep ran or an opportunity was unlinked, `SweepRuns` per
    /// `Result`. Nothing for a batch without EventBridge records.
    pub fn metric_lines(&self, namespace: &str, timestamp_ms: i64) -> Vec<String> {
        let function = ("Function", "processor");
        let mut lines = Vec::new();
        for (detail_type, n) in &self.partner_central_events {
            lines.push(events::emf::count_line(
                namespace,
                timestamp_ms,
                &[function, ("DetailType", detail_type.as_str())],
                &[("PartnerCentralEvents", *n)],
            ));
        }
        for (outcome, n) in &self.referrals {
            lines.push(events::emf::count_line(
                namespace,
                timestamp_ms,
                &[function, ("Outcome", outcome.as_str())],
                &[("ReferralOutcome", *n)],
            ));
        }
        let sweeps = self.sweeps_completed + self.sweeps_failed;
        if sweeps > 0 || self.unlinked_opportunities > 0 {
            lines.push(events::emf::count_line(
                namespace,
                timestamp_ms,
                &[function],
                &[
                    ("SweepHints", self.sweep_hints),
                    ("UnlinkedOpportunities", self.unlinked_opportunities),
                ],
            ));
        }
        for (result, n) in [
            ("completed", self.sweeps_completed),
            ("failed", self.sweeps_failed),
        ] {
            if sweeps > 0 {
                lines.push(events::emf::count_line(
                    namespace,
                    timestamp_ms,
                    &[function, ("Result", result)],
                    &[("SweepRuns", n)],
                ));
            }
        }
        lines
    }
}

/// The Lambda answer plus what happened to each record, in batch order.
#[derive(Debug, Clone)]
pub struct BatchReport {
    pub response: SqsBatchResponse,
    pub outcomes: Vec<RecordOutcome>,
    /// Successful Partner Central writes (create, update, associate) of the whole batch.
    pub writes: u64,
    /// What the batch's EventBridge records add to the metrics.
    pub signals: Signals,
}

impl BatchReport {
    /// The batch's EMF lines (see [`metric_lines`]).
    pub fn metric_lines(&self, namespace: &str, timestamp_ms: i64) -> Vec<String> {
        let mut lines = metric_lines(namespace, timestamp_ms, &self.outcomes, self.writes);
        lines.extend(self.signals.metric_lines(namespace, timestamp_ms));
        lines
    }
}

/// EMF lines for one batch: one `SyncOutcome` count per outcome seen, one
/// `PartnerCentralWrites` count.
pub fn metric_lines(
    namespace: &str,
    timestamp_ms: i64,
    outcomes: &[RecordOutcome],
    writes: u64,
) -> Vec<String> {
    let mut lines = Vec::new();
    for outcome in Outcome::ALL {
        let count = outcomes.iter().filter(|o| o.outcome == outcome).count() as u64;
        if count > 0 {
            lines.push(events::emf::count_line(
                namespace,
                timestamp_ms,
                &[("Function", "processor"), ("Outcome", outcome.as_str())],
                &[("SyncOutcome", count)],
            ));
        }
    }
    lines.push(events::emf::count_line(
        namespace,
        timestamp_ms,
        &[("Function", "processor")],
        &[("PartnerCentralWrites", writes)],
    ));
    lines
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn record(outcome: Outcome) -> RecordOutcome {
        RecordOutcome {
            message_id: "m".into(),
            correlation_id: None,
            event_type: None,
            object_type: None,
            object_id: None,
            outcome,
            opportunity_id: None,
            detail: None,
        }
    }

    #[test]
    fn outcome_names_are_the_metric_dimension_values() {
        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(
            names,
            [
                "created",
                "updated",
                "unchanged",
                "blocked",
                "submitted",
                "submitting",
                "action_required",
                "rejected",
                "deferred",
                "skipped",
                "data_error",
                "transient_error",
                "not_found",
                "forwarded",
                "unlinked",
                "swept",
                "sweep_failed",
                "received",
                "accepting"
            ]
        );
    }

    #[test]
    fn metric_lines_count_per_outcome_and_writes() {
        let outcomes = [
            record(Outcome::Updated),
            record(Outcome::Unchanged),
            record(Outcome::Unchanged),
        ];
        let lines = metric_lines("NS", 7, &outcomes, 1);
        let values: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(values.len(), 3);
        assert_eq!(values[0]["Outcome"], "updated");
        assert_eq!(values[0]["SyncOutcome"], 1);
        assert_eq!(values[1]["Outcome"], "unchanged");
        assert_eq!(values[1]["SyncOutcome"], 2);
        assert_eq!(
            values[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Function", "Outcome"]])
        );
        assert_eq!(values[2]["PartnerCentralWrites"], 1);
        assert_eq!(values[2]["_aws"]["CloudWatchMetrics"][0]["Namespace"], "NS");
        assert_eq!(
            values[2]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["Function"]])
        );
    }
}
