//! Creating what an accepted AWS referral needs in HubSpot, over HTTP (reqwest): deals with
//! inline associations to their company and contact, validated like updates; companies found
//! again by domain; tasks on a deal; the default deal pipeline.

use reqwest::StatusCode;
use sandbox::hubspot::ObjectType;
use serde_json::{Value, json};

use crate::common::hubspot::{Api, association_to as to, created, linked};

#[tokio::test]
async fn a_deal_is_created_with_its_company_and_contact_associations() {
    let api = Api::start().await;
    let company = created(
        &api,
        "/crm/v3/objects/companies",
        json!({ "properties": { "name": "Brightline Retail Group", "domain": "brightlineretail.com" } }),
    )
    .await;
    let contact = created(
        &api,
        "/crm/v3/objects/contacts",
        json!({ "properties": { "email": "cto@brightlineretail.com" } }),
    )
    .await;
    let (status, deal) = api
        .post(
            "/crm/v3/objects/deals",
            json!({
                "properties": {
                    "dealname": "Brightline Retail e-commerce migration",
                    "dealstage": "appointmentscheduled",
                    "amount": "300000",
                    "closedate": "2030-12-31",
                    "aws_invitation_id": "engi-0123456789abc",
                    "aws_invitation_status": "pending",
                    "aws_invitation_expires_at": "2030-06-30T09:00:00Z",
                },
                "associations": [to(&company, 5), to(&contact, 3)],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{deal}");
    let id = deal["id"].as_str().unwrap();
    assert_eq!(deal["properties"]["dealstage"], "appointmentscheduled");
    assert_eq!(
        api.fake
            .property(ObjectType::Deal, id, "pipeline")
            .as_deref(),
        Some("default"),
        "no pipeline given: the default one"
    );
    let (_, read) = api
        .get(&format!(
            "/crm/v3/objects/deals/{id}?properties=aws_invitation_status&associations=companies,contacts"
        ))
        .await;
    assert_eq!(read["properties"]["aws_invitation_status"], "pending");
    assert!(linked(&read, "companies").contains(&(company.clone(), "deal_to_company".to_owned())));
    assert_eq!(
        linked(&read, "contacts"),
        vec![(contact.clone(), "deal_to_contact".to_owned())]
    );
    assert_eq!(
        api.fake
            .associated_ids(ObjectType::Company, &company, ObjectType::Deal),
        vec![id.to_owned()]
    );
}

#[tokio::test]
async fn deal_creates_are_validated_like_updates() {
    let api = Api::start().await;
    let refused = [
        (
            json!({ "dealname": "x", "aws_not_a_property": "1" }),
            "PROPERTY_DOESNT_EXIST",
        ),
        (
            json!({ "dealname": "x", "dealstage": "negotiation" }),
            "INVALID_OPTION",
        ),
        (
            json!({ "dealname": "x", "pipeline": "enterprise" }),
            "INVALID_OPTION",
        ),
        (
            json!({ "dealname": "x", "amount": "lots" }),
            "INVALID_FLOAT",
        ),
        (
            json!({ "dealname": "x", "aws_invitation_expires_at": "next week" }),
            "INVALID_DATE",
        ),
    ];
    for (properties, code) in refused {
        let (status, body) = api
            .post("/crm/v3/objects/deals", json!({ "properties": properties }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{properties}: {body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
    let (status, body) = api
        .post(
            "/crm/v3/objects/deals",
            json!({ "properties": { "dealname": "x" }, "associations": [to("10001", 999)] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = api
        .post(
            "/crm/v3/objects/deals",
            json!({ "properties": { "dealname": "x" }, "associations": [to("424242", 5)] }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a missing company: {body}");
    let (_, found) = api
        .post(
            "/crm/v3/objects/deals/search",
            json!({ "filterGroups": [{ "filters": [
                { "propertyName": "dealname", "operator": "EQ", "value": "x" }
            ]}]}),
        )
        .await;
    assert_eq!(found["total"], 0, "nothing refused was created: {found}");

    api.fake
        .upsert(ObjectType::Deal, "7", [("dealname", "Acme")]);
    let (status, body) = api
        .patch(
            "/crm/v3/objects/deals/7",
            json!({ "properties": { "dealstage": "won" } }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = api
        .patch(
            "/crm/v3/objects/deals/7",
            json!({ "properties": { "dealstage": "closedwon" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn companies_are_found_again_by_domain() {
    let api = Api::start().await;
    let brightline = created(
        &api,
        "/crm/v3/objects/companies",
        json!({ "properties": { "name": "Brightline Retail Group", "domain": "brightlineretail.com" } }),
    )
    .await;
    created(
        &api,
        "/crm/v3/objects/companies",
        json!({ "properties": { "name": "Brightline Logistics", "domain": "brightlinelogistics.com" } }),
    )
    .await;
    let (status, found) = api
        .post(
            "/crm/v3/objects/companies/search",
            json!({
                "filterGroups": [{ "filters": [
                    { "propertyName": "domain", "operator": "EQ", "value": "brightlineretail.com" }
                ]}],
                "properties": ["name", "domain"],
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 1);
    assert_eq!(found["results"][0]["id"], json!(brightline));
    assert_eq!(
        found["results"][0]["properties"]["name"],
        "Brightline Retail Group"
    );
}

#[tokio::test]
async fn tasks_are_created_on_a_deal_and_validated() {
    let api = Api::start().await;
    api.fake
        .upsert(ObjectType::Deal, "7", [("dealname", "Acme")]);
    api.fake
        .upsert(ObjectType::Company, "101", [("name", "Acme")]);
    let task = |properties: Value| json!({ "properties": properties, "associations": [to("7", 216), to("101", 192)] });
    let (status, body) = api
        .post(
            "/crm/v3/objects/tasks",
            task(json!({
                "hs_task_subject": "Accept or reject the AWS referral",
                "hs_task_body": "AWS referred Brightline Retail; the invitation expires on 2030-06-30.",
                "hs_timestamp": "2030-06-29T09:00:00Z",
                "hs_task_priority": "HIGH",
                "hs_task_type": "TODO",
                "hubspot_owner_id": "5550001",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap();
    let tasks = api.fake.tasks_of_deal("7");
    assert_eq!(tasks.len(), 1);
    let stored = &tasks[0]["properties"];
    assert_eq!(tasks[0]["id"], json!(id));
    assert_eq!(
        stored["hs_task_subject"],
        "Accept or reject the AWS referral"
    );
    assert_eq!(stored["hs_task_status"], "NOT_STARTED", "HubSpot's default");
    assert_eq!(stored["hs_task_priority"], "HIGH");
    assert_eq!(stored["hubspot_owner_id"], "5550001");
    assert_eq!(
        api.fake
            .associated_ids(ObjectType::Task, id, ObjectType::Company),
        vec!["101".to_owned()]
    );
    let (_, deal) = api.get("/crm/v3/objects/deals/7?associations=tasks").await;
    assert_eq!(
        linked(&deal, "tasks"),
        vec![(id.to_owned(), "deal_to_task".to_owned())]
    );

    let refused = [
        (
            json!({ "hs_task_subject": "No due date" }),
            "REQUIRED_PROPERTY",
        ),
        (
            json!({ "hs_timestamp": "2030-06-29T09:00:00Z", "hs_task_priority": "URGENT" }),
            "INVALID_OPTION",
        ),
        (
            json!({ "hs_timestamp": "2030-06-29T09:00:00Z", "hs_task_type": "MEETING" }),
            "INVALID_OPTION",
        ),
        (
            json!({ "hs_timestamp": "2030-06-29T09:00:00Z", "hs_task_status": "IN_PROGRESS" }),
            "INVALID_OPTION",
        ),
        (json!({ "hs_timestamp": "tomorrow" }), "INVALID_DATE"),
    ];
    for (properties, code) in refused {
        let (status, body) = api
            .post("/crm/v3/objects/tasks", task(properties.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{properties}: {body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
    assert_eq!(api.fake.tasks_of_deal("7").len(), 1);

    let (status, done) = api
        .patch(
            &format!("/crm/v3/objects/tasks/{id}"),
            json!({ "properties": { "hs_task_status": "COMPLETED" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        api.fake
            .property(ObjectType::Task, id, "hs_task_status")
            .as_deref(),
        Some("COMPLETED")
    );
}

#[tokio::test]
async fn the_default_pipeline_lists_its_stages_in_display_order() {
    let api = Api::start().await;
    let (status, pipelines) = api.get("/crm/v3/pipelines/deals").await;
    assert_eq!(status, StatusCode::OK, "{pipelines}");
    let results = pipelines["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let pipeline = &results[0];
    assert_eq!(pipeline["id"], "default");
    assert_eq!(pipeline["label"], "Sales Pipeline");
    let stages = pipeline["stages"].as_array().unwrap();
    let ids: Vec<&str> = stages.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            "appointmentscheduled",
            "qualifiedtobuy",
            "presentationscheduled",
            "decisionmakerboughtin",
            "contractsent",
            "closedwon",
            "closedlost"
        ]
    );
    let orders: Vec<i64> = stages
        .iter()
        .map(|s| s["displayOrder"].as_i64().unwrap())
        .collect();
    assert_eq!(orders, (0..7).collect::<Vec<_>>());
    assert_eq!(
        stages[0]["metadata"],
        json!({ "isClosed": "false", "probability": "0.2" })
    );
    assert_eq!(
        stages[5]["metadata"],
        json!({ "isClosed": "true", "probability": "1.0" })
    );
    assert_eq!(
        stages[6]["metadata"],
        json!({ "isClosed": "true", "probability": "0.0" })
    );

    let (status, one) = api.get("/crm/v3/pipelines/deals/default").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&one, pipeline);
    let (status, listed) = api.get("/crm/v3/pipelines/deals/default/stages").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["results"], pipeline["stages"]);
    let (status, missing) = api.get("/crm/v3/pipelines/deals/enterprise").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    assert_eq!(missing["category"], "OBJECT_NOT_FOUND");
    let (status, _) = api.get("/crm/v3/pipelines/companies").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let anonymous = api
        .http
        .get(api.url("/crm/v3/pipelines/deals"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
