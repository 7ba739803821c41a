//! Client-side rate limits: a token bucket and jittered backoff (shared by the HTTP adapters),
//! and the write slots that share Partner Central's per-account write quota between instances.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// Partner Central's write quota is 1 per second **per partner account**, shared by every
/// processor instance (the event source runs up to `lanes` at once) and with no coordinator
/// between them. Wall-clock time is cut into slots of `slot` (a little over the quota's 1 s)
/// and the slots dealt round-robin to `lanes` lanes; an instance writes only at the start of its
/// own lane's slots, at most once per slot. Instances on different lanes can never exceed the
/// quota, whatever their number of writes. An instance starts on a random lane. A throttled
/// write means someone else writes in that lane: the instance moves to another lane with
/// probability 1/2. Two instances that picked the same lane part after two collisions on
/// average (one of them loses each collision; if the loser always moved, two instances whose
/// winner alternates would keep meeting). A throttle caused by network jitter between two
/// lanes' writes costs two more on average.
#[derive(Debug)]
pub struct WriteSlots {
    lanes: u64,
    slot_ms: u64,
    /// Never held across an await: a throttle seen by one writer moves the lane at once (writers
    /// already waiting give up their old-lane slot when it comes), even
    /// while other writers of the instance wait for their slots.
    state: std::sync::Mutex<SlotState>,
}

#[derive(Debug)]
struct SlotState {
    lane: u64,
    /// Bumped when the lane changes: slots reserved on the old lane are given up.
    moves: u64,
    /// The last slot index reserved; the next writer takes a later one.
    last: Option<u64>,
}

/// The account quota's interval plus 5 %: network jitter between two instances' writes cannot
/// bring them under 1 s apart. Costs 5 % of the quota.
pub const DEFAULT_SLOT: Duration = Duration::from_millis(1050);

impl WriteSlots {
    pub fn new(lanes: u32, slot: Duration) -> Self {
        let lanes = u64::from(lanes.max(1));
        Self::on_lane(lanes, slot, uuid::Uuid::new_v4().as_u128() as u64 % lanes)
    }

    /// Starts on a chosen lane instead of a random one.
    pub fn with_lane(lanes: u32, slot: Duration, lane: u32) -> Self {
        let lanes = u64::from(lanes.max(1));
        Self::on_lane(lanes, slot, u64::from(lane) % lanes)
    }

    fn on_lane(lanes: u64, slot: Duration, lane: u64) -> Self {
        WriteSlots {
            lanes,
            slot_ms: u64::try_from(slot.as_millis()).unwrap_or(u64::MAX),
            state: std::sync::Mutex::new(SlotState {
                lane,
                moves: 0,
                last: None,
            }),
        }
    }

    /// No spacing at all (tests about something else, and fakes without quotas).
    pub fn unlimited() -> Self {
        Self::new(1, Duration::ZERO)
    }

    /// Slots for an account quota of `per_second` writes, with the same 5 % margin as
    /// [`DEFAULT_SLOT`] (fakes run with other quotas than the real one).
    pub fn for_quota(lanes: u32, per_second: f64) -> Self {
        let slot = DEFAULT_SLOT.as_secs_f64() / per_second.max(0.001);
        Self::new(lanes, Duration::from_secs_f64(slot))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves this instance's next free slot and waits for its start; writers of one instance
    /// get successive slots in the order they ask. If the lane changes meanwhile, the slot is
    /// given up and one on the new lane reserved.
    pub async fn acquire(&self) {
        if self.slot_ms == 0 {
            return;
        }
        loop {
            let (start, moves) = {
                let mut state = self.state();
                let mut index = epoch_ms().div_ceil(self.slot_ms);
                if let Some(last) = state.last {
                    index = index.max(last + 1);
                }
                index += (state.lane + self.lanes - index % self.lanes) % self.lanes;
                state.last = Some(index);
                (index * self.slot_ms, state.moves)
            };
            let now = epoch_ms();
            if start > now {
                tokio::time::sleep(Duration::from_millis(start - now)).await;
            }
            if self.state().moves == moves {
                return;
            }
        }
    }

    /// A write in this lane was throttled (see the type's documentation).
    pub fn throttled(&self) {
        if self.lanes < 2 || random_fraction() >= 0.5 {
            return;
        }
        let mut state = self.state();
        let step = 1 + (uuid::Uuid::new_v4().as_u128() as u64) % (self.lanes - 1);
        state.lane = (state.lane + step) % self.lanes;
        state.moves += 1;
        // Reserve from now on, on the new lane.
        state.last = None;
        tracing::info!(
            lane = state.lane,
            "write throttled: moving to another write lane"
        );
    }

    #[cfg(test)]
    fn lane(&self) -> u64 {
        self.state().lane
    }
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
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
/// The low 53 bits of a v4 UUID are random (its fixed version and variant bits are above them).
fn random_fraction() -> f64 {
    let bits = (uuid::Uuid::new_v4().as_u128() as u64) & ((1u64 << 53) - 1);
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

    #[test]
    fn random_fractions_cover_the_unit_interval() {
        let draws: Vec<f64> = (0..2000).map(|_| random_fraction()).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        for quarter in 0..4 {
            let (low, high) = (f64::from(quarter) / 4.0, f64::from(quarter + 1) / 4.0);
            let n = draws.iter().filter(|d| (low..high).contains(*d)).count();
            assert!(n > 350, "{n} of 2000 draws in [{low}, {high})");
        }
    }

    #[tokio::test]
    async fn write_slots_keep_two_lanes_apart() {
        // Slots long enough that a busy test machine does not push a write into the next one.
        let slot = Duration::from_millis(200);
        let a = WriteSlots::with_lane(2, slot, 0);
        let b = WriteSlots::with_lane(2, slot, 1);
        let (a_times, b_times) = tokio::join!(times(&a, 5), times(&b, 5));
        let mut all: Vec<u64> = a_times.iter().chain(&b_times).copied().collect();
        all.sort_unstable();
        for pair in all.windows(2) {
            let index = |t: u64| t / 200;
            assert!(
                index(pair[1]) > index(pair[0]),
                "two writes in one slot: {all:?}"
            );
        }
    }

    #[test]
    fn two_writers_on_one_lane_part() {
        // Each round both write in their lanes; when they share one, the account admits one
        // of them (either) and throttles the other.
        let a = WriteSlots::with_lane(2, DEFAULT_SLOT, 1);
        let b = WriteSlots::with_lane(2, DEFAULT_SLOT, 1);
        let mut collisions = 0;
        while a.lane() == b.lane() {
            collisions += 1;
            assert!(collisions <= 40, "still on one lane after 40 collisions");
            let loser = if random_fraction() < 0.5 { &a } else { &b };
            loser.throttled();
        }
    }

    #[tokio::test]
    async fn a_move_gives_up_slots_reserved_on_the_old_lane() {
        let slots = WriteSlots::with_lane(2, Duration::from_millis(200), 0);
        slots.acquire().await;
        // Another writer of the instance waits for the next lane-0 slot while a throttle
        // moves the instance to lane 1.
        let waiting = async {
            slots.acquire().await;
            epoch_ms()
        };
        let mover = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            while slots.lane() == 0 {
                slots.throttled();
            }
        };
        let (started, ()) = tokio::join!(waiting, mover);
        assert_eq!(
            (started / 200) % 2,
            1,
            "wrote in a lane-0 slot at {started}"
        );
    }

    async fn times(slots: &WriteSlots, n: usize) -> Vec<u64> {
        let mut out = Vec::new();
        for _ in 0..n {
            slots.acquire().await;
            out.push(epoch_ms());
        }
        out
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
