//! Everything around the data: the rolling rate limiter, injected faults and the request log
//! tests assert on.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::model::ObjectType;

/// What the next request(s) should answer instead of being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubSpotFault {
    /// 429 with `policyName: TEN_SECONDLY_ROLLING`, exactly as the real limiter answers.
    RateLimited,
    /// 429 with `policyName: DAILY` (the daily cap; retrying soon will not help).
    DailyLimit,
    /// Any status. 502/503/504 come with an HTML body like HubSpot's edge proxy sends, so
    /// clients must not assume every error body is JSON; other codes get HubSpot's JSON shape.
    Status(u16),
}

/// Which API a request hit, for counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// `GET /crm/v3/objects/{type}/{id}`
    GetObject,
    /// `PATCH /crm/v3/objects/{type}/{id}`
    PatchObject,
    /// `POST /crm/v3/objects/{type}`
    CreateObject,
    /// `POST /crm/v3/objects/{type}/batch/read`
    BatchRead,
    /// `POST /crm/v3/objects/{type}/search`
    Search,
    /// `GET /account-info/v3/details`
    AccountInfo,
    Other,
}

/// One request as the fake saw it (recorded whatever the outcome, including 401/429/faults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub kind: RequestKind,
    pub object_type: Option<ObjectType>,
    /// The `{id}` path segment, when the route has one.
    pub object_id: Option<String>,
    pub status: u16,
}

/// Classifies a path without routing it (the log must also cover requests that never reach a
/// handler: auth failures, 429s, injected faults).
pub(crate) fn classify(
    method: &str,
    path: &str,
) -> (RequestKind, Option<ObjectType>, Option<String>) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        ("GET", ["crm", "v3", "objects", kind, id]) => (
            RequestKind::GetObject,
            ObjectType::parse(kind),
            Some((*id).to_owned()),
        ),
        ("PATCH", ["crm", "v3", "objects", kind, id]) => (
            RequestKind::PatchObject,
            ObjectType::parse(kind),
            Some((*id).to_owned()),
        ),
        ("POST", ["crm", "v3", "objects", kind, "batch", "read"]) => {
            (RequestKind::BatchRead, ObjectType::parse(kind), None)
        }
        ("POST", ["crm", "v3", "objects", kind, "search"]) => {
            (RequestKind::Search, ObjectType::parse(kind), None)
        }
        ("GET", ["account-info", "v3", "details"]) => (RequestKind::AccountInfo, None, None),
        ("POST", ["crm", "v3", "objects", kind]) => {
            (RequestKind::CreateObject, ObjectType::parse(kind), None)
        }
        _ => (RequestKind::Other, None, None),
    }
}

/// HubSpot's "ten secondly rolling" limiter: at most `max` accepted requests in any window.
#[derive(Debug)]
pub(crate) struct RollingLimiter {
    pub max: u32,
    pub window: Duration,
    accepted: VecDeque<Instant>,
}

impl RollingLimiter {
    pub(crate) fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            accepted: VecDeque::new(),
        }
    }

    fn prune(&mut self, now: Instant) {
        while let Some(first) = self.accepted.front() {
            if now.duration_since(*first) >= self.window {
                self.accepted.pop_front();
            } else {
                break;
            }
        }
    }

    /// Takes a slot; false means "answer 429". Rejected requests do not take a slot.
    pub(crate) fn try_acquire(&mut self) -> bool {
        let now = Instant::now();
        self.prune(now);
        if self.accepted.len() >= self.max as usize {
            return false;
        }
        self.accepted.push_back(now);
        true
    }

    pub(crate) fn remaining(&mut self) -> u32 {
        self.prune(Instant::now());
        let used = u32::try_from(self.accepted.len()).unwrap_or(u32::MAX);
        self.max.saturating_sub(used)
    }
}

#[derive(Debug)]
pub(crate) struct Control {
    pub token: String,
    pub portal_id: u64,
    pub limiter: RollingLimiter,
    /// The CRM search endpoints' own limit, on top of the general one.
    pub search_limiter: RollingLimiter,
    pub faults: VecDeque<HubSpotFault>,
    pub log: Vec<RequestRecord>,
}

impl Control {
    pub(crate) fn new(
        token: String,
        portal_id: u64,
        limiter: RollingLimiter,
        search: RollingLimiter,
    ) -> Self {
        Self {
            token,
            portal_id,
            limiter,
            search_limiter: search,
            faults: VecDeque::new(),
            log: Vec::new(),
        }
    }
}
