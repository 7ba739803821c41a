//! Shape rules: types, enums, lengths, patterns and schema-required members.

use serde_json::{Map, Value};

use aws_sdk_partnercentralselling::types as sdk;

use super::{Report, array, child, list_of, missing, obj, one_of, string, text};
use crate::partner_central::formats;
use crate::partner_central::formats::US_STATES;
use crate::partner_central::protocol::Code;

use super::project::{lifecycle, marketing_and_revenue, project};

/// `Catalog` is required everywhere.
pub(crate) fn catalog<'a>(r: &mut Report, body: &'a Map<String, Value>) -> Option<&'a str> {
    let value = one_of(r, body, "Catalog", "Catalog", &formats::CATALOGS);
    if value.is_none() && child(body, "Catalog").is_none() {
        r.request("Catalog", Code::RequiredFieldMissing, "Catalog is required");
    }
    value
}

pub(crate) fn contact(r: &mut Report, c: &Map<String, Value>, path: &str) {
    if let Some(email) = text(r, c, "Email", &format!("{path}.Email"), 80)
        && !formats::is_email(email)
    {
        r.request(
            format!("{path}.Email"),
            Code::InvalidStringFormat,
            format!("{path}.Email \"{email}\" is not a valid (lower-case) email address"),
        );
    }
    for key in ["FirstName", "LastName", "BusinessTitle"] {
        text(r, c, key, &format!("{path}.{key}"), 80);
    }
    if let Some(phone) = text(r, c, "Phone", &format!("{path}.Phone"), 40)
        && !formats::is_e164(phone)
    {
        r.request(
            format!("{path}.Phone"),
            Code::InvalidStringFormat,
            format!("{path}.Phone \"{phone}\" must match \\+[1-9]\\d{{1,14}} (E.164, no spaces)"),
        );
    }
}

fn contacts(
    r: &mut Report,
    parent: &Map<String, Value>,
    key: &str,
    path: &str,
    max: Option<usize>,
) {
    let Some(items) = array(r, parent, key, path) else {
        return;
    };
    if let Some(max) = max.filter(|max| items.len() > *max) {
        r.request(
            path,
            Code::TooManyValues,
            format!(
                "{path} accepts at most {max} contacts (got {})",
                items.len()
            ),
        );
    }
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match item {
            Value::Object(c) => contact(r, c, &item_path),
            _ => r.request(
                &item_path,
                Code::InvalidValue,
                format!("{item_path} must be an object"),
            ),
        }
    }
}

fn customer(r: &mut Report, body: &Map<String, Value>) {
    let account = obj(r, body, "Customer", "Customer").and_then(|customer| {
        contacts(r, customer, "Contacts", "Customer.Contacts", None);
        obj(r, customer, "Account", "Customer.Account")
    });
    let Some(account) = account else {
        r.request(
            "Customer.Account.CompanyName",
            Code::RequiredFieldMissing,
            "Customer.Account.CompanyName is required",
        );
        return;
    };
    let company = text(
        r,
        account,
        "CompanyName",
        "Customer.Account.CompanyName",
        120,
    );
    if missing(company) {
        r.request(
            "Customer.Account.CompanyName",
            Code::RequiredFieldMissing,
            "Customer.Account.CompanyName is required",
        );
    }
    one_of(
        r,
        account,
        "Industry",
        "Customer.Account.Industry",
        sdk::Industry::values(),
    );
    text(
        r,
        account,
        "OtherIndustry",
        "Customer.Account.OtherIndustry",
        255,
    );
    if let Some(url) = string(r, account, "WebsiteUrl", "Customer.Account.WebsiteUrl")
        && !formats::is_website(url)
    {
        r.request(
            "Customer.Account.WebsiteUrl",
            Code::InvalidStringFormat,
            format!("Customer.Account.WebsiteUrl \"{url}\" is not a valid website URL"),
        );
    }
    if let Some(id) = string(r, account, "AwsAccountId", "Customer.Account.AwsAccountId")
        && !formats::is_digits(id, 12)
    {
        r.request(
            "Customer.Account.AwsAccountId",
            Code::InvalidStringFormat,
            "Customer.Account.AwsAccountId must be 12 digits",
        );
    }
    if let Some(duns) = string(r, account, "Duns", "Customer.Account.Duns")
        && !formats::is_digits(duns, 9)
    {
        r.request(
            "Customer.Account.Duns",
            Code::InvalidStringFormat,
            "Customer.Account.Duns must be 9 digits",
        );
    }
    if let Some(address) = obj(r, account, "Address", "Customer.Account.Address") {
        let country = one_of(
            r,
            address,
            "CountryCode",
            "Customer.Account.Address.CountryCode",
            sdk::CountryCode::values(),
        );
        text(r, address, "City", "Customer.Account.Address.City", 255);
        text(
            r,
            address,
            "PostalCode",
            "Customer.Account.Address.PostalCode",
            20,
        );
        text(
            r,
            address,
            "StreetAddress",
            "Customer.Account.Address.StreetAddress",
            255,
        );
        if country == Some(sdk::CountryCode::Us.as_str()) {
            one_of(
                r,
                address,
                "StateOrRegion",
                "Customer.Account.Address.StateOrRegion",
                US_STATES,
            );
        } else {
            text(
                r,
                address,
                "StateOrRegion",
                "Customer.Account.Address.StateOrRegion",
                255,
            );
        }
    }
}

/// Shape rules shared by create and update (the partner-owned members).
pub(crate) fn payload_shape(r: &mut Report, body: &Map<String, Value>) {
    list_of(
        r,
        body,
        "PrimaryNeedsFromAws",
        "PrimaryNeedsFromAws",
        sdk::PrimaryNeedFromAws::values(),
    );
    one_of(
        r,
        body,
        "NationalSecurity",
        "NationalSecurity",
        sdk::NationalSecurity::values(),
    );
    text(
        r,
        body,
        "PartnerOpportunityIdentifier",
        "PartnerOpportunityIdentifier",
        64,
    );
    one_of(
        r,
        body,
        "OpportunityType",
        "OpportunityType",
        sdk::OpportunityType::values(),
    );
    customer(r, body);
    project(r, body);
    lifecycle(r, body);
    marketing_and_revenue(r, body);
}

/// CreateOpportunity-only members.
pub(crate) fn create_shape(r: &mut Report, body: &Map<String, Value>) {
    if missing(string(r, body, "ClientToken", "ClientToken")) {
        r.request(
            "ClientToken",
            Code::RequiredFieldMissing,
            "ClientToken is required",
        );
    }
    one_of(
        r,
        body,
        "Origin",
        "Origin",
        sdk::OpportunityOrigin::values(),
    );
    contacts(r, body, "OpportunityTeam", "OpportunityTeam", Some(2));
}
