//! `sync-local hubspot-setup` against the HubSpot fake, as a portal admin runs it.

use aws_sdk_partnercentralselling::types::ClosedLostReason;
use local::hubspot_properties::{GROUP, SYNC_DEAL_PROPERTIES, SYNC_STATUS_OPTIONS};
use sandbox::hubspot::{HubSpotConfig, HubSpotFake, HubSpotFault, ObjectType, RequestRecord};
use serde_json::{Value, json};

/// A portal with HubSpot's standard properties only (none of the sync's).
async fn bare_portal() -> HubSpotFake {
    HubSpotFake::start_with(HubSpotConfig {
        sync_properties: false,
        ..HubSpotConfig::default()
    })
    .await
    .unwrap()
}

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs the binary with the token in HUBSPOT_ACCESS_TOKEN (the documented variable).
async fn setup(hubspot: &HubSpotFake, extra: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sync-local"));
    command
        .args(["hubspot-setup", "--hubspot-base-url", &hubspot.base_url()])
        .args(extra)
        .env_remove("HUBSPOT_TOKEN")
        .env("HUBSPOT_ACCESS_TOKEN", hubspot.token());
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    Output {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn writes(hubspot: &HubSpotFake) -> Vec<RequestRecord> {
    hubspot
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

/// The plan line of one group or property: `property  aws_sync_status  update: …`.
fn line<'a>(stdout: &'a str, name: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{stdout}"))
}

fn action(stdout: &str, name: &str) -> String {
    line(stdout, name)
        .split_whitespace()
        .nth(2)
        .unwrap_or_default()
        .to_owned()
}

fn option_values(definition: &Value) -> Vec<String> {
    definition["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap().to_owned())
        .collect()
}

const TOTAL: usize = SYNC_DEAL_PROPERTIES.len() + 1;

#[tokio::test]
async fn dry_run_prints_the_plan_and_writes_nothing() {
    let hubspot = bare_portal().await;
    let out = setup(&hubspot, &["--dry-run"]).await;
    assert!(out.success, "{}", out.stderr);
    assert_eq!(action(&out.stdout, GROUP.name), "create");
    for property in SYNC_DEAL_PROPERTIES {
        assert_eq!(
            action(&out.stdout, property.name),
            "create",
            "{}",
            out.stdout
        );
    }
    assert!(
        out.stdout.ends_with(&format!(
            "dry run: {TOTAL} to create, 0 to update, 0 unchanged; nothing written\n"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(writes(&hubspot), [], "a dry run only reads");
    assert_eq!(
        hubspot.requests().len(),
        TOTAL,
        "one GET per group and property"
    );
    assert!(
        hubspot
            .property_definition(ObjectType::Deal, "aws_sync_status")
            .is_none()
    );
}

#[tokio::test]
async fn first_run_creates_everything_and_a_second_run_changes_nothing() {
    let hubspot = bare_portal().await;
    let first = setup(&hubspot, &[]).await;
    assert!(first.success, "{}", first.stderr);
    assert!(
        first
            .stdout
            .ends_with(&format!("done: {TOTAL} created, 0 updated, 0 unchanged\n")),
        "{}",
        first.stdout
    );
    assert_eq!(writes(&hubspot).len(), TOTAL);
    assert!(
        writes(&hubspot)
            .iter()
            .all(|r| r.method == "POST" && r.status == 201)
    );

    for property in SYNC_DEAL_PROPERTIES {
        let definition = hubspot
            .property_definition(ObjectType::Deal, property.name)
            .unwrap();
        assert_eq!(definition["groupName"], GROUP.name);
        assert_eq!(definition["label"], property.label);
        assert_eq!(definition["type"], property.property_type);
        assert_eq!(definition["fieldType"], property.field_type);
    }
    let status = hubspot
        .property_definition(ObjectType::Deal, "aws_sync_status")
        .unwrap();
    assert_eq!(
        option_values(&status),
        SYNC_STATUS_OPTIONS.map(|(v, _)| v.to_owned())
    );
    for new in ["submitting", "action_required", "rejected"] {
        assert!(option_values(&status).contains(&new.to_owned()));
    }
    let reasons = hubspot
        .property_definition(ObjectType::Deal, "aws_closed_lost_reason")
        .unwrap();
    assert_eq!(option_values(&reasons), ClosedLostReason::values());
    let involvement = hubspot
        .property_definition(ObjectType::Deal, "aws_involvement_type")
        .unwrap();
    assert_eq!(
        option_values(&involvement),
        ["Co-Sell", "For Visibility Only"]
    );
    let submit = hubspot
        .property_definition(ObjectType::Deal, "aws_submit")
        .unwrap();
    assert_eq!(
        (&submit["type"], &submit["fieldType"]),
        (&json!("bool"), &json!("booleancheckbox"))
    );

    hubspot.clear_requests();
    let second = setup(&hubspot, &[]).await;
    assert!(second.success, "{}", second.stderr);
    assert!(
        second
            .stdout
            .ends_with(&format!("done: 0 created, 0 updated, {TOTAL} unchanged\n")),
        "{}",
        second.stdout
    );
    assert_eq!(writes(&hubspot), [], "the second run writes nothing");
}

async fn api(
    hubspot: &HubSpotFake,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", hubspot.base_url()))
        .bearer_auth(hubspot.token())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_property_changed_by_hand_is_repaired_with_one_patch_keeping_extra_options() {
    let hubspot = bare_portal().await;
    assert!(setup(&hubspot, &[]).await.success);
    // Someone edits aws_sync_status in the UI: drops `rejected`, adds an option of their own.
    let (status, _) = api(
        &hubspot,
        reqwest::Method::PATCH,
        "/crm/v3/properties/deals/aws_sync_status",
        json!({"options": [
            {"label": "Synced", "value": "synced", "displayOrder": 0},
            {"label": "Error", "value": "error", "displayOrder": 1},
            {"label": "Blocked", "value": "blocked", "displayOrder": 2},
            {"label": "Submitting", "value": "submitting", "displayOrder": 3},
            {"label": "Action required", "value": "action_required", "displayOrder": 4},
            {"label": "Parked", "value": "parked", "displayOrder": 5}
        ]}),
    )
    .await;
    assert_eq!(status, 200);
    hubspot.clear_requests();

    let dry = setup(&hubspot, &["--dry-run"]).await;
    assert!(
        line(&dry.stdout, "aws_sync_status").ends_with("update: options (missing rejected)"),
        "{}",
        dry.stdout
    );
    assert_eq!(writes(&hubspot), []);

    let repair = setup(&hubspot, &[]).await;
    assert!(repair.success, "{}", repair.stderr);
    assert!(
        repair.stdout.ends_with(&format!(
            "done: 0 created, 1 updated, {} unchanged\n",
            TOTAL - 1
        )),
        "{}",
        repair.stdout
    );
    let written = writes(&hubspot);
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(
        (
            written[0].method.as_str(),
            written[0].path.as_str(),
            written[0].status
        ),
        ("PATCH", "/crm/v3/properties/deals/aws_sync_status", 200)
    );
    let repaired = hubspot
        .property_definition(ObjectType::Deal, "aws_sync_status")
        .unwrap();
    let values = option_values(&repaired);
    assert!(values.contains(&"rejected".to_owned()), "{values:?}");
    assert!(
        values.contains(&"parked".to_owned()),
        "never deletes: {values:?}"
    );

    hubspot.clear_requests();
    let again = setup(&hubspot, &[]).await;
    assert!(again.stdout.contains(" 0 updated"), "{}", again.stdout);
    assert_eq!(writes(&hubspot), []);
}

#[tokio::test]
async fn deal_writes_follow_the_created_definitions_and_unknown_properties_stay_refused() {
    let hubspot = bare_portal().await;
    hubspot.upsert(ObjectType::Deal, "7", [("dealname", "Acme #AWS")]);
    let patch = |properties: Value| {
        let hubspot = &hubspot;
        async move {
            api(
                hubspot,
                reqwest::Method::PATCH,
                "/crm/v3/objects/deals/7",
                json!({ "properties": properties }),
            )
            .await
        }
    };
    let (status, body) = patch(json!({"aws_sync_status": "submitting"})).await;
    assert_eq!(
        (status, &body["category"]),
        (400, &json!("VALIDATION_ERROR"))
    );

    assert!(setup(&hubspot, &[]).await.success);
    let (status, body) = patch(json!({
        "aws_sync_status": "submitting",
        "aws_submit": "true",
        "aws_delivery_models": "Resell;Other",
        "aws_visibility": "Limited",
    }))
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = patch(json!({"aws_visibility": "Partial"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "INVALID_OPTION");
    let (status, body) = patch(json!({"aws_not_a_property": "x"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "PROPERTY_DOESNT_EXIST");
}

#[tokio::test]
async fn the_fake_answers_like_the_properties_api() {
    let hubspot = bare_portal().await;
    let get = |path: &'static str| {
        let hubspot = &hubspot;
        async move {
            api(hubspot, reqwest::Method::GET, path, Value::Null)
                .await
                .0
        }
    };
    assert_eq!(get("/crm/v3/properties/deals/aws_submit").await, 404);
    assert_eq!(
        get("/crm/v3/properties/deals/groups/aws_partner_central").await,
        404
    );
    assert_eq!(get("/crm/v3/properties/deals/dealname").await, 200);
    let create = json!({"name": "aws_x", "label": "X", "type": "string",
                        "fieldType": "text", "groupName": "dealinformation"});
    let post = |body: Value| {
        let hubspot = &hubspot;
        async move {
            api(
                hubspot,
                reqwest::Method::POST,
                "/crm/v3/properties/deals",
                body,
            )
            .await
            .0
        }
    };
    assert_eq!(post(create.clone()).await, 201);
    assert_eq!(post(create.clone()).await, 409, "creating twice conflicts");
    let mut wrong = create.clone();
    wrong["name"] = json!("aws_y");
    wrong["fieldType"] = json!("select");
    assert_eq!(post(wrong).await, 400, "string cannot be a select");
    let mut no_group = create;
    no_group["name"] = json!("aws_z");
    no_group["groupName"] = json!("aws_nowhere");
    assert_eq!(post(no_group).await, 400);
    let (status, _) = api(
        &hubspot,
        reqwest::Method::PATCH,
        "/crm/v3/properties/deals/aws_missing",
        json!({"label": "M"}),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_rate_limited_request_is_retried() {
    let hubspot = bare_portal().await;
    hubspot.fail_next(2, HubSpotFault::RateLimited);
    let out = setup(&hubspot, &[]).await;
    assert!(out.success, "{}", out.stderr);
    let statuses: Vec<u16> = hubspot.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[..2], [429, 429]);
    assert!(out.stdout.contains(&format!("done: {TOTAL} created")));
}

#[tokio::test]
async fn the_daily_limit_stops_the_command_and_a_missing_token_is_named() {
    let hubspot = bare_portal().await;
    hubspot.fail_next(1, HubSpotFault::DailyLimit);
    let out = setup(&hubspot, &[]).await;
    assert!(!out.success);
    assert!(out.stderr.contains("429"), "{}", out.stderr);

    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sync-local"))
            .args(["hubspot-setup", "--dry-run"])
            .env_remove("HUBSPOT_TOKEN")
            .env_remove("HUBSPOT_ACCESS_TOKEN")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("HUBSPOT_ACCESS_TOKEN"));
}
