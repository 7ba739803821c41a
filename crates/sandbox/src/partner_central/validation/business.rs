//! Business rules, run only on payloads that passed the shape rules.

use aws_sdk_partnercentralselling::types::{
    CompetitorName, CountryCode, Industry, NationalSecurity, Stage,
};
use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::Report;
use crate::partner_central::formats::{self, NO_POSTAL_CODE_COUNTRIES, SPEND_CURRENCIES};
use crate::partner_central::protocol::Code;

fn str_at<'a>(body: &'a Map<String, Value>, path: &[&str]) -> Option<&'a str> {
    let (last, parents) = path.split_last()?;
    let mut node = body;
    for key in parents {
        node = node.get(*key)?.as_object()?;
    }
    node.get(*last)?.as_str().filter(|s| !s.trim().is_empty())
}

fn non_empty_list(body: &Map<String, Value>, path: &[&str]) -> Option<bool> {
    let (last, parents) = path.split_last()?;
    let mut node = body;
    for key in parents {
        node = node.get(*key)?.as_object()?;
    }
    Some(node.get(*last)?.as_array()?.is_empty()).map(|empty| !empty)
}

/// Business rules; run only on payloads that passed the shape pass. The fields AWS needs for
/// submission are demanded on every create and update, so an incomplete mapping fails at the
/// first write rather than at a later submission.
pub(crate) fn business(r: &mut Report, body: &Map<String, Value>, today: NaiveDate) {
    let industry = str_at(body, &["Customer", "Account", "Industry"]);
    let country = str_at(body, &["Customer", "Account", "Address", "CountryCode"]);
    let national_security =
        str_at(body, &["NationalSecurity"]) == Some(NationalSecurity::Yes.as_str());
    let stage = str_at(body, &["LifeCycle", "Stage"]);

    submission_fields(r, body, country, national_security);

    if let Some(date) = str_at(body, &["LifeCycle", "TargetCloseDate"]).and_then(formats::iso_date)
    {
        // A launched or lost opportunity legitimately closed in the past.
        let closed = [Stage::Launched, Stage::ClosedLost]
            .iter()
            .any(|s| stage == Some(s.as_str()));
        if date < today && !closed {
            r.business(
                "LifeCycle.TargetCloseDate",
                Code::InvalidValue,
                format!("LifeCycle.TargetCloseDate {date} is in the past (today is {today})"),
            );
        }
    }
    if industry == Some(Industry::Other.as_str())
        && str_at(body, &["Customer", "Account", "OtherIndustry"]).is_none()
    {
        r.business(
            "Customer.Account.OtherIndustry",
            Code::RequiredFieldMissing,
            "Customer.Account.OtherIndustry is required when Industry is Other",
        );
    }
    if national_security && industry != Some(Industry::Government.as_str()) {
        r.business(
            "NationalSecurity",
            Code::InvalidValue,
            "NationalSecurity can be Yes only when Customer.Account.Industry is Government",
        );
    }
    if stage == Some(Stage::ClosedLost.as_str())
        && str_at(body, &["LifeCycle", "ClosedLostReason"]).is_none()
    {
        r.business(
            "LifeCycle.ClosedLostReason",
            Code::RequiredFieldMissing,
            "LifeCycle.ClosedLostReason is required when Stage is Closed Lost",
        );
    }
    if str_at(body, &["Project", "OtherCompetitorNames"]).is_some()
        && str_at(body, &["Project", "CompetitorName"]) != Some(CompetitorName::Other.as_str())
    {
        r.business(
            "Project.OtherCompetitorNames",
            Code::InvalidValue,
            "Project.OtherCompetitorNames is only allowed when CompetitorName is *Other",
        );
    }
    spends(r, body);
}

fn submission_fields(
    r: &mut Report,
    body: &Map<String, Value>,
    country: Option<&str>,
    national_security: bool,
) {
    let mut required: Vec<&[&str]> = vec![
        &["Customer", "Account", "Industry"],
        &["Customer", "Account", "Address", "CountryCode"],
        &["Project", "Title"],
        &["Project", "CustomerBusinessProblem"],
        &["Project", "CustomerUseCase"],
        &["LifeCycle", "TargetCloseDate"],
        &["LifeCycle", "Stage"],
    ];
    // "required in all cases except when the opportunity is related to national security"
    if !national_security {
        required.push(&["Customer", "Account", "WebsiteUrl"]);
    }
    if country.is_some_and(|c| !NO_POSTAL_CODE_COUNTRIES.contains(&c)) {
        required.push(&["Customer", "Account", "Address", "PostalCode"]);
    }
    if country == Some(CountryCode::Us.as_str()) {
        required.push(&["Customer", "Account", "Address", "StateOrRegion"]);
    }
    for path in required {
        if str_at(body, path).is_none() {
            let field = path.join(".");
            r.business(
                &field,
                Code::RequiredFieldMissing,
                format!("{field} is required"),
            );
        }
    }
    for path in [
        &["Project", "DeliveryModels"][..],
        &["Project", "SalesActivities"],
        &["Project", "ExpectedCustomerSpend"],
        &["PrimaryNeedsFromAws"],
    ] {
        let field = path.join(".");
        match non_empty_list(body, path) {
            Some(true) => {}
            Some(false) => r.business(
                &field,
                Code::NotEnoughValues,
                format!("{field} needs at least one value"),
            ),
            None => r.business(
                &field,
                Code::RequiredFieldMissing,
                format!("{field} is required"),
            ),
        }
    }
}

fn spends(r: &mut Report, body: &Map<String, Value>) {
    let project = body.get("Project").and_then(Value::as_object);
    let has_duration = project.is_some_and(|p| {
        p.get("ExpectedContractDuration")
            .is_some_and(|d| !d.is_null())
    });
    let spends = project
        .and_then(|p| p.get("ExpectedCustomerSpend"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, spend) in spends.iter().enumerate() {
        if let Some(code) = spend.get("CurrencyCode").and_then(Value::as_str)
            && !SPEND_CURRENCIES.contains(&code)
        {
            r.business(
                format!("Project.ExpectedCustomerSpend[{i}].CurrencyCode"),
                Code::InvalidValue,
                format!("CurrencyCode {code} is not accepted; use USD or EUR"),
            );
        }
        let target = spend.get("TargetCompany").and_then(Value::as_str);
        if has_duration && !matches!(target, Some("AWS" | "Self")) {
            r.business(
                format!("Project.ExpectedCustomerSpend[{i}].TargetCompany"),
                Code::InvalidValue,
                "TargetCompany must be AWS or Self when ExpectedContractDuration is present",
            );
        }
    }
}

/// "When ExpectedContractDuration is not present, only AWS is accepted and any other value will
/// be automatically set to AWS": the stored (and later read) value differs from what was sent.
pub(crate) fn normalize(body: &mut Map<String, Value>) {
    let Some(Value::Object(project)) = body.get_mut("Project") else {
        return;
    };
    if project
        .get("ExpectedContractDuration")
        .is_some_and(|d| !d.is_null())
    {
        return;
    }
    if let Some(Value::Array(spends)) = project.get_mut("ExpectedCustomerSpend") {
        for spend in spends {
            if let Value::Object(spend) = spend {
                spend.insert("TargetCompany".into(), Value::String("AWS".into()));
            }
        }
    }
}
