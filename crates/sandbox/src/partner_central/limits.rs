//! Request quotas (one read and one write token bucket for the whole partner account) and
//! injected faults.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// Write actions (Create, Update, Associate, …): 1 per second per partner account
/// (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/quotas.html>). The
/// 24-hour quotas (10 000 writes, 100 000 reads) are not modelled: no test comes near them.
pub(crate) const WRITE_QUOTA: Rate = Rate {
    per_second: 1.0,
    burst: 1,
};

/// Read actions (Get, List): 10 per second per partner account (same page).
pub(crate) const READ_QUOTA: Rate = Rate {
    per_second: 10.0,
    burst: 10,
};

/// Partner Central quotas are per operation class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    Read,
    Write,
}

/// A classic token bucket: `rate` tokens per second, holding at most `burst`.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    last: DateTime<Utc>,
}

/// One rate setting. `None` rate = unlimited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Quotas {
    pub reads: Option<Rate>,
    pub writes: Option<Rate>,
    /// One bucket per class for the whole fake: the quotas are per partner account, shared
    /// by every client, Lambda instance and catalog.
    buckets: HashMap<Class, Bucket>,
}

impl Quotas {
    pub(crate) fn new(reads: Option<Rate>, writes: Option<Rate>) -> Self {
        Self {
            reads,
            writes,
            buckets: HashMap::new(),
        }
    }

    /// Takes one token of the account's `class` bucket; false means "answer
    /// ThrottlingException". Every call counts, valid or not, as with the real quota.
    pub(crate) fn try_take(&mut self, class: Class, now: DateTime<Utc>) -> bool {
        let rate = match class {
            Class::Read => self.reads,
            Class::Write => self.writes,
        };
        let Some(rate) = rate else {
            return true;
        };
        let capacity = f64::from(rate.burst.max(1));
        let bucket = self.buckets.entry(class).or_insert(Bucket {
            tokens: capacity,
            last: now,
        });
        let elapsed_ms = (now - bucket.last).num_milliseconds().max(0);
        // Elapsed time is whole milliseconds, far below f64's exact-integer range.
        #[allow(clippy::cast_precision_loss)]
        let refill = elapsed_ms as f64 / 1000.0 * rate.per_second;
        bucket.tokens = (bucket.tokens + refill).min(capacity);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// An error to answer instead of serving a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerCentralFault {
    /// 429 ThrottlingException (the SDK retries it unless retries are disabled).
    Throttling,
    /// 500 InternalServerException (the SDK treats 500 as transient and retries it).
    InternalServer,
    /// 403 AccessDeniedException (e.g. the role lacks the managed policy).
    AccessDenied,
    /// 409 ConflictException, as if someone else modified the opportunity in between.
    Conflict,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingFault {
    /// `None` = any operation.
    pub operation: Option<String>,
    pub fault: PartnerCentralFault,
}
