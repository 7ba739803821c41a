//! The HTTP front: the receipt's own router answers webhooks, and `GET /status` reports the
//! pipeline, the functions' metric totals included.

use local::pipeline::{Pipeline, PipelineOptions};
use local::webhook::{DEMO_PORTAL, DEMO_SECRET, EventFactory, WebhookClient};

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
    // Newest first; the opportunity's `Opportunity Created` event may have come back after it.
    let recent = status["recent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["eventType"] == "deal.creation")
        .unwrap();
    assert_eq!(recent["outcome"], "created");
    assert_eq!(recent["objectId"], ids.deal_acme.as_str());
    assert_eq!(recent["eventType"], "deal.creation");
    assert!(recent["opportunityId"].as_str().unwrap().starts_with('O'));
    assert_eq!(
        recent["correlationId"],
        status["receipts"]["recent"][0]["correlationId"]
    );
    // The functions' EMF lines are added up, not printed.
    assert_eq!(status["metrics"]["receipt EventsEnqueued"], 1, "{status}");
    // A GET on the webhook is answered by the receipt's router, as in AWS.
    let get = reqwest::get(pipeline.webhook_url()).await.unwrap();
    assert_eq!(get.status().as_u16(), 405);
    assert_eq!(get.headers()["allow"], "POST");
    pipeline.shutdown().await;
}
