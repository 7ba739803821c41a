//! HubSpot helpers: a started fake plus a reqwest client that sends its bearer token.

use reqwest::{Client, StatusCode};
use sandbox::hubspot::{HubSpotConfig, HubSpotFake, ObjectType};
use serde_json::{Value, json};

pub struct Api {
    pub fake: HubSpotFake,
    pub http: Client,
}

impl Api {
    pub async fn start() -> Self {
        Self::with(HubSpotConfig::default()).await
    }

    pub async fn with(config: HubSpotConfig) -> Self {
        Self {
            fake: HubSpotFake::start_with(config).await.unwrap(),
            http: Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.base_url())
    }

    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let response = request.bearer_auth(self.fake.token()).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap())
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (status, _, text) = self.send(self.http.get(self.url(path))).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let (status, _, text) = self
            .send(self.http.request(method, self.url(path)).json(&body))
            .await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PATCH, path, body).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, body).await
    }
}

pub fn seed_deal(api: &Api) {
    use ObjectType::{Company, Contact, Deal};
    api.fake.upsert(
        Deal,
        "7",
        [("dealname", "Acme data lake #AWS"), ("amount", "240000")],
    );
    api.fake
        .upsert(Company, "101", [("name", "Acme Analytics Inc.")]);
    api.fake
        .upsert(Contact, "201", [("email", "jane@acme.example")]);
    assert!(api.fake.associate_primary((Deal, "7"), (Company, "101")));
    api.fake.associate((Deal, "7"), (Contact, "201"));
}

/// Epoch milliseconds of an ISO 8601 timestamp (HubSpot's datetime property values).
pub fn epoch_ms(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso)
        .unwrap()
        .timestamp_millis()
}

/// One inline `associations` entry of a v3 create.
pub fn association_to(id: &str, type_id: u32) -> Value {
    json!({ "to": { "id": id }, "types": [
        { "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id }
    ]})
}

/// Creates an object over HTTP and returns its id.
pub async fn created(api: &Api, path: &str, body: Value) -> String {
    let (status, out) = api.post(path, body).await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    out["id"].as_str().unwrap().to_owned()
}

/// `(id, type)` pairs of one association kind in a v3 object read.
pub fn linked(object: &Value, kind: &str) -> Vec<(String, String)> {
    object["associations"][kind]["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap().to_owned(),
                        r["type"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The option values of a property definition.
pub fn options(definition: &Value) -> Vec<&str> {
    definition["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect()
}

/// Asserts HubSpot's unique-value refusal: written `target`, `holder` has the value.
pub fn assert_duplicate(
    status: StatusCode,
    body: &Value,
    property: &str,
    value: &str,
    holder: &str,
) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["category"], "VALIDATION_ERROR");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Cannot set PropertyValueCoordinates{portalId=62515, objectTypeId="),
        "{message}"
    );
    assert!(
        message.contains(&format!("propertyName={property}, value={value}}}")),
        "{message}"
    );
    assert!(
        message.ends_with(&format!(". {holder} already has that value.")),
        "{message}"
    );
}
