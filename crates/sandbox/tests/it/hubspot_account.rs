//! `GET /account-info/v3/details` on the HubSpot fake: the portal id, behind the same auth
//! as every other route.

use reqwest::StatusCode;
use sandbox::hubspot::{HubSpotConfig, RequestKind};

use crate::common::hubspot::Api;

#[tokio::test]
async fn account_details_carry_the_portal_id() {
    let api = Api::with(HubSpotConfig {
        portal_id: 4_242_424,
        ..HubSpotConfig::default()
    })
    .await;
    let (status, details) = api.get("/account-info/v3/details").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(details["portalId"], 4_242_424);
    assert_eq!(api.fake.portal_id(), 4_242_424);
    assert_eq!(details["timeZone"], "US/Eastern");
    assert_eq!(details["companyCurrency"], "USD");
    assert_eq!(details["uiDomain"], "app.hubspot.com");
    assert_eq!(details["dataHostingLocation"], "na1");
    let offset = details["utcOffset"].as_str().unwrap_or_default();
    let millis = details["utcOffsetMilliseconds"]
        .as_i64()
        .unwrap_or_default();
    assert!(
        (offset == "-05:00" && millis == -18_000_000)
            || (offset == "-04:00" && millis == -14_400_000),
        "{details}"
    );
    assert_eq!(api.fake.request_count(RequestKind::AccountInfo), 1);

    let anonymous = reqwest::get(api.url("/account-info/v3/details"))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_default_portal_is_the_one_hubspot_s_examples_use() {
    let api = Api::start().await;
    let (_, details) = api.get("/account-info/v3/details").await;
    assert_eq!(details["portalId"], 62_515);
}
