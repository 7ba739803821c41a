//! An HTTP fake of the HubSpot CRM v3 objects API on axum, serving what the processor's CRM
//! adapter calls: object reads (with associations), batch reads, CRM search
//! (`POST /crm/v3/objects/{type}/search`, see `search/`), PATCHes, creation of deals,
//! companies, contacts, notes and tasks with inline `associations`, the deal pipelines API
//! (`GET /crm/v3/pipelines/deals`, see `pipelines.rs`), the properties API (groups and
//! definitions) `sync-local hubspot-setup` calls, and the account details
//! (`GET /account-info/v3/details`, for the portal id).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sandbox::hubspot::{HubSpotFake, ObjectType};
//! let hubspot = HubSpotFake::start().await?;
//! hubspot.upsert(ObjectType::Deal, "7", [("dealname", "Acme #AWS")]);
//! // point the code under test at hubspot.base_url() with hubspot.token()
//! # Ok(()) }
//! ```
//!
//! Enforced like the real API: bearer auth (401), unknown/archived objects (404
//! `OBJECT_NOT_FOUND`), property schema on writes (400 `VALIDATION_ERROR` for undefined names,
//! non-string values, bad enumeration options and dates, read-only properties, a `dealstage`
//! outside the pipeline), unique-value properties on every create and update (400, see
//! `unique.rs`), what a create requires and defaults (`creation.rs`: `hs_timestamp` on notes
//! and tasks), property definitions (`type`/`fieldType` combinations, options,
//! `hasUniqueValue`, 409 on creating an existing one, 404 on a missing one;
//! <https://developers.hubspot.com/docs/api/crm/properties>), batch size
//! (≤ 100), search limits (400 `VALIDATION_ERROR`), the ten-secondly rolling rate limit and the
//! search endpoints' own per-second limit (429 `RATE_LIMIT`, `policyName` `TEN_SECONDLY_ROLLING` /
//! `SECONDLY`). `hs_lastmodifieddate` (contacts: `lastmodifieddate`) moves on every create and
//! update, strictly increasing, so "modified since" searches are exact. Sources: the object APIs
//! guide (<https://developers.hubspot.com/docs/guides/crm/using-object-apis>), error
//! handling (<https://developers.hubspot.com/docs/api-reference/error-handling>) and usage limits
//! (<https://developers.hubspot.com/docs/api/usage-details>).

mod account;
mod associations;
mod control;
mod creation;
mod errors;
mod model;
mod pipelines;
mod properties;
mod property_routes;
mod routes;
mod search;
mod seed;
mod store;
mod unique;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::Utc;

pub use control::{HubSpotFault, RequestKind, RequestRecord};
pub use model::ObjectType;
pub use seed::DemoIds;

use crate::lock;
use crate::server::RunningServer;
use control::{Control, RollingLimiter};
use store::Store;

/// Start-up settings. `Default` gives HubSpot's usual private-app limit.
#[derive(Debug, Clone)]
pub struct HubSpotConfig {
    /// The private-app token expected in `Authorization: Bearer <token>`.
    pub token: String,
    /// Requests allowed per rolling window (HubSpot: 100–190 per 10 s depending on plan).
    pub rate_limit_max: u32,
    pub rate_limit_window: Duration,
    /// Search requests allowed per window (HubSpot: five per second per account, on top of the
    /// general limit: <https://developers.hubspot.com/docs/api/crm/search>).
    pub search_rate_limit_max: u32,
    pub search_rate_limit_window: Duration,
    /// The portal (HubSpot account) id `GET /account-info/v3/details` answers.
    pub portal_id: u64,
    /// Whether the portal starts with the sync-owned deal properties (as after the README's
    /// set-up). `false` gives a portal with HubSpot's standard properties only.
    pub sync_properties: bool,
}

impl Default for HubSpotConfig {
    fn default() -> Self {
        Self {
            token: HubSpotFake::DEFAULT_TOKEN.to_owned(),
            rate_limit_max: 190,
            rate_limit_window: Duration::from_secs(10),
            search_rate_limit_max: 5,
            search_rate_limit_window: Duration::from_secs(1),
            // The portal id of HubSpot's documentation examples.
            portal_id: 62515,
            sync_properties: true,
        }
    }
}

pub(crate) struct Shared {
    store: Mutex<Store>,
    control: Mutex<Control>,
}

/// A running fake. Seed and inspect it through the methods (no HTTP needed); the server stops
/// when this is dropped or [`HubSpotFake::shutdown`] is awaited.
pub struct HubSpotFake {
    shared: Arc<Shared>,
    server: RunningServer,
}

impl HubSpotFake {
    pub const DEFAULT_TOKEN: &'static str = "sandbox-hubspot-token";

    /// Starts on 127.0.0.1 with an OS-assigned port and the default config.
    pub async fn start() -> io::Result<Self> {
        Self::start_with(HubSpotConfig::default()).await
    }

    pub async fn start_with(config: HubSpotConfig) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new(config.sync_properties)),
            control: Mutex::new(Control::new(
                config.token,
                config.portal_id,
                RollingLimiter::new(config.rate_limit_max, config.rate_limit_window),
                RollingLimiter::new(
                    config.search_rate_limit_max,
                    config.search_rate_limit_window,
                ),
            )),
        });
        let router = Router::new()
            .route("/crm/v3/objects/{object_type}", post(routes::create_object))
            .route(
                "/crm/v3/objects/{object_type}/batch/read",
                post(routes::batch_read),
            )
            .route("/crm/v3/objects/{object_type}/search", post(search::search))
            .route("/account-info/v3/details", get(account::details))
            .route("/crm/v3/pipelines/{object_type}", get(pipelines::list))
            .route(
                "/crm/v3/pipelines/{object_type}/{pipeline_id}",
                get(pipelines::one),
            )
            .route(
                "/crm/v3/pipelines/{object_type}/{pipeline_id}/stages",
                get(pipelines::stages),
            )
            .route(
                "/crm/v3/objects/{object_type}/{id}",
                get(routes::get_object).patch(routes::patch_object),
            )
            .route(
                "/crm/v3/properties/{object_type}/groups",
                post(property_routes::create_group),
            )
            .route(
                "/crm/v3/properties/{object_type}/groups/{name}",
                get(property_routes::get_group).patch(property_routes::update_group),
            )
            .route(
                "/crm/v3/properties/{object_type}",
                post(property_routes::create_property),
            )
            .route(
                "/crm/v3/properties/{object_type}/{name}",
                get(property_routes::get_property).patch(property_routes::update_property),
            )
            .fallback(routes::fallback)
            .layer(middleware::from_fn_with_state(shared.clone(), gate))
            .with_state(shared.clone());
        let server = RunningServer::spawn(router, "hubspot").await?;
        Ok(Self { shared, server })
    }

    /// `http://127.0.0.1:<port>` — use in place of `https://api.hubapi.com`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn token(&self) -> String {
        lock(&self.shared.control).token.clone()
    }

    /// The portal (account) id, as `GET /account-info/v3/details` answers it.
    pub fn portal_id(&self) -> u64 {
        lock(&self.shared.control).portal_id
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    // ----- seeding ---------------------------------------------------------------------------

    /// Creates or merges into an object, defining any property name not yet in the schema
    /// (seeding is trusted; only the HTTP API enforces the schema). Revives archived objects.
    pub fn upsert<K, V>(
        &self,
        kind: ObjectType,
        id: &str,
        properties: impl IntoIterator<Item = (K, V)>,
    ) where
        K: Into<String>,
        V: Into<String>,
    {
        let properties: BTreeMap<String, Option<String>> = properties
            .into_iter()
            .map(|(k, v)| (k.into(), Some(v.into())))
            .collect();
        lock(&self.shared.store).upsert(kind, id, properties, Utc::now());
    }

    /// Like [`HubSpotFake::upsert`] with a fresh numeric id, which it returns.
    pub fn create<K, V>(
        &self,
        kind: ObjectType,
        properties: impl IntoIterator<Item = (K, V)>,
    ) -> String
    where
        K: Into<String>,
        V: Into<String>,
    {
        let id = lock(&self.shared.store).allocate_id();
        self.upsert(kind, &id, properties);
        id
    }

    /// Sets one property to null (as if never set), keeping the object.
    pub fn unset(&self, kind: ObjectType, id: &str, property: &str) {
        let properties = BTreeMap::from([(property.to_owned(), None)]);
        lock(&self.shared.store).upsert(kind, id, properties, Utc::now());
    }

    /// Links two objects with their default (unlabeled) association type. A deal↔company link
    /// made this way is listed once, as `deal_to_company_unlabeled`.
    pub fn associate(&self, from: (ObjectType, &str), to: (ObjectType, &str)) {
        lock(&self.shared.store).associate(
            (from.0, from.1.to_owned()),
            (to.0, to.1.to_owned()),
            false,
        );
    }

    /// Links with the "Primary" label as well, so v3 lists the link twice (`deal_to_company`
    /// and `deal_to_company_unlabeled`) — the real-world quirk readers must de-duplicate.
    /// Returns false for pairs without a primary label (only company links have one).
    pub fn associate_primary(&self, from: (ObjectType, &str), to: (ObjectType, &str)) -> bool {
        lock(&self.shared.store).associate(
            (from.0, from.1.to_owned()),
            (to.0, to.1.to_owned()),
            true,
        )
    }

    /// Archives (deletes) an object: the API then answers 404 for it. False if unknown.
    pub fn archive(&self, kind: ObjectType, id: &str) -> bool {
        lock(&self.shared.store).archive(kind, id)
    }

    /// Loads the demo portal (see [`DemoIds`]).
    pub fn seed_demo(&self) -> DemoIds {
        seed::seed_demo(self)
    }

    // ----- inspection ------------------------------------------------------------------------

    /// A property definition as `GET /crm/v3/properties/{type}/{name}` returns it.
    pub fn property_definition(&self, kind: ObjectType, name: &str) -> Option<serde_json::Value> {
        lock(&self.shared.store)
            .definition(kind, name)
            .map(properties::Definition::to_json)
    }

    /// One property's current value; `None` if unset or the object is unknown.
    pub fn property(&self, kind: ObjectType, id: &str, name: &str) -> Option<String> {
        lock(&self.shared.store)
            .live(kind, id)
            .and_then(|object| object.properties.get(name).cloned().flatten())
    }

    /// Ids of the live objects of `kind` whose `name` is `value` (what a person sees filtering
    /// the CRM; the search API answers the same, within its rate limit), in id order.
    pub fn with_value(&self, kind: ObjectType, name: &str, value: &str) -> Vec<String> {
        lock(&self.shared.store)
            .live_of(kind)
            .into_iter()
            .filter(|o| o.properties.get(name).cloned().flatten().as_deref() == Some(value))
            .map(|o| o.id.clone())
            .collect()
    }

    /// A live object with every property it holds (unset ones as `null`), in the v3 object
    /// JSON; `None` if unknown or archived.
    pub fn object(&self, kind: ObjectType, id: &str) -> Option<serde_json::Value> {
        let store = lock(&self.shared.store);
        let object = store.live(kind, id)?;
        let names: Vec<String> = object.properties.keys().cloned().collect();
        Some(routes::render(&store, kind, object, Some(&names), None))
    }

    /// The tasks associated with a deal, oldest link first, each as [`HubSpotFake::object`]
    /// returns it.
    pub fn tasks_of_deal(&self, deal_id: &str) -> Vec<serde_json::Value> {
        self.associated_ids(ObjectType::Deal, deal_id, ObjectType::Task)
            .iter()
            .filter_map(|id| self.object(ObjectType::Task, id))
            .collect()
    }

    /// Ids of live objects of type `to` associated with `(from, id)`.
    pub fn associated_ids(&self, from: ObjectType, id: &str, to: ObjectType) -> Vec<String> {
        lock(&self.shared.store)
            .linked(from, id, to)
            .into_iter()
            .map(|(other, _)| other)
            .collect()
    }

    /// Every request received, oldest first, whatever its outcome.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.control).log.clone()
    }

    pub fn request_count(&self, kind: RequestKind) -> usize {
        lock(&self.shared.control)
            .log
            .iter()
            .filter(|r| r.kind == kind)
            .count()
    }

    /// `GET /crm/v3/objects/{type}/{id}` requests for this object ("exactly one read of deal 7").
    pub fn reads_of(&self, kind: ObjectType, id: &str) -> usize {
        self.count_for(RequestKind::GetObject, kind, id)
    }

    /// PATCH requests for this object, rejected ones included.
    pub fn patches_of(&self, kind: ObjectType, id: &str) -> usize {
        self.count_for(RequestKind::PatchObject, kind, id)
    }

    fn count_for(&self, request: RequestKind, kind: ObjectType, id: &str) -> usize {
        lock(&self.shared.control)
            .log
            .iter()
            .filter(|r| {
                r.kind == request
                    && r.object_type == Some(kind)
                    && r.object_id.as_deref() == Some(id)
            })
            .count()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.control).log.clear();
    }

    // ----- faults ----------------------------------------------------------------------------

    /// The next `n` requests (any endpoint) answer `fault` instead of being served.
    pub fn fail_next(&self, n: usize, fault: HubSpotFault) {
        let mut control = lock(&self.shared.control);
        control.faults.extend(std::iter::repeat_n(fault, n));
    }
}

/// Runs before every handler: injected faults, auth, the rate limiter, then the request log and
/// rate-limit headers.
async fn gate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let (kind, object_type, object_id) = control::classify(&method, &path);
    let auth = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    // Decide under one lock, then run the handler without holding it.
    let early: Option<Response> = {
        let mut control = lock(&shared.control);
        if let Some(fault) = control.faults.pop_front() {
            Some(match fault {
                HubSpotFault::RateLimited => errors::rate_limited("TEN_SECONDLY_ROLLING"),
                HubSpotFault::DailyLimit => errors::rate_limited("DAILY"),
                HubSpotFault::Status(code) => errors::injected(code),
            })
        } else if auth.as_deref() != Some(format!("Bearer {}", control.token).as_str()) {
            Some(errors::unauthorized())
        } else if kind == RequestKind::Search && !control.search_limiter.try_acquire() {
            Some(errors::rate_limited("SECONDLY"))
        } else if !control.limiter.try_acquire() {
            Some(errors::rate_limited("TEN_SECONDLY_ROLLING"))
        } else {
            None
        }
    };
    let mut response = match early {
        Some(response) => response,
        None => next.run(request).await,
    };

    let mut control = lock(&shared.control);
    if response.status() != axum::http::StatusCode::UNAUTHORIZED {
        let max = control.limiter.max;
        let window_ms = control.limiter.window.as_millis();
        let remaining = control.limiter.remaining();
        let headers = response.headers_mut();
        for (name, value) in [
            ("x-hubspot-ratelimit-max", max.to_string()),
            ("x-hubspot-ratelimit-remaining", remaining.to_string()),
            (
                "x-hubspot-ratelimit-interval-milliseconds",
                window_ms.to_string(),
            ),
            ("x-hubspot-ratelimit-daily", "250000".to_owned()),
            ("x-hubspot-ratelimit-daily-remaining", "249000".to_owned()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
    control.log.push(RequestRecord {
        method,
        path,
        query,
        kind,
        object_type,
        object_id,
        status: response.status().as_u16(),
    });
    response
}
