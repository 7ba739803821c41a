//! The built `receipt` binary, run the way Lambda runs it: a process polling the Runtime API
//! (here `sandbox::lambda_runtime_api`), with QUEUE_URL pointing at moto.

use std::process::Stdio;
use std::time::Duration;

use crate::support::*;
use sandbox::lambda_runtime_api::{Invocation, RuntimeApi};
use sandbox::moto;
use serde_json::{Value, json};

fn spawn(api: &RuntimeApi, extra: &[(&str, String)]) -> tokio::process::Child {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_receipt"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(api.lambda_env("receipt"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

async fn invoke(api: &RuntimeApi, event: Value) -> (i64, Value) {
    match api.invoke(event, Duration::from_secs(20)).await.unwrap() {
        Invocation::Response(response) => status_and_body(&response),
        Invocation::Error(e) => panic!("function error: {e}"),
    }
}

#[tokio::test]
async fn signed_hundred_event_request_twice_gives_exactly_hundred_messages() {
    let sqs = moto::sqs().await;
    let (queue_url, _) = moto::fifo_queue_with_dlq(&sqs, "binary", 5, 30)
        .await
        .unwrap();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = spawn(
        &api,
        &[
            ("QUEUE_URL", queue_url.clone()),
            ("HUBSPOT_CLIENT_SECRET", SECRET.into()),
            ("AWS_ENDPOINT_URL", moto::endpoint()),
        ],
    );
    let body = serde_json::to_string(&hubspot_events(100, 62515)).unwrap();
    let event = rest_event(&body, SECRET, now_ms());

    let (status, answer) = invoke(&api, event.clone()).await;
    if status != 200 {
        function.start_kill().unwrap();
        let output = function.wait_with_output().await.unwrap();
        panic!(
            "{status} {answer}\nfunction output:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(
        answer,
        json!({"received": 100, "enqueued": 100, "ignored": 0})
    );
    // the identical request again (HubSpot retrying after a lost answer)
    let (status, _) = invoke(&api, event).await;
    assert_eq!(status, 200);

    let messages = moto::drain(&sqs, &queue_url).await.unwrap();
    assert_eq!(messages.len(), 100);
    for sync in envelopes_with_matching_ids(&messages) {
        assert!(
            sync.correlation_id.starts_with("req-"),
            "API Gateway request id as correlation id"
        );
    }

    // a forged request through the same process: 401, nothing more queued
    let (status, answer) = invoke(&api, rest_event(&body, "forged", now_ms())).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("invalid_signature"))
    );
    assert!(moto::drain(&sqs, &queue_url).await.unwrap().is_empty());

    // A payload that is no API Gateway event (API Gateway never sends one) is an invocation
    // error reported to the Runtime API, not a crash: the same process answers the next one.
    let not_a_request = api
        .invoke(json!({"httpMethod": 12}), Duration::from_secs(20))
        .await
        .unwrap();
    assert!(
        matches!(not_a_request, Invocation::Error(_)),
        "{not_a_request:?}"
    );
    let (status, _) = invoke(&api, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn wrong_sqs_endpoint_is_answered_503() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let api = RuntimeApi::start().await.unwrap();
    let _function = spawn(
        &api,
        &[
            ("QUEUE_URL", format!("http://{closed}/000000000000/q.fifo")),
            ("HUBSPOT_CLIENT_SECRET", SECRET.into()),
            ("AWS_ENDPOINT_URL", format!("http://{closed}")),
        ],
    );
    let body = serde_json::to_string(&hubspot_events(20, 1)).unwrap();
    let (status, answer) = invoke(&api, rest_event(&body, SECRET, now_ms())).await;
    assert_eq!(status, 503);
    assert_eq!(answer["failed"], 20);
}

#[tokio::test]
async fn missing_secret_stops_the_function_at_start_up() {
    let api = RuntimeApi::start().await.unwrap();
    let function = spawn(&api, &[("QUEUE_URL", "http://127.0.0.1:1/q.fifo".into())]);
    let output = tokio::time::timeout(Duration::from_secs(20), function.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("HUBSPOT_CLIENT_SECRET or HUBSPOT_SECRET_ARN"),
        "{stderr}"
    );
}
