//! Partner Central helpers: a valid opportunity that each test
//! breaks in exactly one place, and accessors for the SDK's ValidationException.

use aws_sdk_partnercentralselling::Client;
use aws_sdk_partnercentralselling::error::SdkError;
use aws_sdk_partnercentralselling::operation::create_opportunity::CreateOpportunityError;
use aws_sdk_partnercentralselling::operation::create_opportunity::builders::CreateOpportunityFluentBuilder;
use aws_sdk_partnercentralselling::operation::update_opportunity::UpdateOpportunityError;
use aws_sdk_partnercentralselling::operation::update_opportunity::builders::UpdateOpportunityFluentBuilder;
use aws_sdk_partnercentralselling::primitives::DateTime;
use aws_sdk_partnercentralselling::types::error::ValidationException;
use aws_sdk_partnercentralselling::types::{
    Account, Address, ClosedLostReason, Contact, CountryCode, Customer, DeliveryModel,
    ExpectedCustomerSpend, Industry, LifeCycle, NationalSecurity, OpportunityOrigin,
    OpportunityType, PaymentFrequency, PrimaryNeedFromAws, Project, ReviewStatus, SalesActivity,
    Stage,
};
use chrono::{TimeZone, Utc};
use events::ManualClock;
use sandbox::partner_central::{PartnerCentralConfig, PartnerCentralFake};

/// Tests run "on" 2030-06-15 so past/future checks never depend on the real calendar.
pub fn clock() -> ManualClock {
    ManualClock::new(
        Utc.with_ymd_and_hms(2030, 6, 15, 9, 0, 0)
            .single()
            .expect("valid time"),
    )
}

/// A fake without quotas and with the fixed clock.
pub async fn unthrottled() -> PartnerCentralFake {
    PartnerCentralFake::start_with(
        PartnerCentralConfig::default()
            .unthrottled()
            .with_clock(clock()),
    )
    .await
    .expect("start fake")
}

#[derive(Debug, Clone)]
pub struct Spend {
    pub amount: String,
    pub currency: String,
    pub frequency: String,
    pub target: String,
}

#[derive(Debug, Clone, Default)]
pub struct Person {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Everything the sync maps, as plain values so one test can break one field.
#[derive(Debug, Clone)]
pub struct Spec {
    pub catalog: String,
    pub origin: Option<String>,
    pub company: String,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub other_industry: Option<String>,
    pub country: Option<String>,
    pub postal: Option<String>,
    pub state: Option<String>,
    pub city: Option<String>,
    pub contacts: Vec<Person>,
    pub title: Option<String>,
    pub problem: Option<String>,
    pub use_case: Option<String>,
    pub delivery: Vec<String>,
    pub activities: Vec<String>,
    pub spends: Vec<Spend>,
    pub close_date: Option<String>,
    pub stage: Option<String>,
    pub closed_lost_reason: Option<String>,
    pub next_steps: Option<String>,
    pub needs: Vec<String>,
    pub partner_id: Option<String>,
    pub team: Vec<Person>,
    pub national_security: Option<String>,
    pub opportunity_type: Option<String>,
    /// AWS-owned; the Sandbox catalog takes them as a simulated review.
    pub review_status: Option<String>,
    pub review_comments: Option<String>,
}

fn s(v: &str) -> String {
    v.to_owned()
}

impl Spec {
    pub fn valid() -> Self {
        Self {
            catalog: s("Sandbox"),
            origin: None,
            company: s("Acme Analytics Inc."),
            website: Some(s("https://www.acmeanalytics.com")),
            industry: Some(s("Software and Internet")),
            other_industry: None,
            country: Some(s("US")),
            postal: Some(s("98101")),
            state: Some(s("Washington")),
            city: Some(s("Seattle")),
            contacts: vec![Person {
                email: Some(s("jane.doe@acmeanalytics.com")),
                phone: Some(s("+12065550142")),
            }],
            title: Some(s("Acme Analytics data lake migration")),
            problem: Some(s(
                "Acme runs 40 TB of on-prem Hadoop that is expensive to operate and slow to query.",
            )),
            use_case: Some(s(
                "Big Data: Data Warehouse/Data Integration/ETL/Data Lake/BI",
            )),
            delivery: vec![s("Professional Services")],
            activities: vec![s("Initialized discussions with customer")],
            spends: vec![Spend {
                amount: s("20000"),
                currency: s("USD"),
                frequency: s("Monthly"),
                target: s("AWS"),
            }],
            close_date: Some(s("2030-09-30")),
            stage: Some(s("Qualified")),
            closed_lost_reason: None,
            next_steps: Some(s("Schedule the architecture review")),
            needs: vec![s("Co-Sell - Architectural Validation")],
            partner_id: Some(s("hubspot-deal-7")),
            team: vec![],
            national_security: None,
            opportunity_type: Some(s("Net New Business")),
            review_status: None,
            review_comments: None,
        }
    }

    fn contact(person: &Person) -> Contact {
        Contact::builder()
            .first_name("Jane")
            .last_name("Doe")
            .set_email(person.email.clone())
            .set_phone(person.phone.clone())
            .build()
    }

    pub fn customer(&self) -> Customer {
        let address = Address::builder()
            .set_country_code(self.country.as_deref().map(CountryCode::from))
            .set_postal_code(self.postal.clone())
            .set_state_or_region(self.state.clone())
            .set_city(self.city.clone())
            .build();
        let account = Account::builder()
            .company_name(&self.company)
            .set_website_url(self.website.clone())
            .set_industry(self.industry.as_deref().map(Industry::from))
            .set_other_industry(self.other_industry.clone())
            .address(address)
            .build()
            .expect("company name is set");
        Customer::builder()
            .account(account)
            .set_contacts(Some(self.contacts.iter().map(Self::contact).collect()))
            .build()
    }

    pub fn project(&self) -> Project {
        let spends = self
            .spends
            .iter()
            .map(|sp| {
                ExpectedCustomerSpend::builder()
                    .amount(&sp.amount)
                    .currency_code(sp.currency.as_str().into())
                    .frequency(PaymentFrequency::from(sp.frequency.as_str()))
                    .target_company(&sp.target)
                    .build()
                    .expect("all members set")
            })
            .collect();
        Project::builder()
            .set_title(self.title.clone())
            .set_customer_business_problem(self.problem.clone())
            .set_customer_use_case(self.use_case.clone())
            .set_delivery_models(Some(
                self.delivery
                    .iter()
                    .map(|d| DeliveryModel::from(d.as_str()))
                    .collect(),
            ))
            .set_sales_activities(Some(
                self.activities
                    .iter()
                    .map(|a| SalesActivity::from(a.as_str()))
                    .collect(),
            ))
            .set_expected_customer_spend(Some(spends))
            .build()
    }

    pub fn life_cycle(&self) -> LifeCycle {
        LifeCycle::builder()
            .set_target_close_date(self.close_date.clone())
            .set_stage(self.stage.as_deref().map(Stage::from))
            .set_closed_lost_reason(
                self.closed_lost_reason
                    .as_deref()
                    .map(ClosedLostReason::from),
            )
            .set_next_steps(self.next_steps.clone())
            .set_review_status(self.review_status.as_deref().map(ReviewStatus::from))
            .set_review_comments(self.review_comments.clone())
            .build()
    }

    fn needs(&self) -> Vec<PrimaryNeedFromAws> {
        self.needs
            .iter()
            .map(|n| PrimaryNeedFromAws::from(n.as_str()))
            .collect()
    }

    pub fn create(&self, client: &Client, token: &str) -> CreateOpportunityFluentBuilder {
        let team = (!self.team.is_empty()).then(|| self.team.iter().map(Self::contact).collect());
        client
            .create_opportunity()
            .catalog(&self.catalog)
            .client_token(token)
            .set_origin(self.origin.as_deref().map(OpportunityOrigin::from))
            .customer(self.customer())
            .project(self.project())
            .life_cycle(self.life_cycle())
            .set_primary_needs_from_aws(Some(self.needs()))
            .set_partner_opportunity_identifier(self.partner_id.clone())
            .set_opportunity_team(team)
            .set_national_security(
                self.national_security
                    .as_deref()
                    .map(NationalSecurity::from),
            )
            .set_opportunity_type(self.opportunity_type.as_deref().map(OpportunityType::from))
    }

    /// A full-replacement update carrying this spec.
    pub fn update(
        &self,
        client: &Client,
        id: &str,
        last_modified: DateTime,
    ) -> UpdateOpportunityFluentBuilder {
        client
            .update_opportunity()
            .catalog(&self.catalog)
            .identifier(id)
            .last_modified_date(last_modified)
            .customer(self.customer())
            .project(self.project())
            .life_cycle(self.life_cycle())
            .set_primary_needs_from_aws(Some(self.needs()))
            .set_partner_opportunity_identifier(self.partner_id.clone())
            .set_national_security(
                self.national_security
                    .as_deref()
                    .map(NationalSecurity::from),
            )
            .set_opportunity_type(self.opportunity_type.as_deref().map(OpportunityType::from))
    }
}

pub fn create_validation(error: SdkError<CreateOpportunityError>) -> ValidationException {
    match error.into_service_error() {
        CreateOpportunityError::ValidationException(v) => v,
        other => panic!("expected ValidationException, got {other:?}"),
    }
}

pub fn update_validation(error: SdkError<UpdateOpportunityError>) -> ValidationException {
    match error.into_service_error() {
        UpdateOpportunityError::ValidationException(v) => v,
        other => panic!("expected ValidationException, got {other:?}"),
    }
}

/// Sends `spec` as an update of `id` (with its current `LastModifiedDate`) and returns the
/// ValidationException it must be refused with.
pub async fn refused_update(client: &Client, id: &str, spec: &Spec) -> ValidationException {
    let error = spec
        .update(client, id, last_modified(client, id).await)
        .send()
        .await
        .expect_err("the update must be refused");
    update_validation(error)
}

/// `(FieldName, Code)` pairs of a ValidationException.
pub fn fields(v: &ValidationException) -> Vec<(String, String)> {
    v.error_list()
        .iter()
        .map(|e| {
            (
                e.field_name().unwrap_or_default().to_owned(),
                e.code().as_str().to_owned(),
            )
        })
        .collect()
}

/// Creates the valid spec and returns its id and LastModifiedDate.
pub async fn create_valid(client: &Client, token: &str) -> (String, DateTime) {
    let out = Spec::valid()
        .create(client, token)
        .send()
        .await
        .expect("valid create");
    (
        out.id().to_owned(),
        *out.last_modified_date().expect("LastModifiedDate"),
    )
}

/// LifeCycle.ReviewStatus as GetOpportunity returns it.
pub async fn review_status(client: &Client, id: &str) -> ReviewStatus {
    client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(id)
        .send()
        .await
        .expect("get")
        .life_cycle()
        .and_then(|l| l.review_status())
        .cloned()
        .expect("ReviewStatus")
}

pub async fn last_modified(client: &Client, id: &str) -> DateTime {
    *client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(id)
        .send()
        .await
        .expect("get")
        .last_modified_date()
}

/// A syntactically valid SigV4 header with the right scope (the fake does not verify signatures).
pub const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=AKIDSANDBOXEXAMPLE/20300615/us-east-1/partnercentral-selling/aws4_request, SignedHeaders=host, Signature=00";

/// A hand-rolled awsJson1_0 call: (status, body, x-amzn-errortype).
pub async fn raw(
    base: &str,
    target: &str,
    authorization: Option<&str>,
    body: &str,
) -> (u16, serde_json::Value, Option<String>) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/"))
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", target)
        .body(body.to_owned());
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap(), error_type)
}
