//! The webhook handler: method, size, signature, parse, filter, enqueue, answer.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use events::{
    ClientSecrets, RejectedEvent, SignatureVersion, SignedRequest, SyncEvent, WebhookEvent,
};
use http::HeaderMap;
use queue::limits::{MAX_BATCH, MAX_BODY_BYTES};
use queue::{FifoQueue, Queue, SendEntry, SendResult};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tracing::{error, info, warn};

use crate::filter::EventFilter;
pub use events::REJECTED_REASON_ATTRIBUTE;
/// The rejection detail is cut to this many characters (it is for a person to read).
const MAX_DETAIL_CHARS: usize = 500;
/// A rejected event's body is cut to leave room for its attributes in one SQS message.
const MAX_REJECTED_BODY_BYTES: usize = MAX_BODY_BYTES - 4 * 1024;
/// `SendMessageBatch` calls in flight at once for one request (a full delivery is ten calls).
pub const MAX_CONCURRENT_SENDS: usize = 4;

/// What the handler needs besides the queue.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `None`: verification disabled (local use only).
    pub secrets: Option<ClientSecrets>,
    /// The URL HubSpot signs; rebuilt from the request when `None`.
    pub public_url: Option<String>,
    pub max_age_ms: i64,
    pub signature_versions: events::AcceptedVersions,
    pub max_body_bytes: usize,
    pub synced: EventFilter,
    /// Attempts per batch entry when SQS reports it failed (a batch can partially fail).
    pub send_attempts: u32,
    pub retry_backoff: Duration,
    /// Every request is answered within this (`REQUEST_BUDGET_MS`): 503 when the queue could
    /// not take everything in time.
    pub request_budget: Duration,
}

/// The counts behind one request's log line and metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestReport {
    /// The request id every event of the request carries as its correlation id.
    pub correlation_id: String,
    pub status: u16,
    pub received: usize,
    pub enqueued: usize,
    pub ignored: usize,
    pub failed: usize,
    /// Events that could not become sync events, by reason; each kept verbatim in the
    /// rejected-events queue.
    pub rejected: BTreeMap<&'static str, usize>,
    /// Why the request was refused (a metric dimension), `None` when it was answered 200.
    pub reason: Option<&'static str>,
    pub signature: Option<SignatureVersion>,
}

impl RequestReport {
    /// EMF lines for this request: counts under `Function=receipt`, and a rejection under
    /// `Function=receipt, Reason=<reason>`.
    pub fn emf_lines(&self, namespace: &str, timestamp_ms: i64) -> Vec<String> {
        let function = [("Function", "receipt")];
        let mut lines = vec![events::emf::count_line(
            namespace,
            timestamp_ms,
            &function,
            &[
                ("EventsReceived", self.received as u64),
                ("EventsEnqueued", self.enqueued as u64),
                ("EventsIgnored", self.ignored as u64),
            ],
        )];
        for (reason, count) in &self.rejected {
            lines.push(events::emf::count_line(
                namespace,
                timestamp_ms,
                &[("Function", "receipt"), ("Reason", reason)],
                &[("EventsRejected", *count as u64)],
            ));
        }
        if let Some(reason) = self.reason {
            lines.push(events::emf::count_line(
                namespace,
                timestamp_ms,
                &[("Function", "receipt"), ("Reason", reason)],
                &[("RequestsRejected", 1)],
            ));
        }
        lines
    }
}

/// What the handler needs of an HTTP request.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    pub method: String,
    /// The URL HubSpot called as far as it can be rebuilt from the request; used as the
    /// signing URI only when `WEBHOOK_PUBLIC_URL` is not configured.
    pub rebuilt_url: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// API Gateway's request id: the correlation id of every event in the request.
    pub request_id: String,
}

impl WebhookRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The answer (status and JSON body) and the counts behind it.
#[derive(Debug, Clone)]
pub struct Handled {
    pub status: u16,
    pub body: Value,
    pub report: RequestReport,
}

impl Handled {
    /// A 4xx answer `{"error": reason, "message": ...}`.
    pub fn refused(status: u16, reason: &'static str, message: String) -> Self {
        reject(status, reason, message, RequestReport::default())
    }
}

pub struct Receipt {
    queue: Queue,
    /// Where events that cannot become sync events are kept (`REJECTED_QUEUE_URL`, the DLQ).
    /// Without it such an event refuses the whole delivery with 400, as before.
    rejected: Option<Queue>,
    settings: Settings,
}

/// An accepted event on its way to the queue, with what its log lines need.
struct Pending {
    message: SendEntry,
    event_id: u64,
    object_type: &'static str,
    object_id: String,
}

impl Receipt {
    pub fn new(queue: Queue, settings: Settings) -> Self {
        Self {
            queue,
            rejected: None,
            settings,
        }
    }

    /// Keeps events that cannot become sync events in `queue` instead of refusing the delivery.
    pub fn with_rejected_queue(mut self, queue: Queue) -> Self {
        self.rejected = Some(queue);
        self
    }

    pub async fn handle(&self, request: &WebhookRequest, now_ms: i64) -> Handled {
        let started = Instant::now();
        let mut handled = self.process(request, now_ms, started).await;
        handled
            .report
            .correlation_id
            .clone_from(&request.request_id);
        let r = &handled.report;
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        if r.status == 200 {
            info!(correlation_id = %request.request_id, status = r.status, received = r.received, enqueued = r.enqueued,
                  ignored = r.ignored, signature = ?r.signature, duration_ms, "webhook accepted");
        } else {
            warn!(correlation_id = %request.request_id, status = r.status, reason = r.reason, received = r.received,
                  enqueued = r.enqueued, failed = r.failed, duration_ms, "webhook refused");
        }
        handled
    }

    /// `started`: when the request arrived; the budget counts from there.
    async fn process(&self, request: &WebhookRequest, now_ms: i64, started: Instant) -> Handled {
        let mut report = RequestReport::default();
        if !request.method.eq_ignore_ascii_case("POST") {
            return reject(
                405,
                "method_not_allowed",
                format!(
                    "{} is not allowed; HubSpot webhooks are POSTed",
                    request.method
                ),
                report,
            );
        }
        let limit = self.settings.max_body_bytes;
        if request.body.len() > limit {
            let message = format!("body is {} bytes; the limit is {limit}", request.body.len());
            return reject(413, "payload_too_large", message, report);
        }

        match verify_signature(&self.settings, request, now_ms) {
            Ok(Some(version)) => report.signature = Some(version),
            Ok(None) => {
                warn!(correlation_id = %request.request_id, "SIGNATURE_VERIFICATION=disabled: accepting an unverified request (local use only)")
            }
            Err(e) => return reject(401, e.reason(), e.to_string(), report),
        }

        let mut delivery = match events::parse_delivery(&request.body) {
            Ok(delivery) => delivery,
            Err(e) => return reject(400, "malformed_body", e.to_string(), report),
        };
        // A broken event of a type the sync ignores is ignored like its well-formed kind.
        let before = delivery.rejected.len();
        delivery.rejected.retain(|r| {
            r.kind.as_ref().is_none_or(|k| {
                self.settings
                    .synced
                    .wants_kind(&k.normalized_type, k.property_name.as_deref())
            })
        });
        let unwanted_broken = before - delivery.rejected.len();
        let rejected_queue = match (&self.rejected, delivery.rejected.first()) {
            (Some(queue), _) => queue,
            // Nothing to keep.
            (None, None) => &self.queue,
            // Nowhere to keep the bad events: refuse the delivery rather than drop them.
            (None, Some(first)) => {
                let message = format!("event {}: {}", first.index, first.detail);
                return reject(400, "malformed_body", message, report);
            }
        };
        report.received = delivery.events.len() + delivery.rejected.len() + unwanted_broken;
        for r in &delivery.rejected {
            warn!(correlation_id = %request.request_id, index = r.index, reason = r.reason, detail = %r.detail,
                  "event rejected: keeping it verbatim in the rejected-events queue");
        }

        let (wanted, ignored): (Vec<WebhookEvent>, Vec<WebhookEvent>) = delivery
            .events
            .into_iter()
            .partition(|e| self.settings.synced.wants(e));
        report.ignored = ignored.len() + unwanted_broken;
        let pending = to_pending(wanted, &request.request_id, now_ms);
        let kept = delivery
            .rejected
            .iter()
            .map(|r| rejected_pending(r, &request.request_id))
            .collect::<Vec<_>>();
        let (accepted, to_keep) = (pending.len(), kept.len());

        let (enqueued, stored) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let work = async {
            futures::join!(
                self.enqueue(self.queue.as_ref(), pending, &request.request_id, &enqueued),
                self.enqueue(rejected_queue.as_ref(), kept, &request.request_id, &stored),
            )
        };
        let left = self
            .settings
            .request_budget
            .saturating_sub(started.elapsed());
        if tokio::time::timeout(left, work).await.is_err() {
            warn!(correlation_id = %request.request_id, budget_ms = self.settings.request_budget.as_millis(),
                  "the queue did not take every event within the request budget");
        }
        report.enqueued = enqueued.load(Ordering::SeqCst);
        let kept_count = stored.load(Ordering::SeqCst);
        if kept_count == to_keep {
            // Counted once they are kept: a 503 makes HubSpot retry, and the retry counts them.
            for r in &delivery.rejected {
                *report.rejected.entry(r.reason).or_default() += 1;
            }
        }
        let failures = (accepted - report.enqueued) + (to_keep - kept_count);
        report.failed = failures;
        if failures > 0 {
            report.status = 503;
            report.reason = Some("enqueue_failed");
            let body = json!({"error": "enqueue_failed",
                              "message": format!("{failures} of {} events could not be enqueued; HubSpot's retry will deliver them again", accepted + to_keep),
                              "received": report.received, "enqueued": report.enqueued, "failed": failures});
            return Handled {
                status: 503,
                body,
                report,
            };
        }
        report.status = 200;
        let rejected: usize = report.rejected.values().sum();
        let body = if rejected == 0 {
            json!({"received": report.received, "enqueued": report.enqueued, "ignored": report.ignored})
        } else {
            json!({"received": report.received, "enqueued": report.enqueued, "ignored": report.ignored, "rejected": rejected})
        };
        Handled {
            status: 200,
            body,
            report,
        }
    }

    /// Sends every message, retrying the entries SQS reports failed; returns how many could
    /// not be enqueued. A few batch calls run at once: a request must be answered within
    /// HubSpot's 5 s, and per-object order across batches does not matter to a level-triggered
    /// processor (it reads the current state). Bounded, so a slow queue endpoint is not handed
    /// ten calls that then all time out together.
    ///
    /// `sent` counts the messages the queue confirmed, so a request cut short by its budget
    /// still knows how many made it.
    async fn enqueue(
        &self,
        queue: &dyn FifoQueue,
        pending: Vec<Pending>,
        correlation_id: &str,
        sent: &AtomicUsize,
    ) {
        use futures::StreamExt as _;
        futures::stream::iter(chunk(pending))
            .map(|c| self.send_chunk(queue, c, correlation_id, sent))
            .buffer_unordered(MAX_CONCURRENT_SENDS)
            .for_each(|()| async {})
            .await;
    }

    async fn send_chunk(
        &self,
        queue: &dyn FifoQueue,
        mut pending: Vec<Pending>,
        correlation_id: &str,
        sent: &AtomicUsize,
    ) {
        let mut last_error = String::new();
        for attempt in 0..self.settings.send_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(self.settings.retry_backoff * 2u32.saturating_pow(attempt - 1))
                    .await;
            }
            let messages: Vec<SendEntry> = pending.iter().map(|p| p.message.clone()).collect();
            match queue.send_batch(&messages).await {
                Ok(results) => {
                    let mut retry = Vec::new();
                    for (p, result) in pending.into_iter().zip(results) {
                        let SendResult::Failed {
                            code,
                            message,
                            sender_fault,
                        } = result
                        else {
                            sent.fetch_add(1, Ordering::SeqCst);
                            continue;
                        };
                        last_error = format!("{code}: {message}");
                        if sender_fault {
                            // The entry itself is wrong: retrying it cannot succeed.
                            error!(correlation_id, event_id = p.event_id, object_type = p.object_type, object_id = %p.object_id,
                                   code = %code, message = %message, "SQS refused the event");
                        } else {
                            retry.push(p);
                        }
                    }
                    pending = retry;
                }
                Err(e) => {
                    // The SDK already retried the call itself; answering 503 in time lets
                    // HubSpot retry rather than letting its 5 s timeout expire.
                    last_error = e.to_string();
                    break;
                }
            }
            if pending.is_empty() {
                break;
            }
        }
        for p in &pending {
            error!(correlation_id, event_id = p.event_id, object_type = p.object_type, object_id = %p.object_id,
                   group_id = %p.message.group_id, error = %last_error, "event not enqueued");
        }
    }
}

fn reject(
    status: u16,
    reason: &'static str,
    message: String,
    mut report: RequestReport,
) -> Handled {
    report.status = status;
    report.reason = Some(reason);
    Handled {
        status,
        body: json!({"error": reason, "message": message}),
        report,
    }
}

/// A rejected event as a message for the rejected-events queue: its JSON verbatim, in a group
/// of its own (so it blocks nothing), deduplicated on its content without `attemptNumber` (which
/// HubSpot increments on every retry), so retries of a delivery keep it once; the reason travels
/// as message attributes.
fn rejected_pending(rejected: &RejectedEvent, correlation_id: &str) -> Pending {
    let identity = match serde_json::from_str::<Value>(&rejected.raw) {
        Ok(Value::Object(mut event)) => {
            event.remove("attemptNumber");
            Value::Object(event).to_string()
        }
        _ => rejected.raw.clone(),
    };
    let digest = hex::encode(Sha256::digest(identity.as_bytes()));
    let detail: String = rejected.detail.chars().take(MAX_DETAIL_CHARS).collect();
    let mut attributes = BTreeMap::from([
        (
            REJECTED_REASON_ATTRIBUTE.to_owned(),
            rejected.reason.to_owned(),
        ),
        ("RejectedDetail".to_owned(), detail),
        ("CorrelationId".to_owned(), correlation_id.to_owned()),
    ]);
    // An event too large for one SQS message is kept cut, with the hash of the whole.
    let mut body = rejected.raw.clone();
    if body.len() > MAX_REJECTED_BODY_BYTES {
        let mut cut = MAX_REJECTED_BODY_BYTES;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        attributes.insert(
            "RejectedTruncatedFromBytes".to_owned(),
            rejected.raw.len().to_string(),
        );
        attributes.insert(
            "RejectedSha256".to_owned(),
            hex::encode(Sha256::digest(rejected.raw.as_bytes())),
        );
    }
    Pending {
        message: SendEntry {
            body,
            group_id: format!("rejected-{}", &digest[..32]),
            dedup_id: format!("rejected-{digest}"),
            attributes,
        },
        event_id: 0,
        object_type: "unknown",
        object_id: format!("#{}", rejected.index),
    }
}

fn to_pending(wanted: Vec<WebhookEvent>, correlation_id: &str, now_ms: i64) -> Vec<Pending> {
    let mut events: Vec<SyncEvent> = wanted
        .into_iter()
        .filter_map(|e| SyncEvent::from_hubspot(e, correlation_id, now_ms))
        .collect();
    // Oldest first, so a batch holding several events of one object queues them in the order
    // they happened (HubSpot's delivery order means nothing). The sort is stable.
    events.sort_by_key(|e| e.occurred_at);
    events
        .into_iter()
        .map(|sync| Pending {
            message: SendEntry {
                group_id: sync.message_group_id(),
                dedup_id: sync.message_deduplication_id(),
                body: fit_body(&sync),
                attributes: BTreeMap::new(),
            },
            event_id: sync.hubspot.as_ref().map_or(0, |h| h.event_id),
            object_type: sync.object_type.as_str(),
            object_id: sync.object_id,
        })
        .collect()
}

/// `Ok(None)` when verification is disabled.
fn verify_signature(
    settings: &Settings,
    request: &WebhookRequest,
    now_ms: i64,
) -> Result<Option<SignatureVersion>, events::SignatureError> {
    let Some(secrets) = &settings.secrets else {
        return Ok(None);
    };
    let signed = SignedRequest {
        method: &request.method,
        uri: settings
            .public_url
            .as_deref()
            .unwrap_or(&request.rebuilt_url),
        body: &request.body,
        signature_v3: request.header("x-hubspot-signature-v3"),
        timestamp: request.header("x-hubspot-request-timestamp"),
        signature: request.header("x-hubspot-signature"),
        signature_version: request.header("x-hubspot-signature-version"),
    };
    events::signature::verify(
        &signed,
        secrets,
        settings.signature_versions,
        now_ms,
        settings.max_age_ms,
    )
    .map(Some)
}

/// The message body, shrunk when an event is too large for SQS: the processor reads the
/// current state from HubSpot anyway, so a huge `propertyValue`, and then the original event,
/// can be left out without losing the change.
fn fit_body(sync: &SyncEvent) -> String {
    let body = sync.to_json();
    if body.len() <= MAX_BODY_BYTES {
        return body;
    }
    let mut slim = sync.clone();
    if let Some(h) = slim.hubspot.as_mut() {
        h.property_value = None;
        h.extra
            .insert("propertyValueOmitted".into(), serde_json::Value::Bool(true));
    }
    let body = slim.to_json();
    if body.len() <= MAX_BODY_BYTES {
        return body;
    }
    slim.hubspot = None;
    slim.to_json()
}

/// Splits messages into `SendMessageBatch` calls: ≤ 10 entries and ≤ 256 KiB each.
fn chunk(pending: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut chunks: Vec<Vec<Pending>> = Vec::new();
    let mut size = 0;
    for p in pending {
        let len = p.message.body.len();
        let full = chunks
            .last()
            .is_none_or(|c| c.len() >= MAX_BATCH || size + len > MAX_BODY_BYTES);
        if full {
            chunks.push(Vec::new());
            size = 0;
        }
        size += len;
        if let Some(current) = chunks.last_mut() {
            current.push(p);
        }
    }
    chunks
}

/// Verify + parse + build the SQS batches for a body, without sending: the receipt's hot path,
/// exposed for the benchmark.
pub fn prepare_batches(
    settings: &Settings,
    request: &WebhookRequest,
    now_ms: i64,
) -> Result<Vec<Vec<SendEntry>>, String> {
    verify_signature(settings, request, now_ms).map_err(|e| e.to_string())?;
    let delivery = events::parse_delivery(&request.body).map_err(|e| e.to_string())?;
    let wanted = delivery
        .events
        .into_iter()
        .filter(|e| settings.synced.wants(e))
        .collect();
    Ok(chunk(to_pending(wanted, &request.request_id, now_ms))
        .into_iter()
        .map(|c| c.into_iter().map(|p| p.message).collect())
        .collect())
}
