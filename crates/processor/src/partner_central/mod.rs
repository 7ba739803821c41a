//! The Partner Central Selling adapter (`Opportunities`) over `aws_sdk_partnercentralselling`.
//!
//! Partner Central allows 1 write/s per partner account: writes pass a 1/s token bucket here,
//! and the SDK client is built in adaptive retry mode (see `aws.rs`) so ThrottlingException is
//! retried with client-side rate limiting. What is still failing after that is classified for
//! the handler (`OpportunityError`).

pub mod convert;

use std::sync::Arc;

use aws_sdk_partnercentralselling::Client;
use aws_sdk_partnercentralselling::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_partnercentralselling::operation::associate_opportunity::AssociateOpportunityError;
use aws_sdk_partnercentralselling::operation::create_opportunity::CreateOpportunityError;
use aws_sdk_partnercentralselling::operation::get_opportunity::GetOpportunityError;
use aws_sdk_partnercentralselling::operation::list_opportunities::ListOpportunitiesError;
use aws_sdk_partnercentralselling::operation::update_opportunity::UpdateOpportunityError;
use aws_sdk_partnercentralselling::types::{
    OpportunityOrigin, RelatedEntityType, ValidationExceptionError,
};

use crate::domain::{CreatedOpportunity, ExistingOpportunity, OpportunityFields};
use crate::ports::{Opportunities, OpportunityError};
use crate::rate_limit::TokenBucket;
use crate::settings::Catalog;

/// A closure extracting an operation error's ValidationException message and fields.
macro_rules! validation {
    ($error:ident) => {
        |e: &$error| match e {
            $error::ValidationException(v) => Some((v.message(), v.error_list())),
            _ => None,
        }
    };
}

/// ListOpportunities `MaxResults` upper bound.
const LIST_PAGE_SIZE: i32 = 100;
/// Summaries scanned when looking an opportunity up (20 pages of 100): without a company
/// filter the lookup reads the catalog's opportunities, so it is bounded.
const MAX_LOOKUP_SUMMARIES: usize = 2000;

#[derive(Debug)]
pub struct PartnerCentralClient {
    client: Client,
    catalog: Catalog,
    solution_id: Option<String>,
    writes: TokenBucket,
}

impl PartnerCentralClient {
    pub fn new(client: Client, catalog: Catalog, solution_id: Option<String>) -> Self {
        PartnerCentralClient {
            client,
            catalog,
            solution_id,
            writes: TokenBucket::new(1.0, 1.0),
        }
    }

    /// Overrides the client-side write rate (writes per second); the quota is 1/s.
    pub fn with_write_rate(mut self, per_second: f64) -> Self {
        self.writes = TokenBucket::new(per_second, 1.0);
        self
    }

    fn catalog(&self) -> &'static str {
        self.catalog.as_str()
    }
}

impl Opportunities for PartnerCentralClient {
    async fn create(
        &self,
        fields: &OpportunityFields,
        client_token: &str,
    ) -> Result<CreatedOpportunity, OpportunityError> {
        let customer = convert::customer(fields, None).map_err(OpportunityError::Invalid)?;
        let project = convert::project(fields, None).map_err(OpportunityError::Invalid)?;
        self.writes.acquire().await;
        let out = self
            .client
            .create_opportunity()
            .catalog(self.catalog())
            .client_token(client_token)
            .origin(OpportunityOrigin::PartnerReferral)
            .opportunity_type(convert::opportunity_type(fields))
            .set_primary_needs_from_aws(Some(convert::primary_needs(fields)))
            .partner_opportunity_identifier(fields.partner_opportunity_identifier.clone())
            .customer(customer)
            .project(project)
            .life_cycle(convert::life_cycle(fields))
            .send()
            .await
            .map_err(|e| classify(e, validation!(CreateOpportunityError)))?;
        Ok(CreatedOpportunity { id: out.id })
    }

    async fn get(&self, id: &str) -> Result<ExistingOpportunity, OpportunityError> {
        let out = self
            .client
            .get_opportunity()
            .catalog(self.catalog())
            .identifier(id)
            .send()
            .await
            .map_err(|e| classify(e, validation!(GetOpportunityError)))?;
        Ok(ExistingOpportunity {
            id: out.id().to_owned(),
            last_modified: *out.last_modified_date(),
            review_status: out
                .life_cycle()
                .and_then(|l| l.review_status())
                .map(|r| r.as_str().to_owned()),
            fields: convert::fields_from_sdk(&out),
            snapshot: Some(Arc::new(out)),
        })
    }

    async fn update(
        &self,
        current: &ExistingOpportunity,
        fields: &OpportunityFields,
    ) -> Result<(), OpportunityError> {
        let snapshot = current.snapshot.as_deref();
        let customer = convert::customer(fields, snapshot).map_err(OpportunityError::Invalid)?;
        let project = convert::project(fields, snapshot).map_err(OpportunityError::Invalid)?;
        self.writes.acquire().await;
        self.client
            .update_opportunity()
            .catalog(self.catalog())
            .identifier(&current.id)
            .last_modified_date(current.last_modified)
            .opportunity_type(convert::opportunity_type(fields))
            .set_primary_needs_from_aws(Some(convert::primary_needs(fields)))
            .partner_opportunity_identifier(fields.partner_opportunity_identifier.clone())
            .customer(customer)
            .project(project)
            .life_cycle(convert::life_cycle(fields))
            // Full replacement: what the sync does not manage is sent back as it was.
            .set_marketing(snapshot.and_then(|s| s.marketing()).cloned())
            .set_software_revenue(snapshot.and_then(|s| s.software_revenue()).cloned())
            .set_national_security(snapshot.and_then(|s| s.national_security()).cloned())
            .send()
            .await
            .map_err(|e| classify(e, validation!(UpdateOpportunityError)))?;
        Ok(())
    }

    async fn associate_solution(&self, id: &str) -> Result<bool, OpportunityError> {
        let Some(solution) = &self.solution_id else {
            return Ok(false);
        };
        self.writes.acquire().await;
        let sent = self
            .client
            .associate_opportunity()
            .catalog(self.catalog())
            .opportunity_identifier(id)
            .related_entity_type(RelatedEntityType::Solutions)
            .related_entity_identifier(solution)
            .send()
            .await;
        match sent.map_err(|e| classify(e, validation!(AssociateOpportunityError))) {
            Ok(_) => Ok(true),
            // Already associated (a retry after a later step failed).
            Err(OpportunityError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn find_by_partner_id(
        &self,
        partner_id: &str,
        company_name: Option<&str>,
    ) -> Result<Option<String>, OpportunityError> {
        let mut summaries = self
            .client
            .list_opportunities()
            .catalog(self.catalog())
            .set_customer_company_name(company_name.map(|n| vec![n.to_owned()]))
            .into_paginator()
            .page_size(LIST_PAGE_SIZE)
            .items()
            .send();
        for _ in 0..MAX_LOOKUP_SUMMARIES {
            let Some(summary) = summaries.next().await else {
                return Ok(None);
            };
            let summary = summary.map_err(|e| classify(e, validation!(ListOpportunitiesError)))?;
            if summary.partner_opportunity_identifier() == Some(partner_id)
                && let Some(id) = summary.id()
            {
                return Ok(Some(id.to_owned()));
            }
        }
        Ok(None)
    }
}

/// Maps an SDK error to what the handler must do. `validation` extracts the
/// ValidationException's message and field list when the operation error is one.
fn classify<E, R>(
    err: SdkError<E, R>,
    validation: impl Fn(&E) -> Option<(&str, &[ValidationExceptionError])>,
) -> OpportunityError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let Some(service) = err.as_service_error() else {
        // Dispatch, timeout, credentials (STS), malformed response: all worth retrying.
        let detail = aws_sdk_partnercentralselling::error::DisplayErrorContext(&err).to_string();
        return OpportunityError::Transient(detail);
    };
    if let Some((message, fields)) = validation(service) {
        return OpportunityError::Invalid(validation_text(message, fields));
    }
    let code = service.code().unwrap_or("Unknown");
    let message = format!("{code}: {}", service.message().unwrap_or(""));
    match code {
        "ValidationException" => OpportunityError::Invalid(message),
        "ConflictException" => OpportunityError::Conflict(message),
        "ResourceNotFoundException" => OpportunityError::NotFound(message),
        "AccessDeniedException" => OpportunityError::AccessDenied(message),
        _ => OpportunityError::Transient(message),
    }
}

/// `Partner Central rejected the opportunity: <message> [Customer.Account.WebsiteUrl: must be a URL; ...]`
pub fn validation_text(message: &str, fields: &[ValidationExceptionError]) -> String {
    let details: Vec<String> = fields
        .iter()
        .map(|f| match f.field_name() {
            Some(name) => format!("{name}: {}", f.message()),
            None => f.message().to_owned(),
        })
        .collect();
    if details.is_empty() {
        format!("Partner Central rejected the opportunity: {message}")
    } else {
        format!(
            "Partner Central rejected the opportunity: {message} [{}]",
            details.join("; ")
        )
    }
}
