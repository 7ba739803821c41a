#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::{Deal, Note};
use crate::settings::Catalog;

pub(super) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

pub(super) fn deal(props: &[(&str, &str)]) -> Deal {
    let mut record = CrmRecord::new("101");
    for (k, v) in props {
        record = record.with(k, v);
    }
    Deal {
        record,
        company_ids: vec!["201".into()],
        contact_ids: vec![],
        note_ids: vec![],
    }
}

pub(super) fn company() -> CrmRecord {
    CrmRecord::new("201")
        .with("name", "Acme Corp")
        .with("domain", "acme.example")
        .with("industry", "COMPUTER_SOFTWARE")
        .with("address", "1 Main St")
        .with("city", "Seattle")
        .with("state", "WA")
        .with("zip", "98101")
        .with("country", "United States")
}

pub(super) fn snapshot(deal_props: &[(&str, &str)]) -> DealSnapshot {
    DealSnapshot {
        deal: deal(deal_props),
        company: Some(company()),
        contacts: vec![],
        notes: vec![],
    }
}

pub(super) fn settings() -> SyncSettings {
    SyncSettings::new(Catalog::Sandbox)
}

pub(super) fn map(s: &DealSnapshot) -> Desired {
    desired_opportunity(s, &settings(), today()).unwrap()
}

pub(super) const BASE: [(&str, &str); 5] = [
    ("dealname", "Migration #AWS"),
    ("dealstage", "qualifiedtobuy"),
    ("amount", "12000"),
    ("closedate", "2027-02-01T00:00:00Z"),
    (
        "description",
        "Move the on-premises ERP to AWS before the lease ends.",
    ),
];

#[test]
fn complete_deal_maps_every_field() {
    let d = map(&snapshot(&BASE));
    let f = &d.fields;
    assert_eq!(f.partner_opportunity_identifier, "101");
    assert_eq!(f.opportunity_type, "Net New Business");
    assert_eq!(f.primary_needs_from_aws, ["Co-Sell - Deal Support"]);
    assert_eq!(f.account.company_name, "Acme Corp");
    assert_eq!(
        f.account.website_url.as_deref(),
        Some("https://acme.example")
    );
    assert_eq!(f.account.industry.as_deref(), Some("Software and Internet"));
    assert_eq!(f.account.other_industry, None);
    assert_eq!(f.account.address.country_code.as_deref(), Some("US"));
    assert_eq!(
        f.account.address.state_or_region.as_deref(),
        Some("Washington")
    );
    assert_eq!(f.account.address.postal_code.as_deref(), Some("98101"));
    assert_eq!(f.account.address.city.as_deref(), Some("Seattle"));
    assert_eq!(
        f.account.address.street_address.as_deref(),
        Some("1 Main St")
    );
    assert_eq!(f.project.title, "Migration");
    assert_eq!(
        f.project.customer_business_problem,
        "Move the on-premises ERP to AWS before the lease ends."
    );
    assert_eq!(
        f.project.customer_use_case.as_deref(),
        Some(DEFAULT_USE_CASE)
    );
    assert_eq!(f.project.delivery_models, ["Other"]);
    assert_eq!(
        f.project.sales_activities,
        [
            "Customer has shown interest in solution",
            "Initialized discussions with customer"
        ]
    );
    assert_eq!(
        f.project.expected_customer_spend,
        [Spend {
            amount: "12000".into(),
            currency_code: "USD".into(),
            frequency: "Monthly".into(),
            target_company: "AWS".into()
        }]
    );
    assert_eq!(f.life_cycle.stage, "Qualified");
    assert_eq!(f.life_cycle.target_close_date, "2027-02-01");
    assert_eq!(f.life_cycle.next_steps, None);
    assert_eq!(f.life_cycle.closed_lost_reason, None);
    assert!(d.adjustments.is_empty(), "{:?}", d.adjustments);
}

#[test]
fn mapping_is_deterministic() {
    let s = snapshot(&BASE);
    assert_eq!(map(&s), map(&s));
}

#[test]
fn trigger_rules() {
    let named = |n: &str| CrmRecord::new("1").with("dealname", n);
    assert!(is_triggered(&named("Big deal #AWS"), &SyncTrigger::NameTag));
    assert!(is_triggered(&named("#aws big deal"), &SyncTrigger::NameTag));
    assert!(is_triggered(&named("x #Aws y"), &SyncTrigger::NameTag));
    assert!(!is_triggered(&named("AWS deal"), &SyncTrigger::NameTag));
    assert!(!is_triggered(&CrmRecord::new("1"), &SyncTrigger::NameTag));
    let prop = SyncTrigger::Property("aws_co_sell".into());
    assert!(is_triggered(
        &CrmRecord::new("1").with("aws_co_sell", "true"),
        &prop
    ));
    assert!(is_triggered(
        &CrmRecord::new("1").with("aws_co_sell", "TRUE"),
        &prop
    ));
    assert!(!is_triggered(
        &CrmRecord::new("1").with("aws_co_sell", "false"),
        &prop
    ));
    assert!(
        !is_triggered(&named("x #AWS"), &prop),
        "the name tag does not count in property mode"
    );
    assert_eq!(
        deal_properties(&prop).last().map(String::as_str),
        Some("aws_co_sell")
    );
    let name_tag = deal_properties(&SyncTrigger::NameTag);
    assert_eq!(
        name_tag.len(),
        DEAL_PROPERTIES.len() + events::SYNC_OWNED_PROPERTIES.len()
    );
    assert!(name_tag.iter().any(|p| p == "aws_opportunity_id"));
}

#[test]
fn stage_map_default_override_and_unknown() {
    for (hubspot, pc) in crate::settings::DEFAULT_STAGE_MAP {
        let mut props = BASE.to_vec();
        props[1] = ("dealstage", hubspot);
        assert_eq!(map(&snapshot(&props)).fields.life_cycle.stage, pc);
    }
    let mut custom = settings();
    custom
        .stage_map
        .insert("custom1".into(), "Committed".into());
    let mut props = BASE.to_vec();
    props[1] = ("dealstage", "custom1");
    let d = desired_opportunity(&snapshot(&props), &custom, today()).unwrap();
    assert_eq!(d.fields.life_cycle.stage, "Committed");
    let err = desired_opportunity(&snapshot(&props), &settings(), today()).unwrap_err();
    assert!(err.to_string().contains("custom1"), "{err}");
    let no_stage: Vec<_> = BASE
        .iter()
        .copied()
        .filter(|(k, _)| *k != "dealstage")
        .collect();
    assert_eq!(
        map(&snapshot(&no_stage)).fields.life_cycle.stage,
        "Prospect"
    );
}

#[test]
fn closed_lost_carries_a_reason() {
    let mut props = BASE.to_vec();
    props[1] = ("dealstage", "closedlost");
    let d = map(&snapshot(&props));
    assert_eq!(
        d.fields.life_cycle.closed_lost_reason.as_deref(),
        Some("Other")
    );
    assert_eq!(
        d.fields.project.sales_activities,
        ["Initialized discussions with customer"]
    );
    props.push(("aws_closed_lost_reason", "price"));
    assert_eq!(
        map(&snapshot(&props))
            .fields
            .life_cycle
            .closed_lost_reason
            .as_deref(),
        Some("Price")
    );
    props.pop();
    props.push(("aws_closed_lost_reason", "lost to competitor - vmware"));
    assert_eq!(
        map(&snapshot(&props))
            .fields
            .life_cycle
            .closed_lost_reason
            .as_deref(),
        Some("Lost to Competitor - VMWare"),
        "every ClosedLostReason the API accepts"
    );
}

#[test]
fn sales_activities_accumulate_with_the_stage() {
    assert_eq!(sales_activities("Prospect").len(), 1);
    assert_eq!(sales_activities("Technical Validation").len(), 3);
    let launched = sales_activities("Launched");
    assert_eq!(launched.len(), 8);
    let mut sorted = launched.clone();
    sorted.sort();
    assert_eq!(launched, sorted);
    let known = aws_sdk_partnercentralselling::types::SalesActivity::values();
    assert!(
        launched.iter().all(|a| known.contains(&a.as_str())),
        "{launched:?}"
    );
}

#[test]
fn title_drops_the_tag_and_respects_the_limit() {
    let tag = SyncTrigger::NameTag;
    assert_eq!(title(Some("ERP  move #AWS"), "1", &tag), "ERP move");
    assert_eq!(title(Some("#aws ERP #AWS move"), "1", &tag), "ERP move");
    assert_eq!(title(Some("#AWS"), "9", &tag), "HubSpot deal 9");
    assert_eq!(title(None, "9", &tag), "HubSpot deal 9");
    assert_eq!(
        title(Some("Keep #AWS"), "1", &SyncTrigger::Property("p".into())),
        "Keep #AWS"
    );
    let exactly = "t".repeat(TITLE_MAX);
    assert_eq!(title(Some(&exactly), "1", &tag), exactly);
    let long = title(Some(&format!("{exactly} more")), "1", &tag);
    assert_eq!(long.chars().count(), TITLE_MAX);
    assert!(long.ends_with('…'));
}

#[test]
fn business_problem_limits() {
    assert_eq!(
        business_problem(Some("Too short"), "5"),
        "Too short (see HubSpot deal 5)"
    );
    let nineteen = "a".repeat(19);
    assert!(business_problem(Some(&nineteen), "5").chars().count() >= BUSINESS_PROBLEM_MIN);
    let twenty = "b".repeat(20);
    assert_eq!(
        business_problem(Some(&twenty), "5"),
        twenty,
        "20 is allowed as is"
    );
    let max = "c".repeat(BUSINESS_PROBLEM_MAX);
    assert_eq!(
        business_problem(Some(&max), "5"),
        max,
        "2000 is allowed as is"
    );
    let over = format!("{} word", "d ".repeat(1000));
    let cut = business_problem(Some(&over), "5");
    assert!(cut.chars().count() <= BUSINESS_PROBLEM_MAX);
    assert!(cut.ends_with('…'));
    let empty = business_problem(None, "5");
    assert!(empty.chars().count() >= BUSINESS_PROBLEM_MIN && empty.contains('5'));
    assert_eq!(
        business_problem(Some("<p>Needs <b>HA</b> database hosting</p>"), "5"),
        "Needs HA database hosting"
    );
    // aws_business_problem wins over description
    let mut props = BASE.to_vec();
    props.push((
        "aws_business_problem",
        "Customer needs disaster recovery in a second region.",
    ));
    assert!(
        map(&snapshot(&props))
            .fields
            .project
            .customer_business_problem
            .starts_with("Customer needs disaster")
    );
}

#[test]
fn amount_and_currency() {
    let mut props = BASE.to_vec();
    props[2] = ("amount", "1234.567");
    props.push(("deal_currency_code", "eur"));
    let spend = &map(&snapshot(&props))
        .fields
        .project
        .expected_customer_spend[0];
    assert_eq!(
        (spend.amount.as_str(), spend.currency_code.as_str()),
        ("1234.57", "EUR")
    );
    let mut euros = settings();
    euros.default_currency = "GBP".into();
    let d = desired_opportunity(&snapshot(&BASE), &euros, today()).unwrap();
    assert_eq!(
        d.fields.project.expected_customer_spend[0].currency_code,
        "GBP"
    );
    let mut monthly = BASE.to_vec();
    monthly.push(("aws_monthly_spend", "500"));
    assert_eq!(
        map(&snapshot(&monthly))
            .fields
            .project
            .expected_customer_spend[0]
            .amount,
        "500"
    );
    let no_amount: Vec<_> = BASE
        .iter()
        .copied()
        .filter(|(k, _)| *k != "amount")
        .collect();
    let d = map(&snapshot(&no_amount));
    assert_eq!(d.fields.project.expected_customer_spend[0].amount, "0");
    assert!(d.adjustments.iter().any(|a| a.contains("amount")));
    let mut bad = BASE.to_vec();
    bad[2] = ("amount", "-5");
    bad.push(("deal_currency_code", "XXX1"));
    let err = desired_opportunity(&snapshot(&bad), &settings(), today()).unwrap_err();
    assert_eq!(err.0.len(), 2, "{err}");
    assert!(err.to_string().contains("amount") && err.to_string().contains("deal_currency_code"));
}

#[test]
fn close_date_is_clamped_and_reported() {
    let mut props = BASE.to_vec();
    props[3] = ("closedate", "2025-01-01T00:00:00Z");
    let d = map(&snapshot(&props));
    assert_eq!(d.fields.life_cycle.target_close_date, "2026-12-23");
    assert!(
        d.adjustments
            .iter()
            .any(|a| a.contains("TargetCloseDate set to 2026-12-23")),
        "{:?}",
        d.adjustments
    );
}

#[test]
fn multi_selects_and_enums_from_deal_properties() {
    let mut props = BASE.to_vec();
    props.push(("aws_delivery_models", "Resell;saas or paas;Bogus;Resell"));
    props.push((
        "aws_primary_needs",
        "Architectural Validation;co-sell - pricing assistance",
    ));
    props.push(("aws_use_case", "containers & serverless"));
    props.push(("aws_opportunity_type", "expansion"));
    let f = map(&snapshot(&props)).fields;
    assert_eq!(f.project.delivery_models, ["Resell", "SaaS or PaaS"]);
    assert_eq!(
        f.primary_needs_from_aws,
        [
            "Co-Sell - Architectural Validation",
            "Co-Sell - Pricing Assistance"
        ]
    );
    assert_eq!(
        f.project.customer_use_case.as_deref(),
        Some("Containers & Serverless")
    );
    assert_eq!(f.opportunity_type, "Expansion");
    let mut junk = BASE.to_vec();
    junk.push(("aws_delivery_models", ";;"));
    junk.push(("aws_use_case", "Teleportation"));
    junk.push(("aws_opportunity_type", "Renewal-ish"));
    let f = map(&snapshot(&junk)).fields;
    assert_eq!(f.project.delivery_models, [DEFAULT_DELIVERY_MODEL]);
    assert_eq!(
        f.project.customer_use_case.as_deref(),
        Some(DEFAULT_USE_CASE)
    );
    assert_eq!(f.opportunity_type, DEFAULT_OPPORTUNITY_TYPE);
}

#[test]
fn defaults_are_values_the_api_accepts() {
    use aws_sdk_partnercentralselling::types::Stage;
    assert!(DeliveryModel::values().contains(&DEFAULT_DELIVERY_MODEL));
    assert!(PrimaryNeedFromAws::values().contains(&DEFAULT_PRIMARY_NEED));
    assert!(OpportunityType::values().contains(&DEFAULT_OPPORTUNITY_TYPE));
    assert!(CUSTOMER_USE_CASES.contains(&DEFAULT_USE_CASE));
    assert!(ClosedLostReason::values().contains(&DEFAULT_CLOSED_LOST_REASON));
    for (hubspot, stage) in crate::settings::DEFAULT_STAGE_MAP {
        assert!(Stage::values().contains(&stage), "{hubspot} → {stage}");
    }
}

#[test]
fn next_steps_newest_first_and_limited() {
    let note = |id: &str, day: u32, body: &str| Note {
        id: id.into(),
        body: body.into(),
        timestamp: Some(Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap()),
    };
    let mut s = snapshot(&BASE);
    s.notes = vec![
        note("1", 1, "<p>Kick-off held</p>"),
        note("3", 20, "<p>Send SOW &amp; pricing</p>"),
        note("2", 10, "Demo done"),
        note("4", 21, "   "),
        note(
            "5",
            22,
            "AWS Partner Central sync: this deal's title would now be …",
        ),
    ];
    assert_eq!(
        next_steps(&s).as_deref(),
        Some("Send SOW & pricing | Demo done | Kick-off held")
    );
    s.notes = vec![note("1", 1, &"word ".repeat(100)), note("2", 2, "latest")];
    let n = next_steps(&s).unwrap();
    assert!(n.starts_with("latest | word"));
    assert!(n.chars().count() <= NEXT_STEPS_MAX && n.ends_with('…'));
    s.notes = vec![note("1", 1, &"x".repeat(NEXT_STEPS_MAX))];
    assert_eq!(
        next_steps(&s).unwrap().chars().count(),
        NEXT_STEPS_MAX,
        "exactly 255 is kept"
    );
    s.notes.clear();
    assert_eq!(next_steps(&s), None);
}
