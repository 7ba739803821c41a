//! Every field rule answers a ValidationException whose ErrorList names the field, as seen
//! through the real SDK client.

use aws_sdk_partnercentralselling::types::{ReviewStatus, ValidationExceptionReason};

use crate::common::partner_central::{
    Person, Spec, create_valid, create_validation, fields, review_status, unthrottled,
    update_validation,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pass {
    Request,
    Business,
}

struct Case {
    name: &'static str,
    field: &'static str,
    code: &'static str,
    pass: Pass,
    break_it: fn(&mut Spec),
}

fn text(n: usize) -> String {
    "x".repeat(n)
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Pass::{Business, Request};
    let case = |name, field, code, pass, break_it| Case { name, field, code, pass, break_it };
    vec![
        case("catalog outside AWS|Sandbox", "Catalog", "INVALID_ENUM_VALUE", Request, |s| s.catalog = "Production".into()),
        case("AWS Referral in the AWS catalog", "Origin", "INVALID_VALUE", Business, |s| {
            s.catalog = "AWS".into();
            s.origin = Some("AWS Referral".into());
        }),
        case("empty company name", "Customer.Account.CompanyName", "REQUIRED_FIELD_MISSING", Request, |s| s.company = String::new()),
        case("company name over 120", "Customer.Account.CompanyName", "INVALID_STRING_FORMAT", Request, |s| s.company = text(121)),
        case("missing website", "Customer.Account.WebsiteUrl", "REQUIRED_FIELD_MISSING", Business, |s| s.website = None),
        case("website without a dot", "Customer.Account.WebsiteUrl", "INVALID_STRING_FORMAT", Request, |s| s.website = Some("acme".into())),
        case("HubSpot industry enum", "Customer.Account.Industry", "INVALID_ENUM_VALUE", Request, |s| s.industry = Some("COMPUTER_SOFTWARE".into())),
        case("missing industry", "Customer.Account.Industry", "REQUIRED_FIELD_MISSING", Business, |s| s.industry = None),
        case("Other industry without OtherIndustry", "Customer.Account.OtherIndustry", "REQUIRED_FIELD_MISSING", Business, |s| s.industry = Some("Other".into())),
        case("country name instead of ISO code", "Customer.Account.Address.CountryCode", "INVALID_ENUM_VALUE", Request, |s| s.country = Some("United States".into())),
        case("missing country", "Customer.Account.Address.CountryCode", "REQUIRED_FIELD_MISSING", Business, |s| s.country = None),
        case("missing postal code", "Customer.Account.Address.PostalCode", "REQUIRED_FIELD_MISSING", Business, |s| s.postal = None),
        case("US state abbreviation", "Customer.Account.Address.StateOrRegion", "INVALID_ENUM_VALUE", Request, |s| s.state = Some("WA".into())),
        case("US without state", "Customer.Account.Address.StateOrRegion", "REQUIRED_FIELD_MISSING", Business, |s| s.state = None),
        case("contact phone not E.164", "Customer.Contacts[0].Phone", "INVALID_STRING_FORMAT", Request, |s| s.contacts[0].phone = Some("+1 (206) 555-0142".into())),
        case("contact email with capitals", "Customer.Contacts[0].Email", "INVALID_STRING_FORMAT", Request, |s| s.contacts[0].email = Some("Priya.Raman@BluefinHealth.com".into())),
        case("title over 255", "Project.Title", "INVALID_STRING_FORMAT", Request, |s| s.title = Some(text(256))),
        case("missing title", "Project.Title", "REQUIRED_FIELD_MISSING", Business, |s| s.title = None),
        case("business problem under 20", "Project.CustomerBusinessProblem", "INVALID_STRING_FORMAT", Request, |s| s.problem = Some(text(19))),
        case("business problem over 2000", "Project.CustomerBusinessProblem", "INVALID_STRING_FORMAT", Request, |s| s.problem = Some(text(2001))),
        case("missing business problem", "Project.CustomerBusinessProblem", "REQUIRED_FIELD_MISSING", Business, |s| s.problem = None),
        case("free-text use case", "Project.CustomerUseCase", "INVALID_ENUM_VALUE", Request, |s| s.use_case = Some("Data lake".into())),
        case("missing use case", "Project.CustomerUseCase", "REQUIRED_FIELD_MISSING", Business, |s| s.use_case = None),
        case("unknown delivery model", "Project.DeliveryModels[0]", "INVALID_ENUM_VALUE", Request, |s| s.delivery = vec!["SaaS".into()]),
        case("no delivery model", "Project.DeliveryModels", "NOT_ENOUGH_VALUES", Business, |s| s.delivery.clear()),
        case("unknown sales activity", "Project.SalesActivities[0]", "INVALID_ENUM_VALUE", Request, |s| s.activities = vec!["Demo".into()]),
        case("no sales activity", "Project.SalesActivities", "NOT_ENOUGH_VALUES", Business, |s| s.activities.clear()),
        case("no expected spend", "Project.ExpectedCustomerSpend", "NOT_ENOUGH_VALUES", Business, |s| s.spends.clear()),
        case("amount with separator", "Project.ExpectedCustomerSpend[0].Amount", "INVALID_STRING_FORMAT", Request, |s| s.spends[0].amount = "20,000".into()),
        case("amount with 3 decimals", "Project.ExpectedCustomerSpend[0].Amount", "INVALID_STRING_FORMAT", Request, |s| s.spends[0].amount = "100.123".into()),
        case("amount with leading zero", "Project.ExpectedCustomerSpend[0].Amount", "INVALID_STRING_FORMAT", Request, |s| s.spends[0].amount = "0100".into()),
        case("currency not USD/EUR", "Project.ExpectedCustomerSpend[0].CurrencyCode", "INVALID_VALUE", Business, |s| s.spends[0].currency = "GBP".into()),
        case("currency not ISO", "Project.ExpectedCustomerSpend[0].CurrencyCode", "INVALID_ENUM_VALUE", Request, |s| s.spends[0].currency = "usd".into()),
        case("frequency not Monthly", "Project.ExpectedCustomerSpend[0].Frequency", "INVALID_ENUM_VALUE", Request, |s| s.spends[0].frequency = "Yearly".into()),
        case("empty target company", "Project.ExpectedCustomerSpend[0].TargetCompany", "REQUIRED_FIELD_MISSING", Request, |s| s.spends[0].target = String::new()),
        case("close date in the past", "LifeCycle.TargetCloseDate", "INVALID_VALUE", Business, |s| s.close_date = Some("2030-06-14".into())),
        case("close date not YYYY-MM-DD", "LifeCycle.TargetCloseDate", "INVALID_STRING_FORMAT", Request, |s| s.close_date = Some("09/30/2030".into())),
        case("close date with time", "LifeCycle.TargetCloseDate", "INVALID_STRING_FORMAT", Request, |s| s.close_date = Some("2030-09-30T00:00:00Z".into())),
        case("missing close date", "LifeCycle.TargetCloseDate", "REQUIRED_FIELD_MISSING", Business, |s| s.close_date = None),
        case("HubSpot stage name", "LifeCycle.Stage", "INVALID_ENUM_VALUE", Request, |s| s.stage = Some("closedwon".into())),
        case("missing stage", "LifeCycle.Stage", "REQUIRED_FIELD_MISSING", Business, |s| s.stage = None),
        case("closed lost without reason", "LifeCycle.ClosedLostReason", "REQUIRED_FIELD_MISSING", Business, |s| s.stage = Some("Closed Lost".into())),
        case("next steps over 255", "LifeCycle.NextSteps", "INVALID_STRING_FORMAT", Request, |s| s.next_steps = Some(text(256))),
        case("no primary need", "PrimaryNeedsFromAws", "NOT_ENOUGH_VALUES", Business, |s| s.needs.clear()),
        case("unknown primary need", "PrimaryNeedsFromAws[0]", "INVALID_ENUM_VALUE", Request, |s| s.needs = vec!["Co-Sell".into()]),
        case("partner id over 64", "PartnerOpportunityIdentifier", "INVALID_STRING_FORMAT", Request, |s| s.partner_id = Some(text(65))),
        case("three team members", "OpportunityTeam", "TOO_MANY_VALUES", Request, |s| s.team = vec![Person::default(), Person::default(), Person::default()]),
        case("national security outside Government", "NationalSecurity", "INVALID_VALUE", Business, |s| s.national_security = Some("Yes".into())),
        case("unknown opportunity type", "OpportunityType", "INVALID_ENUM_VALUE", Request, |s| s.opportunity_type = Some("New".into())),
    ]
}

#[tokio::test]
async fn the_unbroken_spec_is_accepted() {
    // Guards every case below: each breaks exactly one thing of a payload that passes.
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, _) = create_valid(&client, "baseline").await;
    assert_eq!(
        review_status(&client, &id).await,
        ReviewStatus::PendingSubmission
    );
}

#[tokio::test]
async fn every_create_rule_names_its_field() {
    let fake = unthrottled().await;
    let client = fake.client();
    let mut failures = Vec::new();
    for (i, case) in cases().into_iter().enumerate() {
        let mut spec = Spec::valid();
        (case.break_it)(&mut spec);
        let outcome = spec.create(&client, &format!("case-{i}")).send().await;
        let Err(error) = outcome else {
            failures.push(format!("{}: accepted", case.name));
            continue;
        };
        let v = create_validation(error);
        let expected_reason = match case.pass {
            Pass::Request => ValidationExceptionReason::RequestValidationFailed,
            Pass::Business => ValidationExceptionReason::BusinessValidationFailed,
        };
        let got = fields(&v);
        let named = got.iter().any(|(f, c)| f == case.field && c == case.code);
        if !named || v.reason() != &expected_reason || !v.message().contains(case.field) {
            failures.push(format!(
                "{}: want {} {} {:?}, got {:?} {got:?}",
                case.name,
                case.field,
                case.code,
                case.pass,
                v.reason()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rule(s) misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        fake.create_count(),
        0,
        "no rejected payload may create an opportunity"
    );
}

#[tokio::test]
async fn update_applies_the_same_rules() {
    let fake = unthrottled().await;
    let client = fake.client();
    let (id, modified) = create_valid(&client, "for-update").await;
    let mut spec = Spec::valid();
    spec.industry = Some("COMPUTER_SOFTWARE".into());
    spec.close_date = Some("2030-01-01".into());
    let v = update_validation(
        spec.update(&client, &id, modified)
            .send()
            .await
            .unwrap_err(),
    );
    // Shape errors are reported first; the past date is a business rule and waits.
    assert_eq!(
        v.reason(),
        &ValidationExceptionReason::RequestValidationFailed
    );
    assert_eq!(
        fields(&v),
        vec![(
            "Customer.Account.Industry".to_owned(),
            "INVALID_ENUM_VALUE".to_owned()
        )]
    );

    spec.industry = Some("Software and Internet".into());
    let v = update_validation(
        spec.update(&client, &id, modified)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        fields(&v),
        vec![(
            "LifeCycle.TargetCloseDate".to_owned(),
            "INVALID_VALUE".to_owned()
        )]
    );
    assert_eq!(fake.write_count("UpdateOpportunity"), 0);
}

#[tokio::test]
async fn closed_opportunities_may_carry_a_past_close_date() {
    let fake = unthrottled().await;
    let mut spec = Spec::valid();
    spec.stage = Some("Closed Lost".into());
    spec.closed_lost_reason = Some("Price".into());
    spec.close_date = Some("2030-01-31".into());
    spec.create(&fake.client(), "lost")
        .send()
        .await
        .expect("closed lost in the past is fine");
}
