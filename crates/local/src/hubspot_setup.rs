//! `sync-local hubspot-setup`: creates or repairs the `aws_partner_central` property group and
//! every property of [`SYNC_DEAL_PROPERTIES`] in a HubSpot portal, with the CRM properties API
//! v3 (<https://developers.hubspot.com/docs/api/crm/properties>). Idempotent: what already
//! matches is left alone, what differs is PATCHed (only the differing fields), nothing is
//! deleted — options a person added by hand are kept.

use std::fmt;
use std::time::Duration;

use anyhow::{Context as _, bail};
use events::{ExposeSecret, SecretString};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::hubspot_properties::{DealProperty, GROUP, PropertyGroup, SYNC_DEAL_PROPERTIES};

/// Attempts per request: 429 (ten-secondly limit), 423 and 5xx are retried, waiting
/// `Retry-After` when HubSpot sends it (it does not always:
/// <https://developers.hubspot.com/docs/api/usage-details>) and a doubling back-off otherwise.
const MAX_ATTEMPTS: u32 = 6;
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// HubSpot asks clients to wait at least 2 s after a 423 (Locked).
const LOCKED_WAIT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the set-up does (or, in a dry run, would do) to one group or property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    /// The differing fields, e.g. `options (missing: rejected)`.
    Update(Vec<String>),
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `group` or `property`.
    pub target: &'static str,
    pub name: &'static str,
    pub action: Action,
    /// The POST or PATCH body (`Null` when unchanged).
    body: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub dry_run: bool,
    pub steps: Vec<Step>,
}

impl Report {
    fn count(&self, wanted: fn(&Action) -> bool) -> usize {
        self.steps.iter().filter(|s| wanted(&s.action)).count()
    }
    pub fn created(&self) -> usize {
        self.count(|a| *a == Action::Create)
    }
    pub fn updated(&self) -> usize {
        self.count(|a| matches!(a, Action::Update(_)))
    }
    pub fn unchanged(&self) -> usize {
        self.count(|a| *a == Action::Unchanged)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The name column fits the longest name, with two spaces after it.
        let width = self.steps.iter().map(|s| s.name.len()).max().unwrap_or(0) + 2;
        for step in &self.steps {
            let action = match &step.action {
                Action::Create => "create".to_owned(),
                Action::Update(diffs) => format!("update: {}", diffs.join("; ")),
                Action::Unchanged => "unchanged".to_owned(),
            };
            writeln!(f, "{:<9}{:<width$}{action}", step.target, step.name)?;
        }
        let (create, update, unchanged) = (self.created(), self.updated(), self.unchanged());
        if self.dry_run {
            write!(
                f,
                "dry run: {create} to create, {update} to update, {unchanged} unchanged; nothing written"
            )
        } else {
            write!(
                f,
                "done: {create} created, {update} updated, {unchanged} unchanged"
            )
        }
    }
}

/// A HubSpot properties API client for deals. The token is a `SecretString`: `{:?}` never
/// shows it.
#[derive(Debug)]
pub struct PropertiesClient {
    http: reqwest::Client,
    base_url: String,
    token: SecretString,
}

impl PropertiesClient {
    pub fn new(base_url: &str, token: SecretString) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()?,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// Sends one request, retrying rate limits and transient failures. `Ok(None)` is a 404.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Option<Value>> {
        let url = format!("{}/crm/v3/properties/deals{path}", self.base_url);
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=MAX_ATTEMPTS {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.token.expose_secret());
            if let Some(body) = body {
                request = request.json(body);
            }
            let last = attempt == MAX_ATTEMPTS;
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) if !last => {
                    tracing::warn!(error = %e, %url, "HubSpot request failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                    continue;
                }
                Err(e) => return Err(e).with_context(|| format!("{method} {url}")),
            };
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let text = response.text().await.unwrap_or_default();
            let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let retryable = status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::LOCKED
                || status.is_server_error();
            // The daily cap does not reset for hours: waiting it out here would only hang.
            let daily = json["policyName"].as_str() == Some("DAILY");
            if retryable && !daily && !last {
                let wait = match retry_after {
                    Some(wait) => wait,
                    None if status == StatusCode::LOCKED => backoff.max(LOCKED_WAIT),
                    None => backoff,
                };
                tracing::info!(%status, ?wait, %url, "HubSpot asks to wait; retrying");
                tokio::time::sleep(wait).await;
                backoff *= 2;
                continue;
            }
            if status == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if !status.is_success() {
                let message = json["message"].as_str().unwrap_or(&text);
                bail!("{method} {url} answered {status}: {message}");
            }
            return Ok(Some(json));
        }
        bail!("{method} {url}: gave up after {MAX_ATTEMPTS} attempts")
    }
}

/// Reads the portal, prints nothing, and returns what would change.
pub async fn plan(client: &PropertiesClient) -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::with_capacity(SYNC_DEAL_PROPERTIES.len() + 1);
    let group = client
        .send(Method::GET, &format!("/groups/{}", GROUP.name), None)
        .await?;
    steps.push(group_step(GROUP, group.as_ref()));
    for property in SYNC_DEAL_PROPERTIES {
        let existing = client
            .send(Method::GET, &format!("/{}", property.name), None)
            .await?;
        steps.push(property_step(&property, existing.as_ref()));
    }
    Ok(steps)
}

/// Plans, then (unless `dry_run`) creates and updates what differs, group first.
pub async fn run(client: &PropertiesClient, dry_run: bool) -> anyhow::Result<Report> {
    let steps = plan(client).await?;
    if !dry_run {
        for step in &steps {
            let (method, path) = match (&step.action, step.target) {
                (Action::Unchanged, _) => continue,
                (Action::Create, "group") => (Method::POST, "/groups".to_owned()),
                (Action::Update(_), "group") => (Method::PATCH, format!("/groups/{}", step.name)),
                (Action::Create, _) => (Method::POST, String::new()),
                (Action::Update(_), _) => (Method::PATCH, format!("/{}", step.name)),
            };
            client
                .send(method, &path, Some(&step.body))
                .await
                .with_context(|| format!("{} {}", step.target, step.name))?;
        }
    }
    Ok(Report { dry_run, steps })
}

fn group_step(group: PropertyGroup, existing: Option<&Value>) -> Step {
    let (action, body) = match existing {
        None => (
            Action::Create,
            json!({"name": group.name, "label": group.label, "displayOrder": group.display_order}),
        ),
        Some(current) if current["label"].as_str() != Some(group.label) => (
            Action::Update(vec![format!(
                "label {} → {:?}",
                current["label"], group.label
            )]),
            json!({"label": group.label}),
        ),
        Some(_) => (Action::Unchanged, Value::Null),
    };
    Step {
        target: "group",
        name: group.name,
        action,
        body,
    }
}

fn options_json(options: &[(&str, &str)]) -> Vec<Value> {
    options
        .iter()
        .zip(0_i64..)
        .map(|((value, label), order)| {
            json!({"label": label, "value": value, "displayOrder": order, "hidden": false})
        })
        .collect()
}

/// The options to PATCH: ours in table order, then the portal's extra ones, kept (a PATCH of
/// `options` replaces the whole list, and this command never deletes).
fn merged_options(wanted: &[(&str, &str)], current: &[Value]) -> Vec<Value> {
    let mut merged = options_json(wanted);
    let extra = current
        .iter()
        .filter(|o| !wanted.iter().any(|(v, _)| o["value"].as_str() == Some(v)));
    for (option, order) in extra.zip(i64::try_from(wanted.len()).unwrap_or(i64::MAX)..) {
        let mut option = option.clone();
        option["displayOrder"] = json!(order);
        merged.push(option);
    }
    merged
}

/// What differs between the table's `options` and the portal's: missing values, other labels,
/// another order. Extra options in the portal are not a difference.
fn options_diff(wanted: &[(&str, &str)], current: &[Value]) -> Option<String> {
    let mut ordered: Vec<&Value> = current.iter().collect();
    ordered.sort_by_key(|o| o["displayOrder"].as_i64().unwrap_or(i64::MAX));
    let present: Vec<(&str, &str)> = ordered
        .iter()
        .filter_map(|o| Some((o["value"].as_str()?, o["label"].as_str()?)))
        .filter(|(v, _)| wanted.iter().any(|(w, _)| w == v))
        .collect();
    if present == wanted {
        return None;
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(v, _)| !present.iter().any(|(p, _)| p == v))
        .map(|(v, _)| *v)
        .collect();
    let relabelled: Vec<&str> = wanted
        .iter()
        .filter(|(v, l)| present.iter().any(|(p, pl)| p == v && pl != l))
        .map(|(v, _)| *v)
        .collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", missing.join(", ")));
    }
    if !relabelled.is_empty() {
        parts.push(format!("labels of {}", relabelled.join(", ")));
    }
    if parts.is_empty() {
        parts.push("order".to_owned());
    }
    Some(format!("options ({})", parts.join("; ")))
}

fn creation_body(property: &DealProperty) -> Value {
    let mut body = json!({
        "name": property.name,
        "label": property.label,
        "type": property.property_type,
        "fieldType": property.field_type,
        "groupName": GROUP.name,
        "description": property.description,
    });
    let options = property.options.pairs();
    if !options.is_empty() {
        body["options"] = Value::Array(options_json(&options));
    }
    if property.unique {
        body["hasUniqueValue"] = json!(true);
    }
    body
}

fn property_step(property: &DealProperty, existing: Option<&Value>) -> Step {
    let step = |action, body| Step {
        target: "property",
        name: property.name,
        action,
        body,
    };
    let Some(current) = existing else {
        return step(Action::Create, creation_body(property));
    };
    let mut diffs = Vec::new();
    let mut patch = Map::new();
    for (key, wanted) in [
        ("label", property.label),
        ("type", property.property_type),
        ("fieldType", property.field_type),
        ("groupName", GROUP.name),
        ("description", property.description),
    ] {
        if current[key].as_str() != Some(wanted) {
            diffs.push(format!("{key} {} → {wanted:?}", current[key]));
            patch.insert(key.to_owned(), json!(wanted));
        }
    }
    let wanted = property.options.pairs();
    let current_options = current["options"].as_array().cloned().unwrap_or_default();
    if !wanted.is_empty()
        && let Some(diff) = options_diff(&wanted, &current_options)
    {
        diffs.push(diff);
        patch.insert(
            "options".to_owned(),
            Value::Array(merged_options(&wanted, &current_options)),
        );
    }
    // HubSpot validates type and fieldType together: send both when either changes.
    if patch.contains_key("type") || patch.contains_key("fieldType") {
        patch.insert("type".to_owned(), json!(property.property_type));
        patch.insert("fieldType".to_owned(), json!(property.field_type));
    }
    if diffs.is_empty() {
        step(Action::Unchanged, Value::Null)
    } else {
        step(Action::Update(diffs), Value::Object(patch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANTED: [(&str, &str); 3] = [("a", "A"), ("b", "B"), ("c", "C")];

    #[test]
    fn extra_options_are_kept_and_not_a_difference() {
        let mut current = options_json(&WANTED);
        current.push(json!({"label": "Mine", "value": "mine", "displayOrder": 7}));
        assert_eq!(options_diff(&WANTED, &current), None);
        let merged = merged_options(&[("a", "A"), ("z", "Z")], &current);
        let values: Vec<&str> = merged.iter().filter_map(|o| o["value"].as_str()).collect();
        assert_eq!(values, ["a", "z", "b", "c", "mine"]);
    }

    #[test]
    fn a_missing_option_and_a_new_label_are_named() {
        let current = options_json(&[("a", "A"), ("b", "Bee")]);
        assert_eq!(
            options_diff(&WANTED, &current).as_deref(),
            Some("options (missing c; labels of b)")
        );
    }

    #[test]
    fn order_counts_but_display_order_numbers_do_not() {
        let mut current = options_json(&WANTED);
        for (option, order) in current.iter_mut().zip([10, 20, 30]) {
            option["displayOrder"] = json!(order);
        }
        assert_eq!(options_diff(&WANTED, &current), None);
        current.swap(0, 2);
        current[0]["displayOrder"] = json!(10);
        current[2]["displayOrder"] = json!(30);
        assert_eq!(
            options_diff(&WANTED, &current).as_deref(),
            Some("options (order)")
        );
    }

    #[test]
    fn a_type_change_sends_type_and_field_type() {
        let property = SYNC_DEAL_PROPERTIES
            .iter()
            .find(|p| p.name == "aws_last_synced_at")
            .copied()
            .unwrap_or(SYNC_DEAL_PROPERTIES[0]);
        let mut current = creation_body(&property);
        current["type"] = json!("string");
        current["fieldType"] = json!("text");
        let step = property_step(&property, Some(&current));
        assert!(matches!(step.action, Action::Update(_)));
        assert_eq!(step.body, json!({"type": "datetime", "fieldType": "date"}));
    }
}
