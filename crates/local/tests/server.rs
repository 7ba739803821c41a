//! The HTTP front: the API Gateway event it builds is what the receipt handler reads in AWS,
//! and `GET /status` reports the pipeline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use local::pipeline::{Pipeline, PipelineOptions};
use local::server::gateway_event;
use local::webhook::{DEMO_PORTAL, DEMO_SECRET, EventFactory, WebhookClient};

#[test]
fn the_gateway_event_is_a_rest_proxy_event_with_stage_and_request_id() {
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:3000"));
    headers.insert("x-hubspot-signature-v3", HeaderValue::from_static("sig"));
    let uri: Uri = "/webhook/hubspot?a=1".parse().unwrap();
    let event = gateway_event(&Method::POST, &uri, &headers, b"[1]", "127.0.0.1", "req-1");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["path"], "/webhook/hubspot");
    assert_eq!(event["requestContext"]["path"], "/local/webhook/hubspot");
    assert_eq!(event["requestContext"]["stage"], "local");
    assert_eq!(event["requestContext"]["requestId"], "req-1");
    assert_eq!(event["headers"]["X-Forwarded-Proto"], "http");
    assert_eq!(
        event["multiValueHeaders"]["x-hubspot-signature-v3"][0],
        "sig"
    );
    assert_eq!(event["queryStringParameters"]["a"], "1");
    assert_eq!(event["body"], "[1]");
    assert_eq!(event["isBase64Encoded"], false);
    let binary = gateway_event(
        &Method::POST,
        &uri,
        &headers,
        &[0xff, 0xfe],
        "127.0.0.1",
        "r",
    );
    assert_eq!(binary["isBase64Encoded"], true);
    assert_eq!(binary["body"], "//4=");
    let parsed = receipt::gateway::from_gateway_event(event).unwrap();
    assert_eq!(parsed.request_id, "req-1");
    assert_eq!(parsed.header("x-hubspot-signature-v3"), Some("sig"));
    assert_eq!(parsed.body, b"[1]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_depths_outcomes_and_recent_events() {
    let pipeline = Pipeline::start(PipelineOptions::for_tests(DEMO_SECRET))
        .await
        .unwrap();
    let ids = pipeline.sandbox.as_ref().unwrap().demo.clone().unwrap();
    let client = WebhookClient::new(pipeline.webhook_url(), DEMO_SECRET);
    let events = EventFactory::new(DEMO_PORTAL);
    let answer = client
        .deliver(&[events.creation("deal", ids.deal_acme.parse().unwrap())])
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["enqueued"], 1);
    assert!(
        pipeline
            .wait_drained(std::time::Duration::from_secs(30))
            .await
    );
    let status: serde_json::Value = reqwest::get(format!("{}/status", pipeline.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["queue"]["kind"], "embedded");
    assert_eq!(status["queue"]["depth"]["visible"], 0);
    assert_eq!(status["dlq"]["depth"]["inFlight"], 0);
    assert_eq!(status["outcomes"]["created"], 1);
    assert_eq!(status["receipts"]["byStatus"]["200"], 1);
    let recent = &status["recent"][0];
    assert_eq!(recent["outcome"], "created");
    assert_eq!(recent["objectId"], ids.deal_acme.as_str());
    assert_eq!(recent["eventType"], "deal.creation");
    assert!(recent["opportunityId"].as_str().unwrap().starts_with('O'));
    assert_eq!(
        recent["correlationId"],
        status["receipts"]["recent"][0]["correlationId"]
    );
    // A GET on the webhook is answered by the receipt handler, as in AWS.
    let get = reqwest::get(pipeline.webhook_url()).await.unwrap();
    assert_eq!(get.status().as_u16(), 405);
    pipeline.shutdown().await;
}
