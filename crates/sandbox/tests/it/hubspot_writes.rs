//! The HubSpot fake's write side and failure modes over HTTP (reqwest): PATCH against the
//! property schema, note creation, injected faults and the rolling rate limit.

use std::time::Duration;

use crate::common::hubspot::{Api, seed_deal};
use reqwest::StatusCode;
use sandbox::hubspot::{HubSpotConfig, HubSpotFault, ObjectType};
use serde_json::{Value, json};

#[tokio::test]
async fn patch_writes_sync_properties_and_is_recorded() {
    let api = Api::start().await;
    seed_deal(&api);
    let (status, body) = api
        .patch(
            "/crm/v3/objects/deals/7",
            json!({"properties": {
                "aws_opportunity_id": "O4000000001",
                "aws_sync_status": "synced",
                "aws_sync_error": "",
                "aws_last_synced_at": "2030-06-15T09:00:00Z",
                "aws_review_status": null
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["properties"]["aws_opportunity_id"], "O4000000001");
    assert_eq!(
        api.fake
            .property(ObjectType::Deal, "7", "aws_sync_status")
            .as_deref(),
        Some("synced")
    );
    assert_eq!(
        api.fake
            .property(ObjectType::Deal, "7", "aws_review_status"),
        None
    );
    assert_eq!(
        api.fake
            .property(ObjectType::Deal, "7", "aws_sync_error")
            .as_deref(),
        Some(""),
        "an empty string is stored as sent"
    );
    assert_eq!(api.fake.patches_of(ObjectType::Deal, "7"), 1);
    assert_eq!(api.fake.reads_of(ObjectType::Deal, "7"), 0);
    api.get("/crm/v3/objects/deals/7").await;
    assert_eq!(
        api.fake.reads_of(ObjectType::Deal, "7"),
        1,
        "exactly one read of deal 7"
    );
}

#[tokio::test]
async fn patch_enforces_the_property_schema_all_or_nothing() {
    let api = Api::start().await;
    seed_deal(&api);
    let bad = [
        (
            json!({"aws_opportunity_idd": "O1"}),
            "PROPERTY_DOESNT_EXIST",
            "aws_opportunity_idd",
        ),
        (
            json!({"aws_sync_status": "ok"}),
            "INVALID_OPTION",
            "aws_sync_status",
        ),
        (
            json!({"aws_last_synced_at": "yesterday"}),
            "INVALID_DATE",
            "aws_last_synced_at",
        ),
        (json!({"amount": 1200}), "INVALID_PROPERTY_VALUE", "amount"),
        (
            json!({"hs_object_id": "8"}),
            "READ_ONLY_VALUE",
            "hs_object_id",
        ),
    ];
    for (properties, code, name) in bad {
        let mut with_valid = properties.as_object().unwrap().clone();
        with_valid.insert("dealname".into(), json!("renamed"));
        let (status, body) = api
            .patch("/crm/v3/objects/deals/7", json!({"properties": with_valid}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(body["category"], "VALIDATION_ERROR");
        assert!(body["message"].as_str().unwrap().contains(name), "{body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
        assert_eq!(body["errors"][0]["context"]["propertyName"][0], name);
    }
    assert_eq!(
        api.fake
            .property(ObjectType::Deal, "7", "dealname")
            .as_deref(),
        Some("Acme data lake #AWS")
    );
    for name in ["aws_sync_status", "aws_last_synced_at", "amount"] {
        assert_eq!(
            api.fake.property(ObjectType::Deal, "7", name).as_deref(),
            (name == "amount").then_some("240000"),
            "{name} untouched"
        );
    }
    assert_eq!(
        api.fake.patches_of(ObjectType::Deal, "7"),
        5,
        "rejected PATCHes are still counted"
    );
}

#[tokio::test]
async fn injected_faults_answer_before_serving() {
    let api = Api::start().await;
    seed_deal(&api);
    api.fake.fail_next(2, HubSpotFault::RateLimited);
    for _ in 0..2 {
        let (status, body) = api.get("/crm/v3/objects/deals/7").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(body["errorType"], "RATE_LIMIT");
        assert_eq!(body["policyName"], "TEN_SECONDLY_ROLLING");
        assert_eq!(
            body["message"],
            "You have reached your ten_secondly_rolling limit."
        );
    }
    api.fake.fail_next(1, HubSpotFault::Status(502));
    api.fake.fail_next(1, HubSpotFault::DailyLimit);
    let (status, headers, text) = api
        .send(api.http.get(api.url("/crm/v3/objects/deals/7")))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
            && text.contains("502")
    );
    let (status, body) = api.get("/crm/v3/objects/deals/7").await;
    assert_eq!(
        (status, body["policyName"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("DAILY"))
    );
    let (status, _) = api.get("/crm/v3/objects/deals/7").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.fake.reads_of(ObjectType::Deal, "7"), 5);
    let statuses: Vec<u16> = api.fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 502, 429, 200]);
}

#[tokio::test]
async fn the_rolling_rate_limit_answers_429_with_headers() {
    let window = Duration::from_secs(1);
    let api = Api::with(HubSpotConfig {
        rate_limit_max: 3,
        rate_limit_window: window,
        ..HubSpotConfig::default()
    })
    .await;
    seed_deal(&api);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let (status, headers, _) = api
            .send(api.http.get(api.url("/crm/v3/objects/deals/7")))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["x-hubspot-ratelimit-max"], "3");
        assert_eq!(headers["x-hubspot-ratelimit-interval-milliseconds"], "1000");
        remaining.push(
            headers["x-hubspot-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let (status, headers, text) = api
        .send(api.http.get(api.url("/crm/v3/objects/deals/7")))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers["x-hubspot-ratelimit-remaining"], "0");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (body["errorType"].as_str(), body["policyName"].as_str()),
        (Some("RATE_LIMIT"), Some("TEN_SECONDLY_ROLLING"))
    );
    // The window rolls: once the accepted requests are older than it, requests are admitted.
    tokio::time::sleep(window).await;
    let (status, _) = api.get("/crm/v3/objects/deals/7").await;
    assert_eq!(status, StatusCode::OK, "a fresh window admits again");
}

#[tokio::test]
async fn notes_are_created_with_a_deal_association() {
    let api = Api::start().await;
    seed_deal(&api);
    let note = |timestamp: Option<&str>, deal: &str| {
        let mut properties =
            json!({"hs_note_body": "Opportunity O4000000001 created in Partner Central"});
        if let Some(ts) = timestamp {
            properties["hs_timestamp"] = json!(ts);
        }
        json!({"properties": properties, "associations": [{
            "to": {"id": deal},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}]
        }]})
    };
    let (status, body) = api.post("/crm/v3/objects/notes", note(None, "7")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "hs_timestamp is required: {body}"
    );
    let (status, _) = api
        .post(
            "/crm/v3/objects/notes",
            note(Some("2030-06-15T09:00:00Z"), "999"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "unknown deal");
    let (status, created) = api
        .post(
            "/crm/v3/objects/notes",
            note(Some("2030-06-15T09:00:00Z"), "7"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let note_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        api.fake
            .associated_ids(ObjectType::Deal, "7", ObjectType::Note),
        std::slice::from_ref(&note_id)
    );
    let (_, deal) = api.get("/crm/v3/objects/deals/7?associations=notes").await;
    assert_eq!(
        deal["associations"]["notes"]["results"][0],
        json!({"id": note_id, "type": "deal_to_note"})
    );
}
