//! `sync-local reprocess-dlq` against a running pipeline, as an operator uses it.

use std::time::Duration;

use local::webhook::{DEMO_PORTAL, DEMO_SECRET, EventFactory, WebhookClient};
use sandbox::partner_central::PartnerCentralFault;
use serde_json::Value;

async fn reprocess_dlq(server: String, extra: &'static [&'static str]) -> Value {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_sync-local"))
            .args(["reprocess-dlq", "--server", &server])
            .args(extra)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_dlq_asks_the_running_server() {
    let pipeline = crate::support::pipeline(crate::support::Queue::Embedded, 2).await;
    let sandbox = pipeline.sandbox.as_ref().unwrap();
    let deal = sandbox.demo.clone().unwrap().deal_acme;
    sandbox.partner_central.fail_next_op(
        "CreateOpportunity",
        10_000,
        PartnerCentralFault::AccessDenied,
    );
    let client = WebhookClient::new(pipeline.webhook_url(), DEMO_SECRET);
    let event = EventFactory::new(DEMO_PORTAL).creation("deal", deal.parse().unwrap());
    assert_eq!(client.deliver(&[event]).await.unwrap().status, 200);
    assert!(pipeline.wait_dlq_depth(1, Duration::from_secs(30)).await);

    let dry = reprocess_dlq(pipeline.base_url(), &["--dry-run"]).await;
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["messages"][0]["outcome"], "wouldMove");
    assert_eq!(dry["messages"][0]["objectId"], deal.as_str());
    assert_eq!(
        pipeline.dlq.depth().await.unwrap().total(),
        1,
        "a dry run moves nothing"
    );

    sandbox.partner_central.clear_faults();
    let real = reprocess_dlq(pipeline.base_url(), &[]).await;
    assert_eq!(real["moved"], 1, "{real}");
    assert!(pipeline.wait_drained(Duration::from_secs(30)).await);
    crate::support::assert_exactly_once(&pipeline, &[&deal]);
    pipeline.shutdown().await;
}
