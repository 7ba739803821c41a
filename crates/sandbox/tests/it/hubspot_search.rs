//! CRM search on the HubSpot fake over HTTP (reqwest): OR'ed groups of AND'ed filters, the
//! operators a sync uses, HubSpot's limits, paging, "modified since" on hs_lastmodifieddate,
//! and the search endpoints' own rate limit.

use std::time::Duration;

use reqwest::StatusCode;
use sandbox::hubspot::{HubSpotConfig, ObjectType, RequestKind};
use serde_json::{Value, json};

use crate::common::hubspot::{Api, epoch_ms};

const SEARCH: &str = "/crm/v3/objects/deals/search";

/// A fake whose search limit does not get in the way of functional tests.
async fn relaxed() -> Api {
    Api::with(HubSpotConfig {
        search_rate_limit_max: 10_000,
        ..HubSpotConfig::default()
    })
    .await
}

fn ids(answer: &Value) -> Vec<&str> {
    answer["results"]
        .as_array()
        .map(|results| results.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default()
}

fn seed_deals(api: &Api) {
    let deals = [
        (
            "1",
            "Acme data lake #AWS",
            "qualifiedtobuy",
            "1000",
            Some("O4000000001"),
        ),
        ("2", "Bluefin migration", "closedwon", "5000", None),
        (
            "3",
            "Cobalt analytics #AWS",
            "closedlost",
            "200",
            Some("O4000000003"),
        ),
        ("4", "Dune warehouse", "qualifiedtobuy", "7500", None),
    ];
    for (id, name, stage, amount, opportunity) in deals {
        api.fake.upsert(
            ObjectType::Deal,
            id,
            [("dealname", name), ("dealstage", stage), ("amount", amount)],
        );
        if let Some(opportunity) = opportunity {
            api.fake
                .upsert(ObjectType::Deal, id, [("aws_opportunity_id", opportunity)]);
        }
    }
}

fn filter(property: &str, operator: &str, value: Value) -> Value {
    json!({ "propertyName": property, "operator": operator, "value": value })
}

#[tokio::test]
async fn groups_are_ored_and_their_filters_anded() {
    let api = relaxed().await;
    seed_deals(&api);
    let (status, answer) = api
        .post(
            SEARCH,
            json!({
                "filterGroups": [
                    { "filters": [filter("dealstage", "EQ", json!("qualifiedtobuy")),
                                  filter("amount", "LT", json!(5000))] },
                    { "filters": [filter("dealstage", "EQ", json!("closedwon")),
                                  filter("amount", "GTE", json!("5000"))] },
                ],
                "properties": ["dealname", "aws_opportunity_id"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["total"], 2);
    assert_eq!(ids(&answer), ["1", "2"]);
    assert!(answer.get("paging").is_none(), "one page");
    let first = &answer["results"][0];
    assert_eq!(first["archived"], false);
    assert!(first["createdAt"].is_string() && first["updatedAt"].is_string());
    let names: Vec<&String> = first["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        [
            "aws_opportunity_id",
            "createdate",
            "dealname",
            "hs_lastmodifieddate",
            "hs_object_id"
        ],
        "the requested properties plus HubSpot's three"
    );
    assert_eq!(first["properties"]["aws_opportunity_id"], "O4000000001");
}

#[tokio::test]
async fn the_operators_a_sync_needs() {
    let api = relaxed().await;
    seed_deals(&api);
    api.fake.archive(ObjectType::Deal, "4");
    let cases = [
        (
            json!({ "propertyName": "dealstage", "operator": "IN", "values": ["closedwon", "CLOSEDLOST"] }),
            vec!["2", "3"],
        ),
        (
            json!({ "propertyName": "dealstage", "operator": "NOT_IN", "values": ["closedwon"] }),
            vec!["1", "3"],
        ),
        (
            json!({ "propertyName": "aws_opportunity_id", "operator": "HAS_PROPERTY" }),
            vec!["1", "3"],
        ),
        (
            json!({ "propertyName": "aws_opportunity_id", "operator": "NOT_HAS_PROPERTY" }),
            vec!["2"],
        ),
        (
            filter("dealname", "CONTAINS_TOKEN", json!("aws")),
            vec!["1", "3"],
        ),
        (
            filter("dealname", "CONTAINS_TOKEN", json!("blue*")),
            vec!["2"],
        ),
        (
            filter("dealstage", "NEQ", json!("qualifiedtobuy")),
            vec!["2", "3"],
        ),
        (filter("amount", "GT", json!(999)), vec!["1", "2"]),
        (filter("amount", "LTE", json!("1000")), vec!["1", "3"]),
        (
            json!({ "propertyName": "amount", "operator": "BETWEEN", "value": "200", "highValue": "1000" }),
            vec!["1", "3"],
        ),
        (filter("hs_object_id", "EQ", json!(3)), vec!["3"]),
    ];
    for (one, expected) in cases {
        let (status, answer) = api
            .post(
                SEARCH,
                json!({ "filterGroups": [{ "filters": [one.clone()] }] }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{one}: {answer}");
        assert_eq!(ids(&answer), expected, "{one}");
    }
    // No filter groups: every live deal, in id order.
    let (_, all) = api.post(SEARCH, json!({})).await;
    assert_eq!(ids(&all), ["1", "2", "3"]);
}

#[tokio::test]
async fn hubspot_s_limits_are_refused_with_a_validation_error() {
    let api = relaxed().await;
    seed_deals(&api);
    let eq = || filter("dealstage", "EQ", json!("closedwon"));
    let group = |n: usize| json!({ "filters": vec![eq(); n] });
    let cases = [
        (
            json!({ "filterGroups": vec![group(1); 6] }),
            "filter groups",
        ),
        (
            json!({ "filterGroups": [group(7)] }),
            "filters in filterGroups[0]",
        ),
        (
            json!({ "filterGroups": [group(5), group(5), group(5), group(4)] }),
            "Too many filters: 19",
        ),
        (json!({ "limit": 201 }), "limit"),
        (json!({ "limit": 0 }), "limit"),
        (json!({ "after": "10000" }), "10000"),
        (json!({ "filterGroups": [{ "filters": [] }] }), "no filters"),
        (
            json!({ "filterGroups": [{ "filters": [filter("dealstage", "LIKE", json!("x"))] }] }),
            "operator",
        ),
        (
            json!({ "filterGroups": [{ "filters": [{ "propertyName": "dealstage", "operator": "EQ" }] }] }),
            "`value`",
        ),
        (
            json!({ "filterGroups": [{ "filters": [filter("deal_stage", "EQ", json!("x"))] }] }),
            "deal_stage",
        ),
        (
            json!({ "filterGroups": [{ "filters": [filter("hs_lastmodifieddate", "GTE", json!("yesterday"))] }] }),
            "yesterday",
        ),
        (
            json!({ "sorts": [{ "propertyName": "amount" }, { "propertyName": "dealname" }] }),
            "sort",
        ),
        (json!({ "query": "acme" }), "query"),
    ];
    for (body, needle) in cases {
        let (status, answer) = api.post(SEARCH, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["category"], "VALIDATION_ERROR", "{body}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{body}: {message}");
    }
    let (status, _) = api.post("/crm/v3/objects/widgets/search", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn pages_follow_the_sort_and_stop_at_ten_thousand() {
    let api = relaxed().await;
    for n in 1..=25 {
        api.fake.upsert(
            ObjectType::Deal,
            &n.to_string(),
            [
                ("dealname", format!("Deal {n}")),
                ("amount", (n * 100).to_string()),
            ],
        );
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({
            "sorts": [{ "propertyName": "amount", "direction": "DESCENDING" }],
            "limit": 10,
        });
        if let Some(after) = &after {
            body["after"] = json!(after);
        }
        let (status, answer) = api.post(SEARCH, body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["total"], 25);
        pages += 1;
        seen.extend(ids(&answer).into_iter().map(str::to_owned));
        after = answer["paging"]["next"]["after"]
            .as_str()
            .map(str::to_owned);
        if after.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (1..=25).rev().map(|n: u32| n.to_string()).collect();
    assert_eq!(seen, expected, "numeric, not lexical, descending order");

    // Past 10 000 matches, paging stops at the 10 000th while `total` tells the truth.
    for n in 26..=10_005 {
        api.fake
            .upsert(ObjectType::Deal, &n.to_string(), [("dealname", "bulk")]);
    }
    let (status, last) = api
        .post(SEARCH, json!({ "limit": 200, "after": 9_800 }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(last["total"], 10_005);
    assert_eq!(last["results"].as_array().map(Vec::len), Some(200));
    assert!(
        last.get("paging").is_none(),
        "nothing reachable after 10 000"
    );
}

#[tokio::test]
async fn modified_since_finds_every_create_and_update() {
    let api = relaxed().await;
    seed_deals(&api);
    let stamp = |id: &str| {
        api.fake
            .property(ObjectType::Deal, id, "hs_lastmodifieddate")
            .unwrap()
    };
    let since = epoch_ms(&stamp("3"));
    assert!(epoch_ms(&stamp("2")) < since, "stamps strictly increase");
    let modified_since = |value: Value| {
        json!({
            "filterGroups": [{ "filters": [filter("hs_lastmodifieddate", "GTE", value)] }],
            "sorts": [{ "propertyName": "hs_lastmodifieddate", "direction": "ASCENDING" }],
        })
    };
    for value in [json!(since), json!(since.to_string()), json!(stamp("3"))] {
        let (status, answer) = api.post(SEARCH, modified_since(value.clone())).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(ids(&answer), ["3", "4"], "{value}");
    }

    // An API write moves hs_lastmodifieddate, and so does a create.
    let (status, _) = api
        .patch(
            "/crm/v3/objects/deals/1",
            json!({ "properties": { "dealstage": "closedwon" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, created) = api
        .post(
            "/crm/v3/objects/deals",
            json!({ "properties": { "dealname": "Fresh" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let fresh = created["id"].as_str().unwrap().to_owned();
    let (_, answer) = api.post(SEARCH, modified_since(json!(since))).await;
    assert_eq!(ids(&answer), ["3", "4", "1", fresh.as_str()]);
    assert_eq!(api.fake.request_count(RequestKind::Search), 4);
}

#[tokio::test]
async fn search_has_its_own_per_second_limit() {
    let api = Api::with(HubSpotConfig {
        search_rate_limit_max: 2,
        // A long window keeps the test independent of the machine's speed.
        search_rate_limit_window: Duration::from_secs(60),
        ..HubSpotConfig::default()
    })
    .await;
    seed_deals(&api);
    for _ in 0..2 {
        let (status, _) = api.post(SEARCH, json!({})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = api.post(SEARCH, json!({})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["policyName"], "SECONDLY");
    assert_eq!(body["errorType"], "RATE_LIMIT");
    // Other endpoints are not held back by the search limit.
    let (status, _) = api.get("/crm/v3/objects/deals/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.fake.request_count(RequestKind::Search), 3);
}
