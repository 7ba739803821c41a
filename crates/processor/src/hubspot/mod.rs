//! The HubSpot CRM API adapter (`Crm`): reqwest + rustls, a client-side token bucket, and
//! in-process retries for 429 / 423 / 5xx / timeouts. The record's deadline bounds everything:
//! the handler drops this future when the invocation runs out of time.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use events::{ExposeSecret, SecretString};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::domain::{CrmRecord, Deal, Note};
use crate::ports::{AssociatedObject, Crm, CrmError};
use crate::rate_limit::{TokenBucket, backoff};

mod records;
mod search;
pub use search::{SEARCH_MAX_RESULTS, SEARCH_PAGE_SIZE, SEARCH_PAUSE};

/// Requests per second and burst, per Lambda instance. HubSpot allows 100–190 per 10 s per app
/// depending on the plan, and the queue runs up to [`MAX_CONCURRENT_INVOCATIONS`] instances:
/// 2 × (4 × 10 s + 5) = 90 requests in any 10 s stays under the lowest tier.
pub const DEFAULT_RATE: f64 = 4.0;
pub const DEFAULT_BURST: f64 = 5.0;
/// `ScalingConfig.MaximumConcurrency` of the processor's SQS event source (template.yaml).
pub const MAX_CONCURRENT_INVOCATIONS: f64 = 2.0;
/// HubSpot's lowest per-app tier: requests per 10 s.
pub const LOWEST_TIER_PER_10_S: f64 = 100.0;
// Checked when compiling: a change of rate, burst or concurrency that could exceed the tier
// does not build.
const _: () = assert!(
    MAX_CONCURRENT_INVOCATIONS * (DEFAULT_RATE * 10.0 + DEFAULT_BURST) <= LOWEST_TIER_PER_10_S
);
pub const MAX_ATTEMPTS: u32 = 5;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const BATCH_READ_MAX: usize = 100;
/// Notes read per deal; the newest fill NextSteps' 255 characters long before this.
const MAX_NOTES: usize = 200;
/// HubSpot-defined association type id: note → deal.
const NOTE_TO_DEAL: u32 = 214;

pub const COMPANY_PROPERTIES: [&str; 9] = [
    "name", "domain", "website", "industry", "address", "city", "state", "zip", "country",
];
pub const CONTACT_PROPERTIES: [&str; 7] = [
    "email",
    "firstname",
    "lastname",
    "jobtitle",
    "phone",
    "mobilephone",
    "country",
];

/// The private-app token is a `SecretString`, so `{:?}` never shows it.
#[derive(Debug)]
pub struct HubSpotClient {
    http: reqwest::Client,
    base_url: String,
    token: SecretString,
    bucket: TokenBucket,
    base_backoff: Duration,
    /// The account's portal id: configured, or asked once from the account-info API.
    portal: tokio::sync::OnceCell<u64>,
}

impl HubSpotClient {
    pub fn new(base_url: impl Into<String>, token: impl Into<SecretString>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent("hubspot-partner-central-sync")
            .build()
            .unwrap_or_default();
        HubSpotClient {
            http,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            token: token.into(),
            bucket: TokenBucket::new(DEFAULT_RATE, DEFAULT_BURST),
            base_backoff: Duration::from_millis(250),
            portal: tokio::sync::OnceCell::new(),
        }
    }

    /// The portal id is known (HUBSPOT_PORTAL_ID): the account-info API is never asked.
    pub fn with_portal_id(self, portal_id: u64) -> Self {
        let _ = self.portal.set(portal_id);
        self
    }

    /// Overrides the client-side rate (requests per second).
    pub fn with_rate(mut self, per_second: f64) -> Self {
        self.bucket = TokenBucket::new(per_second, per_second.max(1.0));
        self
    }

    /// Sends one request with retries. `Ok(None)` is a 404.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>, CrmError> {
        let url = format!("{}{}", self.base_url, path);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.bucket.acquire().await;
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.token.expose_secret());
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) if attempt < MAX_ATTEMPTS => {
                    tracing::info!(%method, path, attempt, error = %e, "HubSpot unreachable, retrying");
                    tokio::time::sleep(backoff(self.base_backoff, attempt, Duration::from_secs(8)))
                        .await;
                    continue;
                }
                Err(e) => return Err(CrmError::Transient(format!("{method} {path}: {e}"))),
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let text = response.text().await.unwrap_or_default();
            if status.is_success() {
                return Ok(Some(serde_json::from_str(&text).unwrap_or(Value::Null)));
            }
            let error: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let message = format!(
                "{method} {path}: {status} {}",
                error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or(text.as_str())
            );
            let wait = match status {
                StatusCode::NOT_FOUND => return Ok(None),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                    return Err(CrmError::Unauthorized(message));
                }
                // A unique-value property already holds the value (records::is_duplicate).
                _ if records::is_duplicate(status, &error) => {
                    return Err(CrmError::Duplicate(message));
                }
                StatusCode::TOO_MANY_REQUESTS => {
                    // The daily quota will not come back within this invocation.
                    if error.get("policyName").and_then(Value::as_str) == Some("DAILY") {
                        return Err(CrmError::Transient(format!(
                            "daily limit reached: {message}"
                        )));
                    }
                    // TEN_SECONDLY_ROLLING: Retry-After is not guaranteed; wait at least 1 s.
                    retry_after.unwrap_or_default().max(Duration::from_secs(1))
                        + backoff(self.base_backoff, attempt, Duration::from_secs(4))
                }
                StatusCode::LOCKED => Duration::from_secs(2),
                s if s.is_server_error() => {
                    backoff(self.base_backoff, attempt, Duration::from_secs(8))
                }
                _ => return Err(CrmError::Rejected(message)),
            };
            if attempt >= MAX_ATTEMPTS {
                return Err(CrmError::Transient(message));
            }
            tracing::info!(%method, path, attempt, %status, wait_ms = wait.as_millis() as u64, "HubSpot asked us to wait");
            tokio::time::sleep(wait).await;
        }
    }

    async fn get_record(
        &self,
        kind: &str,
        id: &str,
        properties: &[&str],
    ) -> Result<Option<Value>, CrmError> {
        let path = format!(
            "/crm/v3/objects/{kind}/{}?properties={}",
            encode(id),
            properties.join(",")
        );
        self.call(Method::GET, &path, None).await
    }

    async fn batch_read(
        &self,
        kind: &str,
        ids: &[String],
        properties: &[&str],
    ) -> Result<Vec<CrmRecord>, CrmError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(BATCH_READ_MAX) {
            let body = json!({
                "properties": properties,
                "inputs": chunk.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
            });
            let path = format!("/crm/v3/objects/{kind}/batch/read");
            if let Some(value) = self.call(Method::POST, &path, Some(&body)).await? {
                let mut found: Vec<CrmRecord> = results(&value).iter().filter_map(record).collect();
                // Keep the caller's order (HubSpot's batch answers are unordered).
                found.sort_by_key(|r| chunk.iter().position(|id| *id == r.id));
                out.extend(found);
            }
        }
        Ok(out)
    }
}

impl Crm for HubSpotClient {
    async fn get_deal(&self, id: &str, properties: &[String]) -> Result<Option<Deal>, CrmError> {
        let path = format!(
            "/crm/v3/objects/deals/{}?properties={}&associations=companies,contacts,notes",
            encode(id),
            properties.join(",")
        );
        let Some(value) = self.call(Method::GET, &path, None).await? else {
            return Ok(None);
        };
        let Some(record) = record(&value) else {
            return Err(CrmError::Transient(format!(
                "deal {id}: unexpected answer {value}"
            )));
        };
        Ok(Some(Deal {
            record,
            company_ids: associated(&value, "companies", Some("deal_to_company")),
            contact_ids: associated(&value, "contacts", None),
            note_ids: associated(&value, "notes", None),
        }))
    }

    async fn get_company(&self, id: &str) -> Result<Option<CrmRecord>, CrmError> {
        Ok(self
            .get_record("companies", id, &COMPANY_PROPERTIES)
            .await?
            .as_ref()
            .and_then(record))
    }

    async fn get_contacts(&self, ids: &[String]) -> Result<Vec<CrmRecord>, CrmError> {
        self.batch_read("contacts", ids, &CONTACT_PROPERTIES).await
    }

    async fn get_notes(&self, ids: &[String]) -> Result<Vec<Note>, CrmError> {
        let ids = &ids[..ids.len().min(MAX_NOTES)];
        let records = self
            .batch_read("notes", ids, &["hs_note_body", "hs_timestamp"])
            .await?;
        Ok(records
            .into_iter()
            .map(|r| Note {
                body: r.prop("hs_note_body").unwrap_or("").to_owned(),
                timestamp: r.prop("hs_timestamp").and_then(parse_timestamp),
                id: r.id,
            })
            .collect())
    }

    async fn deals_of(
        &self,
        object: AssociatedObject,
        id: &str,
    ) -> Result<Option<Vec<String>>, CrmError> {
        let path = format!(
            "/crm/v3/objects/{}/{}?associations=deals",
            object.path(),
            encode(id)
        );
        Ok(self
            .call(Method::GET, &path, None)
            .await?
            .map(|v| associated(&v, "deals", None)))
    }

    async fn update_deal(
        &self,
        id: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<(), CrmError> {
        let path = format!("/crm/v3/objects/deals/{}", encode(id));
        match self
            .call(
                Method::PATCH,
                &path,
                Some(&json!({ "properties": properties })),
            )
            .await?
        {
            Some(_) => Ok(()),
            None => Err(CrmError::Rejected(format!(
                "deal {id} vanished before the write-back"
            ))),
        }
    }

    async fn create_deal_note(
        &self,
        deal_id: &str,
        body: &str,
        timestamp: DateTime<Utc>,
    ) -> Result<(), CrmError> {
        let request = json!({
            "properties": {
                "hs_note_body": body,
                "hs_timestamp": timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            },
            "associations": [{
                "to": {"id": deal_id},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_DEAL}],
            }],
        });
        self.call(Method::POST, "/crm/v3/objects/notes", Some(&request))
            .await?;
        Ok(())
    }

    async fn portal_id(&self) -> Result<u64, CrmError> {
        self.portal
            .get_or_try_init(|| self.account_portal_id())
            .await
            .copied()
    }

    async fn find_deal(
        &self,
        property: &str,
        value: &str,
        properties: &[String],
    ) -> Result<Option<CrmRecord>, CrmError> {
        self.find_one("deals", property, value, properties).await
    }

    async fn create_deal(
        &self,
        properties: &BTreeMap<String, String>,
        company_id: Option<&str>,
    ) -> Result<String, CrmError> {
        self.create_deal_record(properties, company_id).await
    }

    async fn company_for_domain(
        &self,
        domain: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<String, CrmError> {
        self.company_by_domain(domain, properties).await
    }

    async fn create_deal_task(
        &self,
        deal_id: &str,
        subject: &str,
        body: &str,
        due: DateTime<Utc>,
        owner_id: Option<&str>,
    ) -> Result<(), CrmError> {
        self.create_task(deal_id, subject, body, due, owner_id)
            .await
    }

    async fn deal_task_count(&self, deal_id: &str) -> Result<usize, CrmError> {
        let path = format!(
            "/crm/v3/objects/deals/{}?associations=tasks",
            encode(deal_id)
        );
        Ok(self
            .call(Method::GET, &path, None)
            .await?
            .map_or(0, |v| associated(&v, "tasks", None).len()))
    }

    async fn pipeline_first_stage(
        &self,
        pipeline: Option<&str>,
    ) -> Result<(String, String), CrmError> {
        self.first_stage(pipeline).await
    }

    async fn deals_to_reconcile(
        &self,
        waiting: &[(&str, &[&str])],
        modified_since: DateTime<Utc>,
        properties: &[String],
    ) -> Result<Vec<CrmRecord>, CrmError> {
        self.search_reconcile(waiting, modified_since, properties)
            .await
    }
}

/// `{id, properties{..}}` → record; `null` property values are dropped.
fn record(value: &Value) -> Option<CrmRecord> {
    let id = match value.get("id")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let properties = value
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k.clone(), s.clone())),
                    Value::Number(n) => Some((k.clone(), n.to_string())),
                    Value::Bool(b) => Some((k.clone(), b.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(CrmRecord { id, properties })
}

fn results(value: &Value) -> &[Value] {
    value
        .get("results")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Ids under `associations.<kind>.results`, deduplicated (a company can be listed once per
/// association label), with ids of the `primary_type` association first.
fn associated(value: &Value, kind: &str, primary_type: Option<&str>) -> Vec<String> {
    let items = value
        .get("associations")
        .and_then(|a| a.get(kind))
        .map(results)
        .unwrap_or(&[]);
    let id_of = |item: &Value| match item.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut ids: Vec<String> = Vec::new();
    let primary = items.iter().filter(|i| {
        primary_type.is_some() && i.get("type").and_then(Value::as_str) == primary_type
    });
    for id in primary.chain(items.iter()).filter_map(id_of) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(ms) = raw.parse::<i64>() {
        return DateTime::from_timestamp_millis(ms);
    }
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Object ids are digits; anything else is percent-encoded rather than trusted in a path.
fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn deal_answer_with_duplicate_company_links() {
        let v = json!({
            "id": "7",
            "properties": {"dealname": "X #AWS", "amount": null, "hs_object_id": "7"},
            "associations": {
                "companies": {"results": [
                    {"id": "20", "type": "deal_to_company_unlabeled"},
                    {"id": "10", "type": "deal_to_company"},
                    {"id": "10", "type": "deal_to_company_unlabeled"}
                ]},
                "contacts": {"results": [{"id": 5, "type": "deal_to_contact"}]}
            }
        });
        let r = record(&v).unwrap();
        assert_eq!(r.prop("dealname"), Some("X #AWS"));
        assert!(
            !r.properties.contains_key("amount"),
            "null values are dropped"
        );
        assert_eq!(
            associated(&v, "companies", Some("deal_to_company")),
            ["10", "20"]
        );
        assert_eq!(associated(&v, "contacts", None), ["5"]);
        assert!(associated(&v, "notes", None).is_empty());
    }

    #[test]
    fn debug_output_does_not_show_the_token() {
        let client = HubSpotClient::new("https://api.hubapi.com", "pat-na1-secret-token");
        let shown = format!("{client:?}");
        assert!(!shown.contains("pat-na1-secret-token"), "{shown}");
        assert!(shown.contains("https://api.hubapi.com"), "{shown}");
    }

    #[test]
    fn timestamps_and_ids() {
        assert_eq!(
            parse_timestamp("1700000000000").unwrap().timestamp(),
            1_700_000_000
        );
        assert_eq!(
            parse_timestamp("2024-01-02T03:04:05.000Z")
                .unwrap()
                .timestamp(),
            1_704_164_645
        );
        assert_eq!(parse_timestamp("soon"), None);
        assert_eq!(encode("123"), "123");
        assert_eq!(encode("1/2?x"), "1%2F2%3Fx");
    }
}
