//! A client-side token bucket and jittered backoff, shared by the HTTP adapters.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Allows `rate` requests per second on average with bursts of `burst`. Waiting callers are
/// served in turn (the mutex is fair).
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(rate: f64, burst: f64) -> Self {
        TokenBucket {
            rate: rate.max(0.001),
            burst: burst.max(1.0),
            state: Mutex::new((burst.max(1.0), Instant::now())),
        }
    }

    /// Waits for a token. The wait is a plain sleep, so it ends early only if the caller's
    /// future is dropped (the record's deadline).
    pub async fn acquire(&self) {
        let mut state = self.state.lock().await;
        let (tokens, last) = *state;
        let now = Instant::now();
        let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            return;
        }
        let wait = Duration::from_secs_f64((1.0 - tokens) / self.rate);
        tokio::time::sleep(wait).await;
        *state = (0.0, Instant::now());
    }
}

/// Exponential backoff with full jitter: a random duration in [base·2^attempt / 2, base·2^attempt],
/// capped. Half the interval is kept fixed so a retry never fires immediately.
pub fn backoff(base: Duration, attempt: u32, cap: Duration) -> Duration {
    let exp = base
        .saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .min(cap);
    let half = exp / 2;
    half + half.mul_f64(random_fraction())
}

/// A random number in [0, 1) without another dependency: uuid v4 draws from the OS RNG.
fn random_fraction() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64 >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_bounds() {
        let base = Duration::from_millis(200);
        let cap = Duration::from_secs(5);
        for attempt in 0..40 {
            let d = backoff(base, attempt, cap);
            let exp = base.saturating_mul(1u32 << attempt.min(16)).min(cap);
            assert!(
                d >= exp / 2 && d <= exp,
                "attempt {attempt}: {d:?} not in [{:?}, {exp:?}]",
                exp / 2
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn bucket_spaces_requests_after_the_burst() {
        let bucket = TokenBucket::new(10.0, 2.0);
        let start = Instant::now();
        for _ in 0..4 {
            bucket.acquire().await;
        }
        // Two immediate tokens, then one every 100 ms (virtual time: not a timing assertion).
        assert_eq!(
            Instant::now().duration_since(start),
            Duration::from_millis(200)
        );
    }
}
