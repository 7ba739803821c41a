//! The handler's view of the outside world: one trait per system, named after what it does for
//! us. `main` passes the HTTP/SDK adapters; tests pass the same adapters pointed at the sandbox
//! fakes, or in-memory doubles. Time is the workspace's one clock, `events::Clock`.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};

use crate::domain::{
    AcceptTask, AwsSummary, CreatedOpportunity, CrmRecord, Deal, ExistingOpportunity, Invitation,
    ListedOpportunity, Note, OpportunityFields, Submission, SubmissionTask,
};

/// A HubSpot failure, classified by what the caller must do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrmError {
    /// 429, 5xx, timeouts, connection errors: retry later (the record goes back to SQS).
    #[error("HubSpot is unavailable: {0}")]
    Transient(String),
    /// 401/403: the token is wrong or lacks a scope. Retried (and eventually parked in the DLQ)
    /// so an operator notices, instead of silently acknowledging every event.
    #[error("HubSpot refused our credentials: {0}")]
    Unauthorized(String),
    /// Other 4xx: the request itself is wrong (e.g. a sync property missing in the portal).
    #[error("HubSpot rejected the request: {0}")]
    Rejected(String),
    /// A unique-value property already holds this value on another record (the create lost a
    /// race, or an earlier attempt got there first): look the record up instead.
    #[error("HubSpot already has a record with this value: {0}")]
    Duplicate(String),
}

impl CrmError {
    pub fn is_transient(&self) -> bool {
        !matches!(self, CrmError::Rejected(_) | CrmError::Duplicate(_))
    }
}

/// HubSpot reads and writes. `Ok(None)` means the object does not exist (deleted or merged).
pub trait Crm: Send + Sync {
    /// The deal with the given properties and its company, contact and note associations.
    fn get_deal(
        &self,
        id: &str,
        properties: &[String],
    ) -> impl Future<Output = Result<Option<Deal>, CrmError>> + Send;
    fn get_company(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<CrmRecord>, CrmError>> + Send;
    /// Contacts that no longer exist are left out.
    fn get_contacts(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<CrmRecord>, CrmError>> + Send;
    /// Notes by id (the deal lists its note ids); missing ones are left out.
    fn get_notes(&self, ids: &[String])
    -> impl Future<Output = Result<Vec<Note>, CrmError>> + Send;
    /// Ids of the deals associated with a company, contact or note. `Ok(None)` when the object
    /// itself does not exist.
    fn deals_of(
        &self,
        object: AssociatedObject,
        id: &str,
    ) -> impl Future<Output = Result<Option<Vec<String>>, CrmError>> + Send;
    fn update_deal(
        &self,
        id: &str,
        properties: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<(), CrmError>> + Send;
    fn create_deal_note(
        &self,
        deal_id: &str,
        body: &str,
        timestamp: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), CrmError>> + Send;
    /// The HubSpot account (portal) id the token belongs to.
    fn portal_id(&self) -> impl Future<Output = Result<u64, CrmError>> + Send;
    /// The first deal whose `property` equals `value`, with `properties`.
    fn find_deal(
        &self,
        property: &str,
        value: &str,
        properties: &[String],
    ) -> impl Future<Output = Result<Option<CrmRecord>, CrmError>> + Send;
    /// Creates a deal (associated with `company_id` when given); returns its id.
    /// [`CrmError::Duplicate`] when a unique-value property is taken.
    fn create_deal(
        &self,
        properties: &BTreeMap<String, String>,
        company_id: Option<&str>,
    ) -> impl Future<Output = Result<String, CrmError>> + Send;
    /// The company with this domain, or a new one with these properties; returns its id.
    fn company_for_domain(
        &self,
        domain: &str,
        properties: &BTreeMap<String, String>,
    ) -> impl Future<Output = Result<String, CrmError>> + Send;
    /// A to-do task on the deal, due at `due`, owned by `owner_id` when given.
    fn create_deal_task(
        &self,
        deal_id: &str,
        subject: &str,
        body: &str,
        due: DateTime<Utc>,
        owner_id: Option<&str>,
    ) -> impl Future<Output = Result<(), CrmError>> + Send;
    /// How many tasks are associated with the deal.
    fn deal_task_count(
        &self,
        deal_id: &str,
    ) -> impl Future<Output = Result<usize, CrmError>> + Send;
    /// A deal pipeline's id (`pipeline`, or the default one) and its first stage's id.
    fn pipeline_first_stage(
        &self,
        pipeline: Option<&str>,
    ) -> impl Future<Output = Result<(String, String), CrmError>> + Send;
    /// Deals the reconciliation sweep must look at: those whose property holds one of the
    /// values of `waiting` (`(property, values)` pairs), and those modified at or after
    /// `modified_since`; each with `properties`.
    fn deals_to_reconcile(
        &self,
        waiting: &[(&str, &[&str])],
        modified_since: DateTime<Utc>,
        properties: &[String],
    ) -> impl Future<Output = Result<Vec<CrmRecord>, CrmError>> + Send;
}

/// The objects whose changes lead us to deals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssociatedObject {
    Company,
    Contact,
    Note,
}

impl AssociatedObject {
    /// The CRM API path segment.
    pub fn path(self) -> &'static str {
        match self {
            AssociatedObject::Company => "companies",
            AssociatedObject::Contact => "contacts",
            AssociatedObject::Note => "notes",
        }
    }
}

/// A Partner Central failure, classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpportunityError {
    /// Throttling, 5xx, network, STS: retry later.
    #[error("Partner Central is unavailable: {0}")]
    Transient(String),
    /// ThrottlingException after the retries (our write slots for writes, the SDK's for
    /// reads), or ServiceQuotaExceededException (the 24-hour quota): the partner account's quota, not our data. Never a reason to give up
    /// on the event: the sync waits or hands it back to the queue without failing it.
    #[error("Partner Central quota: {0}")]
    Throttled(String),
    /// AccessDenied: the role or its policy is wrong. Retried so it reaches the DLQ and alarms.
    #[error("Partner Central denied access: {0}")]
    AccessDenied(String),
    /// ValidationException (field-level reasons included) or an unrecoverable conflict: the
    /// deal's data must change before the write can succeed.
    #[error("{0}")]
    Invalid(String),
    /// The optimistic-concurrency check failed (`LastModifiedDate` is stale): re-read and retry.
    #[error("the opportunity changed since it was read: {0}")]
    Conflict(String),
    /// The opportunity id does not exist (in this catalog).
    #[error("opportunity not found: {0}")]
    NotFound(String),
}

impl OpportunityError {
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            OpportunityError::Transient(_)
                | OpportunityError::AccessDenied(_)
                | OpportunityError::Throttled(_)
        )
    }
}

/// Partner Central opportunities in the configured catalog.
pub trait Opportunities: Send + Sync {
    /// CreateOpportunity with a caller-chosen idempotency token.
    fn create(
        &self,
        fields: &OpportunityFields,
        client_token: &str,
    ) -> impl Future<Output = Result<CreatedOpportunity, OpportunityError>> + Send;
    fn get(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<ExistingOpportunity, OpportunityError>> + Send;
    /// UpdateOpportunity (a full replacement) conditioned on `current.last_modified`.
    fn update(
        &self,
        current: &ExistingOpportunity,
        fields: &OpportunityFields,
    ) -> impl Future<Output = Result<(), OpportunityError>> + Send;
    /// Whether a solution is configured to associate (AWS needs one to accept a submission).
    fn has_solution(&self) -> bool;
    /// AssociateOpportunity with the configured solution. `Ok(false)` when no solution is
    /// configured or it was already associated (no write happened).
    fn associate_solution(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<bool, OpportunityError>> + Send;
    /// StartEngagementFromOpportunityTask: submits the opportunity to AWS. The same
    /// `client_token` with the same request answers the same task.
    fn start_submission(
        &self,
        id: &str,
        submission: &Submission,
        client_token: &str,
    ) -> impl Future<Output = Result<SubmissionTask, OpportunityError>> + Send;
    /// The opportunity's submission tasks (ListEngagementFromOpportunityTasks), newest first.
    fn submission_tasks(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Vec<SubmissionTask>, OpportunityError>> + Send;
    /// AWS's side of the opportunity (GetAwsOpportunitySummary). `Ok(None)` when AWS has none
    /// (not submitted, or not found).
    fn aws_summary(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<AwsSummary>, OpportunityError>> + Send;
    /// Opportunities whose LastModifiedDate is at or after `since` (ListOpportunities).
    fn modified_since(
        &self,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<ListedOpportunity>, OpportunityError>> + Send;
    /// Ids of the partner account's PENDING received opportunity invitations
    /// (ListEngagementInvitations).
    fn pending_invitations(
        &self,
    ) -> impl Future<Output = Result<Vec<String>, OpportunityError>> + Send;
    /// GetEngagementInvitation. `Ok(None)` when it does not exist.
    fn invitation(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Invitation>, OpportunityError>> + Send;
    /// StartEngagementByAcceptingInvitationTask with a caller-chosen idempotency token.
    fn start_accept(
        &self,
        invitation_id: &str,
        client_token: &str,
    ) -> impl Future<Output = Result<AcceptTask, OpportunityError>> + Send;
    /// The invitation's accept tasks (ListEngagementByAcceptingInvitationTasks), newest first.
    fn accept_tasks(
        &self,
        invitation_id: &str,
    ) -> impl Future<Output = Result<Vec<AcceptTask>, OpportunityError>> + Send;
    /// RejectEngagementInvitation.
    fn reject_invitation(
        &self,
        invitation_id: &str,
        reason: &str,
    ) -> impl Future<Output = Result<(), OpportunityError>> + Send;
    /// The id of the opportunity whose PartnerOpportunityIdentifier is `partner_id`, if any.
    /// `company_name` narrows the search when known.
    fn find_by_partner_id(
        &self,
        partner_id: &str,
        company_name: Option<&str>,
    ) -> impl Future<Output = Result<Option<String>, OpportunityError>> + Send;
}
