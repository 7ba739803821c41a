//! An in-process SQS FIFO queue with an optional FIFO dead-letter queue, keeping the rules the
//! pipeline relies on (and that `tests/it/conformance.rs` checks against moto as well):
//!
//! - messages of a group are delivered in send order, and a group with a message in flight
//!   delivers nothing else until that message is deleted or its visibility timeout expires
//!   (one receive may still return several consecutive messages of a group);
//! - a deduplication id seen within the last 5 minutes is accepted and dropped;
//! - every receive counts (`ApproximateReceiveCount`) and hands out a new receipt handle; only
//!   the latest handle deletes;
//! - a message received `maxReceiveCount` times is moved to the DLQ on the next receive attempt
//!   instead of being delivered again (the message id, group, dedup id, body and counts move
//!   with it), which unblocks its group.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use events::Clock;

use crate::limits::{DEDUP_WINDOW, MAX_BATCH, MAX_BODY_BYTES, MAX_ID_LEN};
use crate::{
    Depth, FifoQueue, QueueError, ReceivedMessage, SendEntry, SendResult, attribute, md5_hex,
};

/// The `SenderId` attribute of messages sent locally (SQS puts the IAM principal there).
const SENDER_ID: &str = "AIDALOCALSYNCRUNNER00";
/// How often a long-polling receive re-checks for visibility timeouts that expired.
const POLL_TICK: Duration = Duration::from_millis(25);

#[derive(Debug, Clone)]
pub struct QueueSettings {
    /// Without `.fifo`; the ARN and `GET /status` use it.
    pub name: String,
    pub visibility_timeout: Duration,
    /// `None`: no redrive (the DLQ itself).
    pub max_receive_count: Option<u32>,
    pub dedup_window: Duration,
}

impl QueueSettings {
    pub fn new(name: &str, visibility_timeout: Duration, max_receive_count: Option<u32>) -> Self {
        QueueSettings {
            name: name.to_owned(),
            visibility_timeout,
            max_receive_count,
            dedup_window: DEDUP_WINDOW,
        }
    }
}

#[derive(Debug, Clone)]
struct Stored {
    message_id: String,
    body: String,
    md5: String,
    group_id: String,
    dedup_id: String,
    sequence_number: String,
    sent_ms: i64,
    first_receive_ms: Option<i64>,
    receive_count: u32,
    invisible_until: Option<i64>,
    receipt_handle: Option<String>,
    message_attributes: std::collections::BTreeMap<String, String>,
}

impl Stored {
    fn in_flight(&self, now: i64) -> bool {
        self.invisible_until.is_some_and(|t| t > now)
    }

    fn received(&self) -> ReceivedMessage {
        let mut attributes = HashMap::new();
        let mut put = |k: &str, v: String| {
            attributes.insert(k.to_owned(), v);
        };
        put(attribute::MESSAGE_GROUP_ID, self.group_id.clone());
        put(attribute::MESSAGE_DEDUPLICATION_ID, self.dedup_id.clone());
        put(
            attribute::APPROXIMATE_RECEIVE_COUNT,
            self.receive_count.to_string(),
        );
        put(attribute::SENT_TIMESTAMP, self.sent_ms.to_string());
        put(
            attribute::APPROXIMATE_FIRST_RECEIVE_TIMESTAMP,
            self.first_receive_ms.unwrap_or(self.sent_ms).to_string(),
        );
        put(attribute::SEQUENCE_NUMBER, self.sequence_number.clone());
        put(attribute::SENDER_ID, SENDER_ID.to_owned());
        ReceivedMessage {
            message_id: self.message_id.clone(),
            receipt_handle: self.receipt_handle.clone().unwrap_or_default(),
            body: self.body.clone(),
            md5_of_body: self.md5.clone(),
            attributes,
            message_attributes: self.message_attributes.clone(),
        }
    }
}

#[derive(Default)]
struct State {
    /// In sequence order.
    messages: VecDeque<Stored>,
    /// dedup id → (first send, message id, sequence number), pruned as the window passes.
    dedup: HashMap<String, (i64, String, String)>,
    dedup_order: VecDeque<(i64, String)>,
    next_sequence: u128,
}

struct Inner {
    settings: QueueSettings,
    arn: String,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    arrived: Notify,
    dlq: Option<EmbeddedQueue>,
}

/// A handle to one queue; clones share it.
#[derive(Clone)]
pub struct EmbeddedQueue {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmbeddedQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedQueue")
            .field("arn", &self.inner.arn)
            .finish()
    }
}

impl EmbeddedQueue {
    /// A queue without redrive.
    pub fn new(settings: QueueSettings, clock: Arc<dyn Clock>) -> Self {
        Self::build(settings, clock, None)
    }

    /// A queue redriving to a new DLQ after `max_receive_count` receives. Returns (queue, DLQ).
    pub fn with_dlq(settings: QueueSettings, clock: Arc<dyn Clock>) -> (Self, Self) {
        let dlq_settings = QueueSettings {
            name: format!("{}-dlq", settings.name),
            max_receive_count: None,
            ..settings.clone()
        };
        let dlq = Self::build(dlq_settings, clock.clone(), None);
        (Self::build(settings, clock, Some(dlq.clone())), dlq)
    }

    fn build(settings: QueueSettings, clock: Arc<dyn Clock>, dlq: Option<EmbeddedQueue>) -> Self {
        let arn = format!("arn:aws:sqs:us-east-1:000000000000:{}.fifo", settings.name);
        EmbeddedQueue {
            inner: Arc::new(Inner {
                settings,
                arn,
                clock,
                state: Mutex::new(State {
                    next_sequence: 18_000_000_000_000_000_000,
                    ..State::default()
                }),
                arrived: Notify::new(),
                dlq,
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.inner.settings.name
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    fn send_one(&self, state: &mut State, entry: &SendEntry, now: i64) -> SendResult {
        if let Err(message) = validate(entry) {
            return SendResult::Failed {
                code: "InvalidParameterValue".into(),
                message,
                sender_fault: true,
            };
        }
        let window = i64::try_from(self.inner.settings.dedup_window.as_millis()).unwrap_or(0);
        while let Some((sent, id)) = state.dedup_order.front() {
            if now - *sent < window {
                break;
            }
            if state.dedup.get(id).is_some_and(|(s, _, _)| s == sent) {
                state.dedup.remove(id);
            }
            state.dedup_order.pop_front();
        }
        if let Some((_, message_id, sequence_number)) = state.dedup.get(&entry.dedup_id) {
            // SQS accepts a duplicate and answers with the original message's id.
            return SendResult::Sent {
                message_id: message_id.clone(),
                sequence_number: sequence_number.clone(),
            };
        }
        state.next_sequence += 1;
        let sequence_number = format!("{:020}", state.next_sequence);
        let message_id = uuid::Uuid::new_v4().to_string();
        state.dedup.insert(
            entry.dedup_id.clone(),
            (now, message_id.clone(), sequence_number.clone()),
        );
        state.dedup_order.push_back((now, entry.dedup_id.clone()));
        state.messages.push_back(Stored {
            message_id: message_id.clone(),
            md5: md5_hex(&entry.body),
            body: entry.body.clone(),
            group_id: entry.group_id.clone(),
            dedup_id: entry.dedup_id.clone(),
            sequence_number: sequence_number.clone(),
            sent_ms: now,
            first_receive_ms: None,
            receive_count: 0,
            invisible_until: None,
            receipt_handle: None,
            message_attributes: entry.attributes.clone(),
        });
        SendResult::Sent {
            message_id,
            sequence_number,
        }
    }

    /// Moves messages from the redrive (keeping id, attributes and counts), bypassing dedup.
    fn accept_dead_letters(&self, letters: Vec<Stored>) {
        if letters.is_empty() {
            return;
        }
        let mut state = self.state();
        for mut letter in letters {
            letter.invisible_until = None;
            letter.receipt_handle = None;
            state.messages.push_back(letter);
        }
        drop(state);
        self.inner.arrived.notify_waiters();
    }

    fn try_receive(&self, max: usize, visibility: Duration) -> Vec<ReceivedMessage> {
        let now = self.now();
        let visibility_ms = i64::try_from(visibility.as_millis()).unwrap_or(i64::MAX);
        let redrive = self
            .inner
            .settings
            .max_receive_count
            .filter(|_| self.inner.dlq.is_some());
        let mut state = self.state();
        let blocked: HashSet<String> = state
            .messages
            .iter()
            .filter(|m| m.in_flight(now))
            .map(|m| m.group_id.clone())
            .collect();
        let mut out = Vec::new();
        let mut dead = Vec::new();
        let mut index = 0;
        while index < state.messages.len() && out.len() < max {
            let Some(message) = state.messages.get_mut(index) else {
                break;
            };
            if blocked.contains(&message.group_id) {
                index += 1;
                continue;
            }
            if redrive.is_some_and(|max_count| message.receive_count >= max_count) {
                if let Some(letter) = state.messages.remove(index) {
                    dead.push(letter);
                }
                continue;
            }
            message.receive_count += 1;
            message.first_receive_ms.get_or_insert(now);
            message.invisible_until = Some(now.saturating_add(visibility_ms));
            message.receipt_handle = Some(format!(
                "{}#{}",
                message.message_id,
                uuid::Uuid::new_v4().simple()
            ));
            out.push(message.received());
            index += 1;
        }
        drop(state);
        if let Some(dlq) = &self.inner.dlq {
            dlq.accept_dead_letters(dead);
        }
        out
    }

    fn find_in_flight<'a>(
        state: &'a mut State,
        receipt_handle: &str,
    ) -> Result<(usize, &'a mut Stored), QueueError> {
        state
            .messages
            .iter_mut()
            .enumerate()
            .find(|(_, m)| m.receipt_handle.as_deref() == Some(receipt_handle))
            .ok_or_else(|| QueueError::InvalidReceiptHandle(receipt_handle.to_owned()))
    }
}

fn validate(entry: &SendEntry) -> Result<(), String> {
    let id_ok = |id: &str| {
        !id.is_empty()
            && id.len() <= MAX_ID_LEN
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
    };
    if !id_ok(&entry.group_id) {
        return Err(format!("invalid MessageGroupId {:?}", entry.group_id));
    }
    if !id_ok(&entry.dedup_id) {
        return Err(format!(
            "invalid MessageDeduplicationId {:?}",
            entry.dedup_id
        ));
    }
    if entry.body.is_empty() || entry.body.len() > MAX_BODY_BYTES {
        return Err(format!(
            "message body must be 1 to {MAX_BODY_BYTES} bytes, got {}",
            entry.body.len()
        ));
    }
    Ok(())
}

#[async_trait::async_trait]
impl FifoQueue for EmbeddedQueue {
    async fn send_batch(&self, entries: &[SendEntry]) -> Result<Vec<SendResult>, QueueError> {
        if entries.is_empty() || entries.len() > MAX_BATCH {
            return Err(QueueError::Invalid(format!(
                "a batch holds 1 to {MAX_BATCH} entries, got {}",
                entries.len()
            )));
        }
        let now = self.now();
        let mut state = self.state();
        let results = entries
            .iter()
            .map(|e| self.send_one(&mut state, e, now))
            .collect();
        drop(state);
        self.inner.arrived.notify_waiters();
        Ok(results)
    }

    async fn receive(
        &self,
        max: usize,
        visibility: Option<Duration>,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, QueueError> {
        let max = max.clamp(1, MAX_BATCH);
        let visibility = visibility.unwrap_or(self.inner.settings.visibility_timeout);
        let until = tokio::time::Instant::now() + wait;
        loop {
            let arrived = self.inner.arrived.notified();
            let received = self.try_receive(max, visibility);
            let now = tokio::time::Instant::now();
            if !received.is_empty() || now >= until {
                return Ok(received);
            }
            let _ = tokio::time::timeout((until - now).min(POLL_TICK), arrived).await;
        }
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError> {
        let mut state = self.state();
        let (index, _) = Self::find_in_flight(&mut state, receipt_handle)?;
        state.messages.remove(index);
        drop(state);
        // The group may be unblocked now.
        self.inner.arrived.notify_waiters();
        Ok(())
    }

    async fn change_visibility(
        &self,
        receipt_handle: &str,
        visibility: Duration,
    ) -> Result<(), QueueError> {
        let now = self.now();
        let mut state = self.state();
        let (_, message) = Self::find_in_flight(&mut state, receipt_handle)?;
        if !message.in_flight(now) {
            return Err(QueueError::Invalid(format!(
                "message {} is not in flight",
                message.message_id
            )));
        }
        let ms = i64::try_from(visibility.as_millis()).unwrap_or(i64::MAX);
        message.invisible_until = Some(now.saturating_add(ms));
        drop(state);
        self.inner.arrived.notify_waiters();
        Ok(())
    }

    async fn depth(&self) -> Result<Depth, QueueError> {
        let now = self.now();
        let state = self.state();
        let in_flight = state.messages.iter().filter(|m| m.in_flight(now)).count() as u64;
        Ok(Depth {
            visible: state.messages.len() as u64 - in_flight,
            in_flight,
        })
    }

    fn arn(&self) -> &str {
        &self.inner.arn
    }

    fn settle_wait(&self) -> Duration {
        Duration::from_millis(50)
    }
}
