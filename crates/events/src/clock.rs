//! The one time source of the workspace: the processor's close-date floor, the queue's visibility
//! timeouts and deduplication window, and the fakes' clocks all read a [`Clock`], so tests move
//! time forward instead of sleeping.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Milliseconds since the Unix epoch (SQS timestamps are epoch milliseconds).
    fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// The UTC date: Partner Central compares dates in UTC.
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The real UTC clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to. Clones share the time, so a test keeps one clone and
/// hands another to the code under test.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Starts at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(Utc::now())
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    pub fn advance(&self, by: std::time::Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.checked_add_signed(by).unwrap_or(*now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_clones_share_it() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let clock = ManualClock::new(at);
        let shared = clock.clone();
        clock.advance(std::time::Duration::from_millis(1_500));
        assert_eq!(shared.now_ms(), 1_700_000_001_500);
        shared.set(at);
        assert_eq!(clock.now(), at);
        assert_eq!(clock.today().to_string(), "2023-11-14");
    }
}
