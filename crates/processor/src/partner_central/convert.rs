//! Our `OpportunityFields` ↔ the SDK's types. Enum values travel as their wire strings, so an
//! opportunity read back converts to exactly what the mapping would produce for the same data.

use aws_sdk_partnercentralselling::operation::get_opportunity::GetOpportunityOutput;
use aws_sdk_partnercentralselling::types::{
    Account as SdkAccount, Address as SdkAddress, ClosedLostReason, Contact, CountryCode,
    CurrencyCode, Customer, DeliveryModel, ExpectedCustomerSpend, Industry,
    LifeCycle as SdkLifeCycle, OpportunityType, PaymentFrequency, PrimaryNeedFromAws,
    Project as SdkProject, SalesActivity, Stage,
};

use crate::domain::{Account, Address, LifeCycle, OpportunityFields, Person, Project, Spend};

fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn sorted(mut values: Vec<String>) -> Vec<String> {
    values.sort();
    values
}

/// GetOpportunity → the managed fields.
pub fn fields_from_sdk(out: &GetOpportunityOutput) -> OpportunityFields {
    let account = out.customer().and_then(|c| c.account());
    let address = account.and_then(|a| a.address());
    let project = out.project();
    let life_cycle = out.life_cycle();
    OpportunityFields {
        partner_opportunity_identifier: out
            .partner_opportunity_identifier()
            .unwrap_or("")
            .to_owned(),
        opportunity_type: out.opportunity_type().map_or("", |t| t.as_str()).to_owned(),
        primary_needs_from_aws: sorted(
            out.primary_needs_from_aws()
                .iter()
                .map(|n| n.as_str().to_owned())
                .collect(),
        ),
        account: Account {
            company_name: account.map_or("", |a| a.company_name()).to_owned(),
            website_url: text(account.and_then(|a| a.website_url())),
            industry: account
                .and_then(|a| a.industry())
                .map(|i| i.as_str().to_owned()),
            other_industry: text(account.and_then(|a| a.other_industry())),
            address: Address {
                street_address: text(address.and_then(|a| a.street_address())),
                city: text(address.and_then(|a| a.city())),
                state_or_region: text(address.and_then(|a| a.state_or_region())),
                postal_code: text(address.and_then(|a| a.postal_code())),
                country_code: address
                    .and_then(|a| a.country_code())
                    .map(|c| c.as_str().to_owned()),
            },
        },
        contacts: out
            .customer()
            .map(|c| c.contacts())
            .unwrap_or_default()
            .iter()
            .map(|c| Person {
                email: text(c.email()),
                first_name: text(c.first_name()),
                last_name: text(c.last_name()),
                business_title: text(c.business_title()),
                phone: text(c.phone()),
            })
            .collect(),
        project: Project {
            title: project.and_then(|p| p.title()).unwrap_or("").to_owned(),
            customer_business_problem: project
                .and_then(|p| p.customer_business_problem())
                .unwrap_or("")
                .to_owned(),
            customer_use_case: text(project.and_then(|p| p.customer_use_case())),
            delivery_models: sorted(
                project
                    .map(|p| p.delivery_models())
                    .unwrap_or_default()
                    .iter()
                    .map(|d| d.as_str().to_owned())
                    .collect(),
            ),
            sales_activities: sorted(
                project
                    .map(|p| p.sales_activities())
                    .unwrap_or_default()
                    .iter()
                    .map(|d| d.as_str().to_owned())
                    .collect(),
            ),
            expected_customer_spend: project
                .map(|p| p.expected_customer_spend())
                .unwrap_or_default()
                .iter()
                .map(|s| Spend {
                    amount: s.amount().to_owned(),
                    currency_code: s.currency_code().as_str().to_owned(),
                    frequency: s.frequency().as_str().to_owned(),
                    target_company: s.target_company().to_owned(),
                })
                .collect(),
        },
        life_cycle: LifeCycle {
            stage: life_cycle
                .and_then(|l| l.stage())
                .map_or("", |s| s.as_str())
                .to_owned(),
            target_close_date: life_cycle
                .and_then(|l| l.target_close_date())
                .unwrap_or("")
                .to_owned(),
            next_steps: text(life_cycle.and_then(|l| l.next_steps())),
            closed_lost_reason: life_cycle
                .and_then(|l| l.closed_lost_reason())
                .map(|r| r.as_str().to_owned()),
        },
    }
}

/// The customer: managed account fields over what the snapshot holds (AWS account id, DUNS).
pub fn customer(
    fields: &OpportunityFields,
    snapshot: Option<&GetOpportunityOutput>,
) -> Result<Customer, String> {
    let a = &fields.account;
    let previous = snapshot
        .and_then(|s| s.customer())
        .and_then(|c| c.account());
    let address = SdkAddress::builder()
        .set_street_address(a.address.street_address.clone())
        .set_city(a.address.city.clone())
        .set_state_or_region(a.address.state_or_region.clone())
        .set_postal_code(a.address.postal_code.clone())
        .set_country_code(a.address.country_code.as_deref().map(CountryCode::from))
        .build();
    let account = SdkAccount::builder()
        .company_name(a.company_name.clone())
        .set_website_url(a.website_url.clone())
        .set_industry(a.industry.as_deref().map(Industry::from))
        .set_other_industry(a.other_industry.clone())
        .address(address)
        .set_aws_account_id(previous.and_then(|p| p.aws_account_id()).map(str::to_owned))
        .set_duns(previous.and_then(|p| p.duns()).map(str::to_owned))
        .build()
        .map_err(|e| e.to_string())?;
    let contacts = fields
        .contacts
        .iter()
        .map(|p| {
            Contact::builder()
                .set_email(p.email.clone())
                .set_first_name(p.first_name.clone())
                .set_last_name(p.last_name.clone())
                .set_business_title(p.business_title.clone())
                .set_phone(p.phone.clone())
                .build()
        })
        .collect();
    Ok(Customer::builder()
        .account(account)
        .set_contacts(Some(contacts))
        .build())
}

/// The project: managed fields over the snapshot's (APN programs, competitors, comments...).
pub fn project(
    fields: &OpportunityFields,
    snapshot: Option<&GetOpportunityOutput>,
) -> Result<SdkProject, String> {
    let p = &fields.project;
    let spend = p
        .expected_customer_spend
        .iter()
        .map(|s| {
            ExpectedCustomerSpend::builder()
                .amount(s.amount.clone())
                .currency_code(CurrencyCode::from(s.currency_code.as_str()))
                .frequency(PaymentFrequency::from(s.frequency.as_str()))
                .target_company(s.target_company.clone())
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut project = snapshot
        .and_then(|s| s.project())
        .cloned()
        .unwrap_or_else(|| SdkProject::builder().build());
    project.title = Some(p.title.clone());
    project.customer_business_problem = Some(p.customer_business_problem.clone());
    project.customer_use_case = p.customer_use_case.clone();
    project.delivery_models = Some(
        p.delivery_models
            .iter()
            .map(|d| DeliveryModel::from(d.as_str()))
            .collect(),
    );
    project.sales_activities = Some(
        p.sales_activities
            .iter()
            .map(|d| SalesActivity::from(d.as_str()))
            .collect(),
    );
    project.expected_customer_spend = Some(spend);
    Ok(project)
}

/// The life cycle we manage. Review fields are Partner Central's and are not sent.
pub fn life_cycle(fields: &OpportunityFields) -> SdkLifeCycle {
    let l = &fields.life_cycle;
    SdkLifeCycle::builder()
        .stage(Stage::from(l.stage.as_str()))
        .target_close_date(l.target_close_date.clone())
        .set_next_steps(l.next_steps.clone())
        .set_closed_lost_reason(l.closed_lost_reason.as_deref().map(ClosedLostReason::from))
        .build()
}

pub fn primary_needs(fields: &OpportunityFields) -> Vec<PrimaryNeedFromAws> {
    fields
        .primary_needs_from_aws
        .iter()
        .map(|n| PrimaryNeedFromAws::from(n.as_str()))
        .collect()
}

pub fn opportunity_type(fields: &OpportunityFields) -> OpportunityType {
    OpportunityType::from(fields.opportunity_type.as_str())
}
