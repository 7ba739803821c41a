//! The embedded queue's time source: the wall clock, or a manual clock tests move forward so
//! that visibility timeouts and the 5-minute deduplication window need no sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Milliseconds since the Unix epoch (SQS timestamps are epoch milliseconds).
pub trait QueueClock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl QueueClock for WallClock {
    fn now_ms(&self) -> i64 {
        receipt::now_ms()
    }
}

/// Starts at the wall-clock time and only moves when told to. Clones share the time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock(Arc::new(AtomicI64::new(receipt::now_ms())))
    }
}

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl QueueClock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
