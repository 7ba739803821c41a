//! Event helpers: receive what the Partner Central fake delivers.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

/// The next delivered event; the submission task ends in the background, so allow it time.
pub async fn next_event(events: &mut UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event within 5 s")
        .expect("the fake is running")
}

pub fn detail_type(event: &Value) -> &str {
    event["detail-type"].as_str().unwrap()
}

pub fn identifier(event: &Value) -> &str {
    event["detail"]["opportunity"]["identifier"]
        .as_str()
        .unwrap()
}

/// Everything delivered so far (deliveries are synchronous with the call that caused them).
pub fn drain(events: &mut UnboundedReceiver<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    while let Ok(event) = events.try_recv() {
        out.push(event);
    }
    out
}
