//! HubSpot helpers: a started fake plus a reqwest client that sends its bearer token.

use reqwest::{Client, StatusCode};
use sandbox::hubspot::{HubSpotConfig, HubSpotFake, ObjectType};
use serde_json::Value;

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
