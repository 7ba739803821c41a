//! The built `processor` binary, run the way Lambda runs it: a process polling the Runtime API
//! (`sandbox::lambda_runtime_api`), configured only through its environment, talking to the
//! HubSpot and Partner Central fakes through `HUBSPOT_API_BASE_URL` and
//! `AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING`.

use std::process::Stdio;
use std::time::Duration;

use crate::common::*;
use sandbox::hubspot::HubSpotFake;
use sandbox::lambda_runtime_api::{Invocation, RuntimeApi};
use sandbox::partner_central::PartnerCentralFake;
use serde_json::{Value, json};

fn spawn(
    api: &RuntimeApi,
    hubspot: &HubSpotFake,
    pc: &PartnerCentralFake,
) -> tokio::process::Child {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_processor"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(api.lambda_env("processor"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING", pc.base_url())
        .env("PARTNER_CENTRAL_CATALOG", "Sandbox")
        .env("PARTNER_CENTRAL_SOLUTION_ID", SOLUTION)
        .env("HUBSPOT_API_BASE_URL", hubspot.base_url())
        .env("HUBSPOT_ACCESS_TOKEN", hubspot.token())
        .env("METRICS_NAMESPACE", "ProcessorBinaryTest")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.spawn().unwrap()
}

async fn invoke(
    api: &RuntimeApi,
    function: &mut Option<tokio::process::Child>,
    event: Value,
) -> Invocation {
    match api.invoke(event, Duration::from_secs(30)).await {
        Ok(answer) => answer,
        Err(e) => {
            let mut child = function.take().unwrap();
            child.start_kill().unwrap();
            let output = child.wait_with_output().await.unwrap();
            panic!(
                "{e}\nfunction output:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_syncs_a_batch_and_refuses_one_it_cannot_report() {
    let hubspot = HubSpotFake::start().await.unwrap();
    let ids = hubspot.seed_demo();
    let pc = PartnerCentralFake::start().await.unwrap();
    let api = RuntimeApi::start().await.unwrap();
    let mut function = Some(spawn(&api, &hubspot, &pc));

    let event = serde_json::to_value(batch(&[
        object_event("m1", "deal.creation", &ids.deal_acme),
        deal_change("m2", &ids.deal_acme, "amount", "240000"),
        object_event("m3", "deal.creation", &ids.deal_without_company),
    ]))
    .unwrap();
    let answer = invoke(&api, &mut function, event).await;
    assert_eq!(
        answer,
        Invocation::Response(json!({"batchItemFailures": []}))
    );
    assert_eq!(pc.create_count(), 1);
    assert_eq!(
        pc.associations(pc.opportunities()[0]["Id"].as_str().unwrap())
            .len(),
        1
    );
    let linked = hubspot.property(
        sandbox::hubspot::ObjectType::Deal,
        &ids.deal_acme,
        "aws_opportunity_id",
    );
    assert_eq!(linked.as_deref(), pc.opportunities()[0]["Id"].as_str());
    let status = hubspot.property(
        sandbox::hubspot::ObjectType::Deal,
        &ids.deal_without_company,
        "aws_sync_status",
    );
    assert_eq!(status.as_deref(), Some("error"));

    // A record without messageId cannot be named in batchItemFailures: the invocation fails.
    let mut event =
        serde_json::to_value(batch(&[deal_change("m4", &ids.deal_acme, "amount", "1")])).unwrap();
    event["Records"][0]["messageId"] = Value::Null;
    let answer = invoke(&api, &mut function, event).await;
    assert!(matches!(answer, Invocation::Error(_)), "{answer:?}");

    let mut child = function.take().unwrap();
    child.start_kill().unwrap();
    let output = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let emf: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("_aws").is_some())
        .collect();
    let created = emf
        .iter()
        .find(|v| v["Outcome"] == "created")
        .expect("created metric");
    assert_eq!(created["SyncOutcome"], 1);
    assert_eq!(
        created["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "ProcessorBinaryTest"
    );
    let writes = emf
        .iter()
        .find(|v| v.get("PartnerCentralWrites").is_some())
        .expect("writes metric");
    assert_eq!(writes["PartnerCentralWrites"], 2, "create + associate");
    let logs: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("level").is_some())
        .collect();
    let outcome_line = logs
        .iter()
        .find(|l| l["fields"]["outcome"] == "created")
        .unwrap_or_else(|| panic!("no outcome log line in:\n{stdout}"));
    assert_eq!(
        outcome_line["span"]["correlation_id"], "corr-m1",
        "{outcome_line}"
    );
    assert_eq!(outcome_line["span"]["object_type"], "deal");
    assert_eq!(outcome_line["span"]["object_id"], ids.deal_acme.as_str());
}
