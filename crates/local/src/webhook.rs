//! The HubSpot side of a delivery: HubSpot-shaped events and v3-signed POSTs, as HubSpot's
//! webhook service sends them (used by the demo, the load command and the tests).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The demo portal id (HubSpot's docs use it in their examples).
pub const DEMO_PORTAL: u64 = 62515;
/// The secret the demo and the load command sign with (the app's client secret).
pub const DEMO_SECRET: &str = "sync-local-demo-client-secret";

/// Makes event ids and `occurredAt` values unique and increasing within a process.
#[derive(Debug)]
pub struct EventFactory {
    portal: u64,
    next: AtomicU64,
    start_ms: i64,
}

impl EventFactory {
    pub fn new(portal: u64) -> Self {
        EventFactory {
            portal,
            next: AtomicU64::new(1),
            start_ms: events::Clock::now_ms(&events::SystemClock),
        }
    }

    fn tick(&self) -> (u64, i64) {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        (n, self.start_ms + i64::try_from(n).unwrap_or(0))
    }

    fn base(&self, subscription_type: &str, object_id: u64) -> Value {
        let (event_id, occurred_at) = self.tick();
        json!({
            "eventId": 100_000 + event_id, "subscriptionId": 4242, "portalId": self.portal,
            "appId": 1_234_567, "occurredAt": occurred_at, "subscriptionType": subscription_type,
            "attemptNumber": 0, "objectId": object_id, "changeSource": "CRM",
        })
    }

    /// `deal.creation`, `company.creation`, …
    pub fn creation(&self, object: &str, id: u64) -> Value {
        let mut e = self.base(&format!("{object}.creation"), id);
        e["changeFlag"] = json!("NEW");
        e
    }

    pub fn property_change(&self, object: &str, id: u64, property: &str, value: &str) -> Value {
        let mut e = self.base(&format!("{object}.propertyChange"), id);
        e["propertyName"] = json!(property);
        e["propertyValue"] = json!(value);
        e["sourceId"] = json!("userId:45678");
        e
    }

    /// Notes arrive as generic `object.creation` events with `objectTypeId` `0-46`.
    pub fn note_creation(&self, id: u64) -> Value {
        let mut e = self.base("object.creation", id);
        e["objectTypeId"] = json!("0-46");
        e["changeFlag"] = json!("NEW");
        e
    }
}

/// What the webhook answered.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// 0 when no answer came (timeout, connection refused).
    pub status: u16,
    pub body: Value,
    pub latency: Duration,
}

/// Posts deliveries to a webhook URL, signed (v3) with the app's client secret.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    url: String,
    secret: String,
}

impl WebhookClient {
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookClient {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5)) // HubSpot waits 5 s
                .build()
                .unwrap_or_default(),
            url: url.into(),
            secret: secret.into(),
        }
    }

    /// A JSON array of events, signed with the client secret.
    pub async fn deliver(&self, events: &[Value]) -> anyhow::Result<Delivery> {
        let body = Value::Array(events.to_vec()).to_string();
        self.deliver_raw(body.into_bytes(), &self.secret.clone())
            .await
    }

    /// Any bytes, v3-signed with `secret` (a wrong secret makes a forged request).
    pub async fn deliver_raw(&self, body: Vec<u8>, secret: &str) -> anyhow::Result<Delivery> {
        let timestamp = events::Clock::now_ms(&events::SystemClock).to_string();
        let signature =
            events::signature::v3_signature(secret, "POST", &self.url, &body, &timestamp);
        let started = Instant::now();
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header(
                "user-agent",
                "HubSpot Connect 2.0 (http://dev.hubspot.com/) (sync-local)",
            )
            .header("x-hubspot-signature-v3", signature)
            .header("x-hubspot-request-timestamp", timestamp)
            .header("x-hubspot-signature-version", "v3")
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let latency = started.elapsed();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Delivery {
            status,
            body,
            latency,
        })
    }

    /// Delivers like HubSpot: a non-2xx answer or none at all (status 0) is retried (attemptNumber + 1), here after
    /// `pause` instead of HubSpot's minutes, up to `attempts` times.
    pub async fn deliver_with_retries(
        &self,
        events: &[Value],
        attempts: u32,
        pause: Duration,
    ) -> anyhow::Result<Vec<Delivery>> {
        let mut events = events.to_vec();
        let mut answers = Vec::new();
        for attempt in 0..attempts.max(1) {
            for e in &mut events {
                e["attemptNumber"] = Value::from(attempt);
            }
            let started = Instant::now();
            // No answer within HubSpot's 5 s (or no connection) is a failed attempt too.
            let answer = self.deliver(&events).await.unwrap_or_else(|e| Delivery {
                status: 0,
                body: Value::String(e.to_string()),
                latency: started.elapsed(),
            });
            let ok = (200..300).contains(&answer.status);
            answers.push(answer);
            if ok {
                break;
            }
            tokio::time::sleep(pause).await;
        }
        Ok(answers)
    }
}
