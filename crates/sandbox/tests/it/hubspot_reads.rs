//! The HubSpot fake's read side over HTTP (reqwest), as the processor's CRM adapter calls it:
//! object reads with associations, auth, 404s, batch reads and the demo portal.

use crate::common::hubspot::{Api, seed_deal};
use reqwest::StatusCode;
use sandbox::hubspot::{ObjectType, RequestKind};
use serde_json::{Value, json};

#[tokio::test]
async fn get_returns_requested_properties_nulls_and_associations() {
    let api = Api::start().await;
    seed_deal(&api);
    let (status, deal) = api
        .get("/crm/v3/objects/deals/7?properties=dealname,aws_opportunity_id,no_such_property&associations=companies,contacts,notes")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deal["id"], "7", "ids are strings");
    assert_eq!(deal["archived"], false);
    assert!(deal["createdAt"].is_string() && deal["updatedAt"].is_string());
    let props = deal["properties"].as_object().unwrap();
    assert_eq!(props["dealname"], "Acme data lake #AWS");
    assert_eq!(
        props["aws_opportunity_id"],
        Value::Null,
        "defined but unset comes back as null"
    );
    assert!(!props.contains_key("no_such_property"));
    assert!(
        !props.contains_key("amount"),
        "only requested (plus system) properties"
    );
    assert_eq!(props["hs_object_id"], "7");
    assert_eq!(
        deal["associations"]["companies"]["results"],
        json!([{"id": "101", "type": "deal_to_company"}, {"id": "101", "type": "deal_to_company_unlabeled"}])
    );
    assert_eq!(
        deal["associations"]["contacts"]["results"],
        json!([{"id": "201", "type": "deal_to_contact"}])
    );
    assert!(
        deal["associations"].get("notes").is_none(),
        "empty association kinds are left out"
    );

    let (_, defaults) = api.get("/crm/v3/objects/deals/7").await;
    assert_eq!(defaults["properties"]["amount"], "240000");
    assert_eq!(defaults["properties"]["closedate"], Value::Null);
    assert!(defaults.get("associations").is_none());
}

#[tokio::test]
async fn unknown_and_archived_objects_are_404() {
    let api = Api::start().await;
    seed_deal(&api);
    assert!(api.fake.archive(ObjectType::Deal, "7"));
    for path in [
        "/crm/v3/objects/deals/7",
        "/crm/v3/objects/deals/999",
        "/crm/v3/objects/companies/7",
    ] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["status"], "error");
        assert_eq!(body["category"], "OBJECT_NOT_FOUND");
        assert!(body["message"].is_string() && body["correlationId"].is_string());
    }
    let (status, _) = api
        .patch(
            "/crm/v3/objects/deals/7",
            json!({"properties": {"dealname": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn requests_need_the_bearer_token() {
    let api = Api::start().await;
    seed_deal(&api);
    for token in [None, Some("wrong-token")] {
        let mut request = api.http.get(api.url("/crm/v3/objects/deals/7"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["category"], "INVALID_AUTHENTICATION");
    }
}

#[tokio::test]
async fn batch_read_is_capped_at_100_and_reports_missing_ids() {
    let api = Api::start().await;
    seed_deal(&api);
    let inputs: Vec<Value> = (0..101).map(|i| json!({"id": i.to_string()})).collect();
    let (status, body) = api
        .post(
            "/crm/v3/objects/deals/batch/read",
            json!({"inputs": inputs, "properties": ["dealname"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["category"], "VALIDATION_ERROR");
    let (status, body) = api
        .post(
            "/crm/v3/objects/deals/batch/read",
            json!({"inputs": [{"id": "7"}], "properties": ["dealname", "aws_sync_status"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["results"][0]["properties"]["aws_sync_status"],
        Value::Null
    );
    let (status, body) = api
        .post(
            "/crm/v3/objects/deals/batch/read",
            json!({"inputs": [{"id": "7"}, {"id": "404"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::MULTI_STATUS);
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert_eq!(body["errors"][0]["context"]["ids"], json!(["404"]));
    assert_eq!(api.fake.request_count(RequestKind::BatchRead), 3);
}

#[tokio::test]
async fn the_demo_portal_is_hubspot_shaped() {
    let api = Api::start().await;
    let ids = api.fake.seed_demo();
    let (_, deal) = api
        .get(&format!(
            "/crm/v3/objects/deals/{}?properties=dealname&associations=companies,contacts,notes",
            ids.deal_acme
        ))
        .await;
    assert!(
        deal["properties"]["dealname"]
            .as_str()
            .unwrap()
            .contains("#AWS")
    );
    assert_eq!(
        deal["associations"]["companies"]["results"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        deal["associations"]["notes"]["results"][0]["id"],
        ids.note_acme.as_str()
    );
    let (_, company) = api
        .get(&format!(
            "/crm/v3/objects/companies/{}?properties=industry,country,state,zip,website",
            ids.company_acme
        ))
        .await;
    assert_eq!(company["properties"]["industry"], "COMPUTER_SOFTWARE");
    assert_eq!(company["properties"]["country"], "United States");
    let untagged = api
        .fake
        .property(ObjectType::Deal, &ids.deal_untagged, "dealname")
        .unwrap();
    assert!(!untagged.contains("#AWS"));
    assert!(
        api.fake
            .associated_ids(
                ObjectType::Deal,
                &ids.deal_without_company,
                ObjectType::Company
            )
            .is_empty()
    );
    let (_, contact) = api
        .get(&format!(
            "/crm/v3/objects/contacts/{}?properties=phone",
            ids.contact_tom
        ))
        .await;
    assert_eq!(contact["properties"]["phone"], Value::Null);
}
