//! The Partner Central Selling adapter (`Opportunities`) over `aws_sdk_partnercentralselling`.
//!
//! Partner Central allows 1 write/s and 10 reads/s per **partner account**, shared by every
//! processor instance. Writes wait for this instance's write slot ([`WriteSlots`]) and are
//! retried here, not by the SDK, so a retry also waits for a slot and a throttled write moves the
//! instance to another lane. Reads pass a token bucket holding this instance's share of the read
//! quota and are retried by the SDK (adaptive mode, see `aws.rs`). What still fails is classified
//! for the handler (`OpportunityError`).

pub mod convert;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_partnercentralselling::Client;
use aws_sdk_partnercentralselling::config::retry::RetryConfig;
use aws_sdk_partnercentralselling::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_partnercentralselling::operation::associate_opportunity::AssociateOpportunityError;
use aws_sdk_partnercentralselling::operation::create_opportunity::CreateOpportunityError;
use aws_sdk_partnercentralselling::operation::get_opportunity::GetOpportunityError;
use aws_sdk_partnercentralselling::operation::list_engagement_from_opportunity_tasks::ListEngagementFromOpportunityTasksError;
use aws_sdk_partnercentralselling::operation::list_opportunities::ListOpportunitiesError;
use aws_sdk_partnercentralselling::operation::start_engagement_from_opportunity_task::StartEngagementFromOpportunityTaskError;
use aws_sdk_partnercentralselling::operation::update_opportunity::UpdateOpportunityError;
use aws_sdk_partnercentralselling::types::{
    AwsSubmission, OpportunityOrigin, ReasonCode, RelatedEntityType, SalesInvolvementType,
    TaskStatus, ValidationExceptionError, Visibility,
};

use crate::domain::{
    AcceptTask, AwsSummary, CreatedOpportunity, ExistingOpportunity, Invitation, ListedOpportunity,
    OpportunityFields, Submission, SubmissionTask, TaskState,
};
use crate::ports::{Opportunities, OpportunityError};
use crate::rate_limit::{DEFAULT_SLOT, TokenBucket, WriteSlots, backoff};
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

mod aws_side;
mod invitations;

/// ListOpportunities `MaxResults` upper bound.
const LIST_PAGE_SIZE: i32 = 100;
/// Summaries scanned when looking an opportunity up (20 pages of 100): without a company
/// filter the lookup reads the catalog's opportunities, so it is bounded.
const MAX_LOOKUP_SUMMARIES: usize = 2000;

/// Read actions per second of the partner account (Get, List).
pub const ACCOUNT_READS_PER_SECOND: f64 = 10.0;
/// Attempts of one write: a throttled attempt waits for this instance's next free write slot
/// (see [`WriteSlots`]; behind the instance's other waiting writers), a transient failure for
/// a short backoff.
pub const WRITE_ATTEMPTS: u32 = 6;

#[derive(Debug)]
pub struct PartnerCentralClient {
    client: Client,
    catalog: Catalog,
    solution_id: Option<String>,
    writes: WriteSlots,
    reads: TokenBucket,
}

impl PartnerCentralClient {
    /// `instances`: how many processors may run at once (the event source's
    /// `MaximumConcurrency`); each takes its share of the account's quotas.
    pub fn new(
        client: Client,
        catalog: Catalog,
        solution_id: Option<String>,
        instances: u32,
    ) -> Self {
        let share = ACCOUNT_READS_PER_SECOND / f64::from(instances.max(1));
        PartnerCentralClient {
            client,
            catalog,
            solution_id,
            writes: WriteSlots::new(instances, DEFAULT_SLOT),
            reads: TokenBucket::new(share, share),
        }
    }

    /// Replaces the write slots (tests and the local runner's fakes without quotas).
    pub fn with_write_slots(mut self, slots: WriteSlots) -> Self {
        self.writes = slots;
        self
    }

    /// Overrides the client-side read rate (reads per second).
    pub fn with_read_rate(mut self, per_second: f64) -> Self {
        self.reads = TokenBucket::new(per_second, per_second.max(1.0));
        self
    }

    /// One write in this instance's slots, retried here (the call itself runs with the SDK's
    /// retries off, see [`no_sdk_retries`]). The 24-hour quota is not waited for.
    async fn write<T, F, Fut>(&self, call: F) -> Result<T, OpportunityError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, OpportunityError>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.writes.acquire().await;
            let result = call().await;
            match &result {
                Err(OpportunityError::Throttled(m)) if !m.starts_with(DAILY_QUOTA) => {
                    self.writes.throttled();
                }
                _ => {}
            }
            match result {
                Err(OpportunityError::Throttled(m))
                    if attempt < WRITE_ATTEMPTS && !m.starts_with(DAILY_QUOTA) => {}
                Err(OpportunityError::Transient(m)) if attempt < WRITE_ATTEMPTS => {
                    tracing::info!(attempt, error = m.as_str(), "write failed, retrying");
                    let pause =
                        backoff(Duration::from_millis(200), attempt, Duration::from_secs(2));
                    tokio::time::sleep(pause).await;
                }
                other => return other,
            }
        }
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
        let out = self
            .write(|| {
                self.client
                    .create_opportunity()
                    .catalog(self.catalog())
                    .client_token(client_token)
                    .origin(OpportunityOrigin::PartnerReferral)
                    .opportunity_type(convert::opportunity_type(fields))
                    .set_primary_needs_from_aws(Some(convert::primary_needs(fields)))
                    .partner_opportunity_identifier(fields.partner_opportunity_identifier.clone())
                    .customer(customer.clone())
                    .project(project.clone())
                    .life_cycle(convert::life_cycle(fields))
                    .customize()
                    .config_override(no_sdk_retries())
                    .send()
                    .map_err_into(|e| classify(e, validation!(CreateOpportunityError)))
            })
            .await?;
        Ok(CreatedOpportunity { id: out.id })
    }

    async fn get(&self, id: &str) -> Result<ExistingOpportunity, OpportunityError> {
        self.reads.acquire().await;
        let out = self
            .client
            .get_opportunity()
            .catalog(self.catalog())
            .identifier(id)
            .send()
            .await
            .map_err(|e| classify(e, validation!(GetOpportunityError)))?;
        let life_cycle = out.life_cycle();
        Ok(ExistingOpportunity {
            id: out.id().to_owned(),
            last_modified: *out.last_modified_date(),
            review_status: life_cycle
                .and_then(|l| l.review_status())
                .map(|r| r.as_str().to_owned()),
            review_comments: life_cycle
                .and_then(|l| l.review_comments())
                .map(str::to_owned),
            review_status_reason: life_cycle
                .and_then(|l| l.review_status_reason())
                .map(str::to_owned),
            solutions: out
                .related_entity_identifiers()
                .map(|r| r.solutions().to_vec())
                .unwrap_or_default(),
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
        self.write(|| {
            self.client
                .update_opportunity()
                .catalog(self.catalog())
                .identifier(&current.id)
                .last_modified_date(current.last_modified)
                .opportunity_type(convert::opportunity_type(fields))
                .set_primary_needs_from_aws(Some(convert::primary_needs(fields)))
                // An opportunity without one (an accepted AWS referral) keeps none: "" would
                // be a change, refused once the opportunity is approved.
                .set_partner_opportunity_identifier(
                    Some(fields.partner_opportunity_identifier.clone()).filter(|p| !p.is_empty()),
                )
                .customer(customer.clone())
                .project(project.clone())
                .life_cycle(convert::life_cycle(fields))
                // Full replacement: what the sync does not manage is sent back as it was.
                .set_marketing(snapshot.and_then(|s| s.marketing()).cloned())
                .set_software_revenue(snapshot.and_then(|s| s.software_revenue()).cloned())
                .set_national_security(snapshot.and_then(|s| s.national_security()).cloned())
                .customize()
                .config_override(no_sdk_retries())
                .send()
                .map_err_into(|e| classify(e, validation!(UpdateOpportunityError)))
        })
        .await?;
        Ok(())
    }

    fn has_solution(&self) -> bool {
        self.solution_id.is_some()
    }

    async fn associate_solution(&self, id: &str) -> Result<bool, OpportunityError> {
        let Some(solution) = &self.solution_id else {
            return Ok(false);
        };
        let sent = self
            .write(|| {
                self.client
                    .associate_opportunity()
                    .catalog(self.catalog())
                    .opportunity_identifier(id)
                    .related_entity_type(RelatedEntityType::Solutions)
                    .related_entity_identifier(solution)
                    .customize()
                    .config_override(no_sdk_retries())
                    .send()
                    .map_err_into(|e| classify(e, validation!(AssociateOpportunityError)))
            })
            .await;
        match sent {
            Ok(_) => Ok(true),
            // Already associated (a retry after a later step failed).
            Err(OpportunityError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn start_submission(
        &self,
        id: &str,
        submission: &Submission,
        client_token: &str,
    ) -> Result<SubmissionTask, OpportunityError> {
        let aws_submission = AwsSubmission::builder()
            .involvement_type(SalesInvolvementType::from(
                submission.involvement_type.as_str(),
            ))
            .visibility(Visibility::from(submission.visibility.as_str()))
            .build()
            .map_err(|e| OpportunityError::Invalid(e.to_string()))?;
        let out = self
            .write(|| {
                self.client
                    .start_engagement_from_opportunity_task()
                    .catalog(self.catalog())
                    .client_token(client_token)
                    .identifier(id)
                    .aws_submission(aws_submission.clone())
                    .customize()
                    .config_override(no_sdk_retries())
                    .send()
                    .map_err_into(|e| {
                        classify(e, validation!(StartEngagementFromOpportunityTaskError))
                    })
            })
            .await?;
        Ok(task(
            out.task_id(),
            out.task_status(),
            out.start_time(),
            out.reason_code(),
            out.message(),
        ))
    }

    async fn submission_tasks(&self, id: &str) -> Result<Vec<SubmissionTask>, OpportunityError> {
        let mut pages = self
            .client
            .list_engagement_from_opportunity_tasks()
            .catalog(self.catalog())
            .opportunity_identifier(id)
            .into_paginator()
            .send();
        let mut tasks = Vec::new();
        loop {
            // Each page is one read.
            self.reads.acquire().await;
            let Some(page) = pages.next().await else {
                break;
            };
            let page = page
                .map_err(|e| classify(e, validation!(ListEngagementFromOpportunityTasksError)))?;
            tasks.extend(page.task_summaries().iter().map(|s| {
                task(
                    s.task_id(),
                    s.task_status(),
                    s.start_time(),
                    s.reason_code(),
                    s.message(),
                )
            }));
        }
        tasks.sort_by_key(|t| std::cmp::Reverse(t.started_ms));
        Ok(tasks)
    }

    async fn aws_summary(&self, id: &str) -> Result<Option<AwsSummary>, OpportunityError> {
        self.summary(id).await
    }

    async fn modified_since(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ListedOpportunity>, OpportunityError> {
        self.modified(since).await
    }

    async fn pending_invitations(&self) -> Result<Vec<String>, OpportunityError> {
        self.list_pending_invitations().await
    }

    async fn invitation(&self, id: &str) -> Result<Option<Invitation>, OpportunityError> {
        self.get_invitation(id).await
    }

    async fn start_accept(
        &self,
        invitation_id: &str,
        client_token: &str,
    ) -> Result<AcceptTask, OpportunityError> {
        self.start_accept_task(invitation_id, client_token).await
    }

    async fn accept_tasks(&self, invitation_id: &str) -> Result<Vec<AcceptTask>, OpportunityError> {
        self.list_accept_tasks(invitation_id).await
    }

    async fn reject_invitation(
        &self,
        invitation_id: &str,
        reason: &str,
    ) -> Result<(), OpportunityError> {
        self.reject(invitation_id, reason).await
    }

    async fn find_by_partner_id(
        &self,
        partner_id: &str,
        company_name: Option<&str>,
    ) -> Result<Option<String>, OpportunityError> {
        let mut pages = self
            .client
            .list_opportunities()
            .catalog(self.catalog())
            .set_customer_company_name(company_name.map(|n| vec![n.to_owned()]))
            .into_paginator()
            .page_size(LIST_PAGE_SIZE)
            .send();
        let mut scanned = 0;
        while scanned < MAX_LOOKUP_SUMMARIES {
            // Each page is one read.
            self.reads.acquire().await;
            let Some(page) = pages.next().await else {
                return Ok(None);
            };
            let page = page.map_err(|e| classify(e, validation!(ListOpportunitiesError)))?;
            let summaries = page.opportunity_summaries();
            if summaries.is_empty() {
                return Ok(None);
            }
            scanned += summaries.len();
            if let Some(id) = summaries
                .iter()
                .find(|s| s.partner_opportunity_identifier() == Some(partner_id))
                .and_then(|s| s.id())
            {
                return Ok(Some(id.to_owned()));
            }
        }
        Ok(None)
    }
}

/// The 24-hour quota's error code: not waited for (it comes back hours later).
const DAILY_QUOTA: &str = "ServiceQuotaExceededException";

/// Writes are retried by [`PartnerCentralClient::write`], in write slots, not by the SDK.
fn no_sdk_retries() -> aws_sdk_partnercentralselling::config::Builder {
    aws_sdk_partnercentralselling::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// `send()`'s future with its error classified.
trait MapErrInto<T, E> {
    fn map_err_into<F>(self, f: F) -> impl Future<Output = Result<T, OpportunityError>>
    where
        F: FnOnce(E) -> OpportunityError;
}

impl<Fut, T, E> MapErrInto<T, E> for Fut
where
    Fut: Future<Output = Result<T, E>>,
{
    async fn map_err_into<F>(self, f: F) -> Result<T, OpportunityError>
    where
        F: FnOnce(E) -> OpportunityError,
    {
        self.await.map_err(f)
    }
}

/// A task answer in our terms. A status this crate does not know is treated as running: the
/// next sync looks again instead of starting another task.
fn task(
    id: Option<&str>,
    status: Option<&TaskStatus>,
    started: Option<&aws_smithy_types::DateTime>,
    reason: Option<&ReasonCode>,
    message: Option<&str>,
) -> SubmissionTask {
    let state = match status {
        Some(TaskStatus::Complete) => TaskState::Complete,
        Some(TaskStatus::Failed) => TaskState::Failed,
        _ => TaskState::InProgress,
    };
    SubmissionTask {
        id: id.unwrap_or_default().to_owned(),
        state,
        started_ms: started.and_then(|t| t.to_millis().ok()).unwrap_or_default(),
        reason_code: reason.map(|r| r.as_str().to_owned()),
        message: message.map(str::to_owned),
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
        // Throttled (writes: after our own attempts in write slots; reads: after the SDK's
        // retries), or the 24-hour quota is spent.
        "ThrottlingException" | "ServiceQuotaExceededException" => {
            OpportunityError::Throttled(message)
        }
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
