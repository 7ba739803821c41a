//! The Partner Central fake driven by the real SDK client: round trips, idempotency,
//! full replacement, optimistic concurrency, quotas, fault injection and the wire protocol.

use crate::common::partner_central::{SIGNED, Spec, create_valid, last_modified, raw, unthrottled};
use std::time::Duration;

use aws_sdk_partnercentralselling::operation::create_opportunity::CreateOpportunityError;
use aws_sdk_partnercentralselling::operation::get_opportunity::GetOpportunityError;
use aws_sdk_partnercentralselling::operation::update_opportunity::UpdateOpportunityError;
use aws_sdk_partnercentralselling::types::{CreatedDateFilter, ReviewStatus, Stage};
use sandbox::partner_central::{
    PartnerCentralConfig, PartnerCentralFake, PartnerCentralFault, sdk_client_without_retries,
};

#[tokio::test]
async fn create_then_get_round_trips_through_the_sdk() {
    let fake = unthrottled().await;
    let client = fake.client();
    let created = Spec::valid()
        .create(&client, "deal-7-v1")
        .send()
        .await
        .unwrap();
    let id = created.id().to_owned();
    assert!(
        id.len() == 11 && id.starts_with('O') && id[1..].bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(
        created.partner_opportunity_identifier(),
        Some("hubspot-deal-7")
    );

    let got = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.id(), id);
    assert_eq!(got.catalog(), "Sandbox");
    assert_eq!(
        got.arn(),
        Some(
            format!(
                "arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/opportunity/{id}"
            )
            .as_str()
        )
    );
    assert_eq!(
        got.last_modified_date(),
        created.last_modified_date().unwrap()
    );
    assert_eq!(got.created_date(), got.last_modified_date());
    let account = got.customer().and_then(|c| c.account()).unwrap();
    assert_eq!(account.company_name(), "Acme Analytics Inc.");
    assert_eq!(
        account.address().and_then(|a| a.state_or_region()),
        Some("Washington")
    );
    let project = got.project().unwrap();
    assert_eq!(project.title(), Some("Acme Analytics data lake migration"));
    assert_eq!(project.expected_customer_spend()[0].amount(), "20000");
    let life = got.life_cycle().unwrap();
    assert_eq!(life.review_status(), Some(&ReviewStatus::PendingSubmission));
    assert_eq!(life.stage(), Some(&Stage::Qualified));
    assert_eq!(life.target_close_date(), Some("2030-09-30"));
    assert!(
        got.related_entity_identifiers()
            .unwrap()
            .solutions()
            .is_empty()
    );

    let listed = client
        .list_opportunities()
        .catalog("Sandbox")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.opportunity_summaries().len(), 1);
    assert_eq!(listed.opportunity_summaries()[0].id(), Some(id.as_str()));
    let other = client
        .list_opportunities()
        .catalog("AWS")
        .send()
        .await
        .unwrap();
    assert!(
        other.opportunity_summaries().is_empty(),
        "catalogs are separate"
    );
}

#[tokio::test]
async fn target_company_is_rewritten_to_aws_without_contract_duration() {
    // Diff-before-write code must compare against what Partner Central stores, not what it sent.
    let fake = unthrottled().await;
    let client = fake.client();
    let mut spec = Spec::valid();
    spec.spends[0].target = "Acme Analytics Inc.".into();
    let id = spec
        .create(&client, "tc")
        .send()
        .await
        .unwrap()
        .id()
        .to_owned();
    let got = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.project().unwrap().expected_customer_spend()[0].target_company(),
        "AWS"
    );
}

#[tokio::test]
async fn same_client_token_and_body_returns_the_same_opportunity() {
    let fake = unthrottled().await;
    let client = fake.client();
    let first = Spec::valid()
        .create(&client, "hubspot-deal-7-create")
        .send()
        .await
        .unwrap();
    let again = Spec::valid()
        .create(&client, "hubspot-deal-7-create")
        .send()
        .await
        .unwrap();
    assert_eq!(first.id(), again.id());
    assert_eq!(fake.create_count(), 1);
    assert_eq!(fake.opportunities().len(), 1);
    assert_eq!(fake.write_count("CreateOpportunity"), 1);
    assert_eq!(fake.call_count("CreateOpportunity"), 2);
}

#[tokio::test]
async fn same_client_token_with_another_body_conflicts() {
    let fake = unthrottled().await;
    let client = fake.client();
    Spec::valid()
        .create(&client, "token-1")
        .send()
        .await
        .unwrap();
    let mut changed = Spec::valid();
    changed.title = Some("A different title".into());
    let error = changed
        .create(&client, "token-1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let CreateOpportunityError::ConflictException(conflict) = error else {
        panic!("expected ConflictException, got {error:?}");
    };
    assert!(
        conflict
            .message()
            .unwrap_or_default()
            .contains("Conflicting client token"),
        "{conflict:?}"
    );
    assert_eq!(fake.create_count(), 1);
    // The same token in the other catalog is a different namespace.
    changed.catalog = "AWS".into();
    changed
        .create(&client, "token-1")
        .send()
        .await
        .expect("other catalog");
}

#[tokio::test]
async fn update_replaces_the_whole_opportunity() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, modified) = create_valid(&client, "full").await;
    let mut spec = Spec::valid();
    spec.next_steps = None;
    spec.partner_id = None;
    spec.stage = Some("Technical Validation".into());
    let out = spec.update(&client, &id, modified).send().await.unwrap();
    assert!(out.last_modified_date() > &modified);
    let got = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap();
    let life = got.life_cycle().unwrap();
    assert_eq!(life.stage(), Some(&Stage::TechnicalValidation));
    assert_eq!(life.next_steps(), None, "omitted on update means null");
    assert_eq!(got.partner_opportunity_identifier(), None);
    assert_eq!(
        life.review_status(),
        Some(&ReviewStatus::PendingSubmission),
        "AWS-owned status kept"
    );
    assert_eq!(fake.write_count("UpdateOpportunity"), 1);
}

#[tokio::test]
async fn stale_last_modified_date_conflicts_until_re_read() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, stale) = create_valid(&client, "occ").await;
    Spec::valid()
        .update(&client, &id, stale)
        .send()
        .await
        .unwrap();
    let error = Spec::valid()
        .update(&client, &id, stale)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, UpdateOpportunityError::ConflictException(_)),
        "{error:?}"
    );
    let fresh = last_modified(&client, &id).await;
    Spec::valid()
        .update(&client, &id, fresh)
        .send()
        .await
        .expect("retry after re-read");
    assert_eq!(fake.write_count("UpdateOpportunity"), 2);
}

#[tokio::test]
async fn writes_are_throttled_at_the_configured_rate() {
    let clock = crate::common::partner_central::clock();
    let config = PartnerCentralConfig::default().with_clock(clock.clone());
    let fake = PartnerCentralFake::start_with(config).await.unwrap();
    let client = sdk_client_without_retries(&fake.base_url());
    let (id, modified) = create_valid(&client, "rate-1").await;
    let error = Spec::valid()
        .update(&client, &id, modified)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, UpdateOpportunityError::ThrottlingException(_)),
        "{error:?}"
    );
    // Reads have their own, larger quota.
    client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .expect("read quota");
    // Quotas are per partner account: the other catalog draws on the same write bucket.
    let mut aws = Spec::valid();
    aws.catalog = "AWS".into();
    let error = aws
        .create(&client, "rate-aws")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(error.is_throttling_exception(), "{error:?}");
    clock.advance(Duration::from_millis(999));
    let error = Spec::valid()
        .update(&client, &id, modified)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, UpdateOpportunityError::ThrottlingException(_)),
        "{error:?}"
    );
    clock.advance(Duration::from_millis(1));
    Spec::valid()
        .update(&client, &id, modified)
        .send()
        .await
        .expect("one second later");
    assert_eq!(fake.write_count("UpdateOpportunity"), 1);
}

#[tokio::test]
async fn the_sdk_retries_through_injected_faults() {
    let fake = unthrottled().await;
    let client = fake.client(); // standard retry policy, as in production
    let (id, _) = create_valid(&client, "faults").await;
    fake.fail_next_op("GetOpportunity", 1, PartnerCentralFault::Throttling);
    client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .expect("retried");
    assert_eq!(fake.call_count("GetOpportunity"), 2);

    let no_retry = sdk_client_without_retries(&fake.base_url());
    fake.fail_next(1, PartnerCentralFault::InternalServer);
    let error = no_retry
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, GetOpportunityError::InternalServerException(_)),
        "{error:?}"
    );
    fake.fail_next(1, PartnerCentralFault::AccessDenied);
    let error = no_retry
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, GetOpportunityError::AccessDeniedException(_)),
        "{error:?}"
    );
    fake.fail_next_op("UpdateOpportunity", 1, PartnerCentralFault::Conflict);
    let fresh = last_modified(&no_retry, &id).await;
    let error = Spec::valid()
        .update(&no_retry, &id, fresh)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, UpdateOpportunityError::ConflictException(_)),
        "{error:?}"
    );
    Spec::valid()
        .update(&no_retry, &id, fresh)
        .send()
        .await
        .expect("fault consumed");
}

#[tokio::test]
async fn unknown_opportunities_are_not_found() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, _) = create_valid(&client, "nf").await;
    for (catalog, identifier) in [("Sandbox", "O9999999999"), ("AWS", id.as_str())] {
        let error = client
            .get_opportunity()
            .catalog(catalog)
            .identifier(identifier)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(
            matches!(error, GetOpportunityError::ResourceNotFoundException(_)),
            "{error:?}"
        );
    }
    let error = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier("deal-7")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(error, GetOpportunityError::ValidationException(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn list_filters_by_company_name_and_pages() {
    let fake = unthrottled().await;
    let client = fake.client();
    for (token, company) in [("a", "Acme"), ("b", "Bluefin"), ("c", "Acme")] {
        let mut spec = Spec::valid();
        spec.company = company.into();
        spec.partner_id = Some(format!("deal-{token}"));
        spec.create(&client, token).send().await.unwrap();
    }
    let page = |next: Option<String>| {
        client
            .list_opportunities()
            .catalog("Sandbox")
            .max_results(1)
            .customer_company_name("Acme")
            .set_next_token(next)
            .send()
    };
    let first = page(None).await.unwrap();
    let second = page(first.next_token().map(str::to_owned)).await.unwrap();
    assert_eq!(second.next_token(), None, "two Acme opportunities");
    let mut seen: Vec<&str> = first
        .opportunity_summaries()
        .iter()
        .chain(second.opportunity_summaries())
        .filter_map(|s| s.partner_opportunity_identifier())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, ["deal-a", "deal-c"]);

    // A filter the sandbox does not serve fails loudly instead of answering unfiltered.
    let error = client
        .list_opportunities()
        .catalog("Sandbox")
        .created_date(CreatedDateFilter::builder().build())
        .send()
        .await
        .unwrap_err();
    let message = format!("{:?}", error.into_service_error());
    assert!(
        message.contains("UnknownOperationException") && message.contains("CreatedDate"),
        "{message}"
    );
}

#[tokio::test]
async fn the_wire_protocol_is_checked() {
    let fake = unthrottled().await;
    let base = fake.base_url();
    let get = r#"{"Catalog":"Sandbox","Identifier":"O4000000001"}"#;
    let (status, body, _) = raw(&base, "AWSPartnerCentralSelling.GetOpportunity", None, get).await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (403, Some("MissingAuthenticationTokenException"))
    );
    let wrong_scope = SIGNED.replace("partnercentral-selling", "partnercentral");
    let (status, body, _) = raw(
        &base,
        "AWSPartnerCentralSelling.GetOpportunity",
        Some(&wrong_scope),
        get,
    )
    .await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (403, Some("InvalidSignatureException"))
    );
    let (status, body, _) = raw(
        &base,
        "AWSPartnerCentralSelling.ListSolutions",
        Some(SIGNED),
        r#"{"Catalog":"Sandbox"}"#,
    )
    .await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );

    // The SDK always fills ClientToken in; a hand-rolled client might not.
    let (status, body, error_type) = raw(
        &base,
        "AWSPartnerCentralSelling.CreateOpportunity",
        Some(SIGNED),
        r#"{"Catalog":"Sandbox"}"#,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_type.as_deref(), Some("ValidationException"));
    assert_eq!(body["__type"], "ValidationException");
    assert_eq!(body["Reason"], "REQUEST_VALIDATION_FAILED");
    let names: Vec<&str> = body["ErrorList"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["FieldName"].as_str())
        .collect();
    assert_eq!(names, ["ClientToken", "Customer.Account.CompanyName"]);
    assert!(
        body["ErrorList"][0]["Code"] == "REQUIRED_FIELD_MISSING"
            && body["ErrorList"][0]["Message"].is_string()
    );
}
