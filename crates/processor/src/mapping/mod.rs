//! HubSpot deal + primary company + contacts + notes → the opportunity we want in Partner
//! Central. Pure: no I/O, `today` is passed in.

mod choices;
mod countries;
pub mod geo;
pub mod industry;
pub mod values;

use aws_sdk_partnercentralselling::types::{
    ClosedLostReason, DeliveryModel, OpportunityType, PrimaryNeedFromAws,
};
use chrono::NaiveDate;
use events::partner_central::CUSTOMER_USE_CASES;

use crate::domain::{
    Account, Address, CrmRecord, DealSnapshot, LifeCycle, OpportunityFields, Person, Project, Spend,
};
use crate::settings::{SyncSettings, SyncTrigger};

use choices::{pick_many, pick_one};

/// Field limits from the Partner Central API reference.
pub const TITLE_MAX: usize = 255;
pub const BUSINESS_PROBLEM_MIN: usize = 20;
pub const BUSINESS_PROBLEM_MAX: usize = 2000;
pub const NEXT_STEPS_MAX: usize = 255;
pub const COMPANY_NAME_MAX: usize = 120;
pub const CONTACT_FIELD_MAX: usize = 80;
pub const POSTAL_CODE_MAX: usize = 20;
/// The API reference sets no maximum on `Customer.Contacts`; five keeps the decision makers
/// without copying a whole buying committee into Partner Central.
pub const MAX_CUSTOMER_CONTACTS: usize = 5;
pub const NAME_TAG: &str = "#aws";
/// Notes the sync itself writes on deals start with this and are not copied into NextSteps.
pub const OWN_NOTE_PREFIX: &str = "AWS Partner Central sync:";

pub const DEFAULT_DELIVERY_MODEL: &str = "Other";
pub const DEFAULT_PRIMARY_NEED: &str = "Co-Sell - Deal Support";
pub const DEFAULT_USE_CASE: &str = "Migration/Database Migration";
pub const DEFAULT_OPPORTUNITY_TYPE: &str = "Net New Business";
pub const DEFAULT_CLOSED_LOST_REASON: &str = "Other";

/// The opportunity to write, plus what the mapping had to adjust (logged, not errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub fields: OpportunityFields,
    pub adjustments: Vec<String>,
    /// The deal's close date was missing or too early and TargetCloseDate was set to
    /// today + `close_date_min_days` instead.
    pub close_date_clamped: bool,
    /// The close date an *open* stage may carry: the deal's when it is far enough ahead, else
    /// the floor. Used when a won deal's Launched must wait for approval: its own (past) date
    /// would be refused on an open stage.
    pub open_close_date: String,
}

/// Why a deal cannot become an opportunity; each entry names the HubSpot property to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("; "))]
pub struct MappingError(pub Vec<String>);

/// Whether the deal asks to be synced (only consulted before an opportunity exists: a linked
/// deal keeps syncing even if the tag is removed later).
pub fn is_triggered(deal: &CrmRecord, trigger: &SyncTrigger) -> bool {
    match trigger {
        SyncTrigger::NameTag => deal
            .prop("dealname")
            .is_some_and(|n| n.to_lowercase().contains(NAME_TAG)),
        SyncTrigger::Property(name) => deal
            .prop(name)
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1")),
    }
}

/// The deal properties the mapping reads (and the trigger property, when configured).
pub const DEAL_PROPERTIES: [&str; 18] = [
    "dealname",
    "dealstage",
    "amount",
    "deal_currency_code",
    "closedate",
    "description",
    "aws_business_problem",
    "aws_use_case",
    "aws_delivery_models",
    "aws_primary_needs",
    "aws_opportunity_type",
    "aws_monthly_spend",
    "aws_closed_lost_reason",
    "aws_submit",
    "aws_involvement_type",
    "aws_visibility",
    "aws_invitation_decision",
    "aws_invitation_rejection_reason",
];

pub fn deal_properties(trigger: &SyncTrigger) -> Vec<String> {
    // The sync-owned properties are read too: they hold the link and the last sync state.
    let mut props: Vec<String> = DEAL_PROPERTIES
        .iter()
        .chain(events::SYNC_OWNED_PROPERTIES.iter())
        .map(|p| (*p).to_owned())
        .collect();
    if let SyncTrigger::Property(name) = trigger
        && !props.contains(name)
    {
        props.push(name.clone());
    }
    props
}

pub fn desired_opportunity(
    snapshot: &DealSnapshot,
    settings: &SyncSettings,
    today: NaiveDate,
) -> Result<Desired, MappingError> {
    let deal = &snapshot.deal;
    let mut problems = Vec::new();
    let mut adjustments = Vec::new();

    let account = match &snapshot.company {
        Some(company) => account(company, &mut adjustments),
        None => {
            problems.push(
                "the deal has no associated company (Customer.Account.CompanyName)".to_owned(),
            );
            Account::default()
        }
    };
    if snapshot.company.is_some() && account.company_name.is_empty() {
        problems.push("the company has no name (Customer.Account.CompanyName)".to_owned());
    }

    let currency = match deal.prop("deal_currency_code") {
        Some(raw) => values::currency(raw).unwrap_or_else(|| {
            problems.push(format!(
                "deal_currency_code {raw:?} is not an ISO 4217 currency"
            ));
            String::new()
        }),
        None => settings.default_currency.clone(),
    };
    let amount = match deal.prop("aws_monthly_spend").or(deal.prop("amount")) {
        Some(raw) => values::amount(raw).unwrap_or_else(|| {
            problems.push(format!("amount {raw:?} is not a non-negative number"));
            String::new()
        }),
        None => {
            adjustments.push("no amount on the deal: expected spend sent as 0".to_owned());
            "0".to_owned()
        }
    };

    let stage = match deal.prop("dealstage") {
        Some(s) => settings.stage_map.get(s).cloned().unwrap_or_else(|| {
            problems.push(format!(
                "dealstage {s:?} has no Partner Central stage (STAGE_MAP)"
            ));
            String::new()
        }),
        None => "Prospect".to_owned(),
    };
    // A won or lost deal closed on its own date, past or not: Partner Central accepts a past
    // TargetCloseDate on a Launched or Closed Lost opportunity, and the floor would invent one.
    let closing = stage == "Launched" || stage == "Closed Lost";
    let (open_close, open_clamped) = values::target_close_date(
        deal.prop("closedate"),
        today,
        u64::try_from(settings.close_date_min_days).unwrap_or(0),
    );
    let (close, clamped) = match deal.prop("closedate").and_then(values::parse_date) {
        Some(date) if closing => (date, false),
        _ => (open_close, open_clamped),
    };
    if clamped {
        adjustments.push(format!(
            "closedate {:?} is missing or earlier than today + {} days: TargetCloseDate set to {close}",
            deal.prop("closedate").unwrap_or(""),
            settings.close_date_min_days
        ));
    }
    let closed_lost_reason = (stage == "Closed Lost").then(|| {
        pick_one(
            deal.prop("aws_closed_lost_reason"),
            ClosedLostReason::values(),
        )
        .unwrap_or(DEFAULT_CLOSED_LOST_REASON)
        .to_owned()
    });

    if !problems.is_empty() {
        return Err(MappingError(problems));
    }

    let mut contacts: Vec<Person> = snapshot
        .contacts
        .iter()
        .map(|c| person(c, account.address.country_code.as_deref()))
        .filter(|p| p.email.is_some() || p.last_name.is_some())
        .collect();
    if contacts.len() > MAX_CUSTOMER_CONTACTS {
        adjustments.push(format!(
            "{} contacts on the deal: the first {MAX_CUSTOMER_CONTACTS} are sent",
            contacts.len()
        ));
        contacts.truncate(MAX_CUSTOMER_CONTACTS);
    }

    let fields = OpportunityFields {
        partner_opportunity_identifier: deal.id().to_owned(),
        opportunity_type: pick_one(deal.prop("aws_opportunity_type"), OpportunityType::values())
            .unwrap_or(DEFAULT_OPPORTUNITY_TYPE)
            .to_owned(),
        primary_needs_from_aws: pick_many(
            deal.prop("aws_primary_needs"),
            PrimaryNeedFromAws::values(),
            DEFAULT_PRIMARY_NEED,
        ),
        contacts,
        project: Project {
            title: title(deal.prop("dealname"), deal.id(), &settings.trigger),
            customer_business_problem: business_problem(
                deal.prop("aws_business_problem")
                    .or(deal.prop("description")),
                deal.id(),
            ),
            customer_use_case: Some(
                pick_one(deal.prop("aws_use_case"), &CUSTOMER_USE_CASES)
                    .unwrap_or(DEFAULT_USE_CASE)
                    .to_owned(),
            ),
            delivery_models: pick_many(
                deal.prop("aws_delivery_models"),
                DeliveryModel::values(),
                DEFAULT_DELIVERY_MODEL,
            ),
            sales_activities: sales_activities(&stage),
            expected_customer_spend: vec![Spend {
                amount,
                currency_code: currency,
                frequency: "Monthly".to_owned(),
                target_company: "AWS".to_owned(),
            }],
        },
        life_cycle: LifeCycle {
            stage,
            target_close_date: close.format("%Y-%m-%d").to_string(),
            next_steps: next_steps(snapshot),
            closed_lost_reason,
        },
        account,
    };
    Ok(Desired {
        fields,
        adjustments,
        close_date_clamped: clamped,
        open_close_date: open_close.format("%Y-%m-%d").to_string(),
    })
}

fn account(company: &CrmRecord, adjustments: &mut Vec<String>) -> Account {
    let name = company.prop("name").unwrap_or("");
    let (industry, other_industry) = match company.prop("industry") {
        Some(raw) => {
            let (pc, other) = industry::industry(raw);
            (Some(pc.to_owned()), other)
        }
        None => (None, None),
    };
    let country_code = company.prop("country").and_then(|raw| {
        let code = geo::country_code(raw);
        if code.is_none() {
            adjustments.push(format!(
                "company country {raw:?} is not a known country: not sent"
            ));
        }
        code
    });
    let state_or_region = company.prop("state").map(|raw| match country_code {
        Some("US") => geo::us_state(raw).map_or_else(|| raw.to_owned(), str::to_owned),
        _ => raw.to_owned(),
    });
    Account {
        company_name: values::truncate_clean(name, COMPANY_NAME_MAX),
        website_url: company
            .prop("website")
            .or(company.prop("domain"))
            .and_then(values::website),
        industry,
        other_industry,
        address: Address {
            street_address: company
                .prop("address")
                .map(|s| values::truncate_clean(s, 255)),
            city: company.prop("city").map(|s| values::truncate_clean(s, 255)),
            state_or_region,
            postal_code: company
                .prop("zip")
                .filter(|z| z.chars().count() <= POSTAL_CODE_MAX)
                .map(str::to_owned),
            country_code: country_code.map(str::to_owned),
        },
    }
}

fn person(contact: &CrmRecord, company_country: Option<&str>) -> Person {
    let limited = |name: &str| {
        contact
            .prop(name)
            .map(|v| v.chars().take(CONTACT_FIELD_MAX).collect())
    };
    let country = contact
        .prop("country")
        .and_then(geo::country_code)
        .or(company_country);
    let calling = country.and_then(values::calling_code);
    Person {
        // Partner Central wants lower-case addresses; over-long ones are dropped, not cut.
        email: contact
            .prop("email")
            .filter(|e| {
                e.contains('@')
                    && !e.contains(char::is_whitespace)
                    && e.chars().count() <= CONTACT_FIELD_MAX
            })
            .map(str::to_lowercase),
        first_name: limited("firstname"),
        last_name: limited("lastname"),
        business_title: limited("jobtitle"),
        phone: contact
            .prop("phone")
            .or(contact.prop("mobilephone"))
            .and_then(|p| values::phone_e164(p, calling)),
    }
}

/// The deal name without the `#AWS` trigger tag, whitespace collapsed, at most 255 characters.
pub fn title(dealname: Option<&str>, deal_id: &str, trigger: &SyncTrigger) -> String {
    let name = dealname.unwrap_or("");
    let name = match trigger {
        SyncTrigger::NameTag => remove_tag(name),
        SyncTrigger::Property(_) => name.to_owned(),
    };
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return format!("HubSpot deal {deal_id}");
    }
    values::truncate_clean(&name, TITLE_MAX)
}

fn remove_tag(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(i) = rest.to_lowercase().find(NAME_TAG) {
        // `to_lowercase` can change byte lengths for non-ASCII text; fall back to the original.
        if !rest.is_char_boundary(i) || !rest.is_char_boundary(i + NAME_TAG.len()) {
            return name.to_owned();
        }
        out.push_str(&rest[..i]);
        rest = &rest[i + NAME_TAG.len()..];
    }
    out.push_str(rest);
    out
}

/// 20–2000 characters: long text is cut at a word, short text is completed with a pointer to
/// the deal (rather than padding characters a reviewer would find odd).
pub fn business_problem(text: Option<&str>, deal_id: &str) -> String {
    let text = text.map(values::plain_text).unwrap_or_default();
    let text = if text.is_empty() {
        format!("Business problem to be described; see HubSpot deal {deal_id}.")
    } else {
        text
    };
    if text.chars().count() < BUSINESS_PROBLEM_MIN {
        return format!("{text} (see HubSpot deal {deal_id})");
    }
    values::truncate_clean(&text, BUSINESS_PROBLEM_MAX)
}

/// Notes newest first, as plain text separated by ` | `, at most 255 characters.
pub fn next_steps(snapshot: &DealSnapshot) -> Option<String> {
    let mut notes: Vec<_> = snapshot.notes.iter().collect();
    notes.sort_by(|a, b| b.timestamp.cmp(&a.timestamp).then_with(|| b.id.cmp(&a.id)));
    let texts: Vec<String> = notes
        .iter()
        .map(|n| values::plain_text(&n.body))
        .filter(|t| !t.is_empty() && !t.starts_with(OWN_NOTE_PREFIX))
        .collect();
    if texts.is_empty() {
        return None;
    }
    Some(values::truncate_clean(&texts.join(" | "), NEXT_STEPS_MAX))
}

/// Cumulative sales activities implied by how far the deal has progressed.
pub fn sales_activities(stage: &str) -> Vec<String> {
    let ladder: [(&str, &[&str]); 7] = [
        ("Prospect", &["Initialized discussions with customer"]),
        ("Qualified", &["Customer has shown interest in solution"]),
        ("Technical Validation", &["Conducted POC / Demo"]),
        (
            "Business Validation",
            &[
                "In evaluation / planning stage",
                "Agreed on solution to Business Problem",
            ],
        ),
        ("Committed", &["Completed Action Plan", "SOW Signed"]),
        ("Launched", &["Finalized Deployment Need"]),
        ("Closed Lost", &[]),
    ];
    let mut out = Vec::new();
    for (name, activities) in ladder {
        out.extend(activities.iter().map(|a| (*a).to_owned()));
        if name == stage {
            break;
        }
    }
    if stage == "Closed Lost" {
        out = vec!["Initialized discussions with customer".to_owned()];
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_customer;
