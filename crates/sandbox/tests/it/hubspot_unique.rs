//! The HubSpot fake's referral properties and unique-value enforcement over HTTP (reqwest):
//! `aws_invitation_id` holds one invitation on at most one deal, on creates and updates alike,
//! and any property created with `hasUniqueValue` is enforced the same way.

use reqwest::StatusCode;
use sandbox::hubspot::ObjectType;
use serde_json::{Value, json};

use crate::common::hubspot::{Api, assert_duplicate, options};

fn deal(invitation: &str) -> Value {
    json!({ "properties": {
        "dealname": "Brightline Retail e-commerce migration",
        "dealstage": "appointmentscheduled",
        "aws_invitation_id": invitation,
        "aws_invitation_status": "pending",
    }})
}

#[tokio::test]
async fn the_referral_properties_are_defined_and_the_invitation_id_is_unique() {
    let api = Api::start().await;
    let (status, id) = api.get("/crm/v3/properties/deals/aws_invitation_id").await;
    assert_eq!(status, StatusCode::OK, "{id}");
    assert_eq!(id["type"], "string");
    assert_eq!(id["hasUniqueValue"], true);
    let (_, status_property) = api
        .get("/crm/v3/properties/deals/aws_invitation_status")
        .await;
    assert_eq!(
        options(&status_property),
        vec!["pending", "accepting", "accepted", "rejected", "expired"]
    );
    assert_eq!(status_property["hasUniqueValue"], false);
    let (_, decision) = api
        .get("/crm/v3/properties/deals/aws_invitation_decision")
        .await;
    assert_eq!(options(&decision), vec!["accept", "reject"]);
    let (_, reason) = api
        .get("/crm/v3/properties/deals/aws_invitation_rejection_reason")
        .await;
    assert_eq!(
        options(&reason),
        vec![
            "Customer problem unclear",
            "Next steps unclear",
            "Unable to support",
            "Duplicate of partner referral",
            "Other"
        ]
    );
    let (_, expires) = api
        .get("/crm/v3/properties/deals/aws_invitation_expires_at")
        .await;
    assert_eq!(expires["type"], "datetime");
    let (_, stage) = api.get("/crm/v3/properties/deals/dealstage").await;
    assert_eq!(stage["type"], "enumeration");
    assert_eq!(options(&stage)[0], "appointmentscheduled");

    // Written values are checked against those lists.
    let (status, body) = api
        .post(
            "/crm/v3/objects/deals",
            json!({ "properties": { "aws_invitation_status": "maybe" } }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["code"], "INVALID_OPTION");
}

#[tokio::test]
async fn a_second_deal_with_the_same_invitation_id_is_refused() {
    let api = Api::start().await;
    let invitation = "engi-0123456789abc";
    let (status, first) = api.post("/crm/v3/objects/deals", deal(invitation)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let holder = first["id"].as_str().unwrap().to_owned();

    // A create: HubSpot names the id the new deal was being given, then the holder.
    let (status, body) = api.post("/crm/v3/objects/deals", deal(invitation)).await;
    assert_duplicate(status, &body, "aws_invitation_id", invitation, &holder);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("objectTypeId=ObjectTypeId{legacyObjectType=DEAL}")
    );
    let (_, found) = api
        .post(
            "/crm/v3/objects/deals/search",
            json!({ "filterGroups": [{ "filters": [
                { "propertyName": "aws_invitation_id", "operator": "EQ", "value": invitation }
            ]}]}),
        )
        .await;
    assert_eq!(found["total"], 1, "nothing was created: {found}");

    // An update of another deal.
    api.fake
        .upsert(ObjectType::Deal, "7", [("dealname", "Another deal")]);
    let (status, body) = api
        .patch(
            "/crm/v3/objects/deals/7",
            json!({ "properties": { "aws_invitation_id": invitation } }),
        )
        .await;
    assert_duplicate(status, &body, "aws_invitation_id", invitation, &holder);
    assert!(body["message"].as_str().unwrap().contains("} on 7. "));
    assert_eq!(
        api.fake
            .property(ObjectType::Deal, "7", "aws_invitation_id"),
        None
    );

    // The holder may write its own value again; empty values are never duplicates.
    let (status, _) = api
        .patch(
            &format!("/crm/v3/objects/deals/{holder}"),
            json!({ "properties": { "aws_invitation_id": invitation, "aws_invitation_status": "accepting" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api
        .patch(
            "/crm/v3/objects/deals/7",
            json!({ "properties": { "aws_invitation_id": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Archived, the holder frees the value.
    assert!(api.fake.archive(ObjectType::Deal, &holder));
    let (status, body) = api
        .patch(
            "/crm/v3/objects/deals/7",
            json!({ "properties": { "aws_invitation_id": invitation } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn any_property_created_unique_is_enforced_and_stays_unique() {
    let api = Api::start().await;
    let (status, definition) = api
        .post(
            "/crm/v3/properties/companies",
            json!({
                "name": "erp_account_id", "label": "ERP account id", "type": "string",
                "fieldType": "text", "groupName": "companyinformation", "hasUniqueValue": true
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{definition}");
    assert_eq!(definition["hasUniqueValue"], true);
    let company = |erp: &str| json!({ "properties": { "name": "Acme", "erp_account_id": erp } });
    let (status, first) = api.post("/crm/v3/objects/companies", company("A-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = api.post("/crm/v3/objects/companies", company("A-1")).await;
    assert_duplicate(
        status,
        &body,
        "erp_account_id",
        "A-1",
        first["id"].as_str().unwrap(),
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("legacyObjectType=COMPANY")
    );
    let (status, _) = api.post("/crm/v3/objects/companies", company("A-2")).await;
    assert_eq!(status, StatusCode::CREATED, "another value is fine");

    // Uniqueness is fixed at creation.
    let (status, patched) = api
        .patch(
            "/crm/v3/properties/companies/erp_account_id",
            json!({ "hasUniqueValue": false, "label": "ERP id" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["hasUniqueValue"], true);
    let (status, _) = api.post("/crm/v3/objects/companies", company("A-2")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Uniqueness is per object type: a deal property of the same name is another property.
    let (_, plain) = api.get("/crm/v3/properties/deals/aws_opportunity_id").await;
    assert_eq!(plain["hasUniqueValue"], false);
}
