//! What `GET /status`, the demo trail and the load report read: receipt answers, outcomes by
//! kind, the most recent records, and which events were acknowledged (deleted from the queue).

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;

use queue::{ReceivedMessage, attribute};

/// Records kept for `GET /status` and the trail.
const RECENT: usize = 200;

/// One processed record, as the trail and `GET /status` show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordView {
    pub message_id: String,
    pub correlation_id: Option<String>,
    pub event_type: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// `created`, `updated`, `unchanged`, `blocked`, `skipped`, `data_error`,
    /// `transient_error`, `not_found`.
    pub outcome: String,
    pub opportunity_id: Option<String>,
    pub detail: Option<String>,
}

/// One webhook request as the receipt handler answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptView {
    pub correlation_id: String,
    pub status: u16,
    pub received: usize,
    pub enqueued: usize,
    pub reason: Option<String>,
}

#[derive(Default)]
struct Inner {
    outcomes: BTreeMap<String, u64>,
    receipts_by_status: BTreeMap<u16, u64>,
    events_enqueued: u64,
    recent: VecDeque<RecordView>,
    recent_receipts: VecDeque<ReceiptView>,
    /// Every record ever reported, oldest first (the demo checks its expectations on it).
    history: Vec<RecordView>,
    acknowledged: u64,
    acknowledged_dedup_ids: HashSet<String>,
    invocation_errors: u64,
    batches: u64,
    /// Totals of the functions' EMF metrics, by metric and dimensions.
    metrics: BTreeMap<String, u64>,
}

#[derive(Default)]
pub struct Status {
    inner: Mutex<Inner>,
    busy: AtomicUsize,
}

/// Marks a batch in progress for as long as it lives (drain detection).
pub struct Busy<'a>(&'a AtomicUsize);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A copy of the counters, for reports.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub outcomes: BTreeMap<String, u64>,
    pub receipts_by_status: BTreeMap<u16, u64>,
    pub events_enqueued: u64,
    pub acknowledged: u64,
    pub batches: u64,
    pub invocation_errors: u64,
    pub recent_receipts: Vec<ReceiptView>,
    pub recent: Vec<RecordView>,
    pub metrics: BTreeMap<String, u64>,
}

impl Status {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn batch_started(&self) -> Busy<'_> {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy(&self.busy)
    }

    pub fn batches_in_progress(&self) -> usize {
        self.busy.load(Ordering::SeqCst)
    }

    pub fn record_receipt(&self, view: ReceiptView) {
        let mut inner = self.lock();
        *inner.receipts_by_status.entry(view.status).or_default() += 1;
        inner.events_enqueued += view.enqueued as u64;
        if inner.recent_receipts.len() == RECENT {
            inner.recent_receipts.pop_front();
        }
        inner.recent_receipts.push_back(view);
    }

    pub fn record_batch(&self, records: &[RecordView]) {
        let mut inner = self.lock();
        inner.batches += 1;
        for r in records {
            *inner.outcomes.entry(r.outcome.clone()).or_default() += 1;
            if inner.recent.len() == RECENT {
                inner.recent.pop_front();
            }
            inner.recent.push_back(r.clone());
            inner.history.push(r.clone());
        }
    }

    pub fn record_invocation_error(&self, error: &str) {
        let mut inner = self.lock();
        inner.invocation_errors += 1;
        inner.batches += 1;
        let view = RecordView {
            outcome: "invocation_error".to_owned(),
            detail: Some(error.to_owned()),
            ..RecordView::default()
        };
        inner.history.push(view);
    }

    /// A message deleted after the handler reported it done.
    pub fn record_acknowledged(&self, message: &ReceivedMessage) {
        let mut inner = self.lock();
        inner.acknowledged += 1;
        if let Some(id) = message.attribute(attribute::MESSAGE_DEDUPLICATION_ID) {
            inner.acknowledged_dedup_ids.insert(id.to_owned());
        }
    }

    pub fn acknowledged_dedup_ids(&self) -> HashSet<String> {
        self.lock().acknowledged_dedup_ids.clone()
    }

    pub fn history(&self) -> Vec<RecordView> {
        self.lock().history.clone()
    }

    pub fn history_len(&self) -> usize {
        self.lock().history.len()
    }

    pub fn snapshot(&self) -> Snapshot {
        let inner = self.lock();
        Snapshot {
            outcomes: inner.outcomes.clone(),
            receipts_by_status: inner.receipts_by_status.clone(),
            events_enqueued: inner.events_enqueued,
            acknowledged: inner.acknowledged,
            batches: inner.batches,
            invocation_errors: inner.invocation_errors,
            recent_receipts: inner
                .recent_receipts
                .iter()
                .rev()
                .take(20)
                .cloned()
                .collect(),
            recent: inner.recent.iter().rev().take(50).cloned().collect(),
            metrics: inner.metrics.clone(),
        }
    }

    /// Adds one EMF line's counts to the totals, keyed `Function Metric{Dimension=value}`.
    pub fn record_metric_line(&self, line: &str) {
        let Ok(document) = serde_json::from_str::<serde_json::Value>(line) else {
            return;
        };
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        let dimensions: Vec<String> = directive["Dimensions"][0]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|name| name.as_str())
            .filter(|name| *name != "Function")
            .map(|name| format!("{name}={}", document[name].as_str().unwrap_or_default()))
            .collect();
        let function = document["Function"].as_str().unwrap_or("?");
        let mut inner = self.lock();
        for metric in directive["Metrics"].as_array().into_iter().flatten() {
            let Some(name) = metric["Name"].as_str() else {
                continue;
            };
            let value = document[name].as_u64().unwrap_or(0);
            let key = if dimensions.is_empty() {
                format!("{function} {name}")
            } else {
                format!("{function} {name}{{{}}}", dimensions.join(","))
            };
            *inner.metrics.entry(key).or_default() += value;
        }
    }
}
