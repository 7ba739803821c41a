//! Our own model of both sides: HubSpot records as the CRM port returns them, and the
//! opportunity as we want it in Partner Central. The mapping builds an [`OpportunityFields`];
//! the Partner Central adapter converts it to and from SDK types; the diff compares two of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// A HubSpot CRM record (company, contact) with its properties. HubSpot returns `null` for
/// requested-but-unset properties; the adapter drops those, so a key present here has a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrmRecord {
    pub id: String,
    pub properties: BTreeMap<String, String>,
}

impl CrmRecord {
    pub fn new(id: impl Into<String>) -> Self {
        CrmRecord {
            id: id.into(),
            properties: BTreeMap::new(),
        }
    }

    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.properties.insert(name.to_owned(), value.to_owned());
        self
    }

    /// The trimmed value of a property, `None` when unset or blank.
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.properties
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// A deal with the ids of its associated companies (primary first) and contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deal {
    pub record: CrmRecord,
    /// Deduplicated: HubSpot may list a company twice (`deal_to_company` and
    /// `deal_to_company_unlabeled`). The primary company comes first.
    pub company_ids: Vec<String>,
    pub contact_ids: Vec<String>,
    pub note_ids: Vec<String>,
}

impl Deal {
    pub fn id(&self) -> &str {
        &self.record.id
    }

    pub fn prop(&self, name: &str) -> Option<&str> {
        self.record.prop(name)
    }
}

/// A HubSpot note (`hs_note_body`, `hs_timestamp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: String,
    /// HubSpot stores note bodies as HTML.
    pub body: String,
    pub timestamp: Option<DateTime<Utc>>,
}

/// Everything the sync needs to know about one deal, read fresh from HubSpot.
#[derive(Debug, Clone, Default)]
pub struct DealSnapshot {
    pub deal: Deal,
    pub company: Option<CrmRecord>,
    pub contacts: Vec<CrmRecord>,
    pub notes: Vec<Note>,
}

/// The opportunity fields the sync manages. Enum-valued fields hold the API's wire strings
/// (`"Prospect"`, `"Software and Internet"`), so values read back from Partner Central compare
/// equal to what the mapping produced. Set-like lists are kept sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityFields {
    pub partner_opportunity_identifier: String,
    pub opportunity_type: String,
    pub primary_needs_from_aws: Vec<String>,
    pub account: Account,
    pub contacts: Vec<Person>,
    pub project: Project,
    pub life_cycle: LifeCycle,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    pub company_name: String,
    pub website_url: Option<String>,
    pub industry: Option<String>,
    /// Required by the API when `industry` is `Other`.
    pub other_industry: Option<String>,
    pub address: Address,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub street_address: Option<String>,
    pub city: Option<String>,
    pub state_or_region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, as the API's `CountryCode` enum spells it.
    pub country_code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub business_title: Option<String>,
    /// E.164 (`+14155550100`).
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    pub title: String,
    pub customer_business_problem: String,
    pub customer_use_case: Option<String>,
    pub delivery_models: Vec<String>,
    pub sales_activities: Vec<String>,
    pub expected_customer_spend: Vec<Spend>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spend {
    /// Matches `(0|[1-9]\d{0,30})(\.\d{0,2})?`.
    pub amount: String,
    pub currency_code: String,
    /// Always `Monthly` (the only value the API accepts).
    pub frequency: String,
    pub target_company: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifeCycle {
    pub stage: String,
    /// `YYYY-MM-DD`.
    pub target_close_date: String,
    pub next_steps: Option<String>,
    pub closed_lost_reason: Option<String>,
}

/// An opportunity as GetOpportunity returned it.
#[derive(Debug, Clone)]
pub struct ExistingOpportunity {
    pub id: String,
    /// Passed back on UpdateOpportunity for optimistic concurrency.
    pub last_modified: aws_smithy_types::DateTime,
    /// `LifeCycle.ReviewStatus` wire value (`Pending Submission`, `Submitted`, ...).
    pub review_status: Option<String>,
    /// AWS's free text (`LifeCycle.ReviewComments`) and reason code
    /// (`LifeCycle.ReviewStatusReason`), set under Action Required and Rejected.
    pub review_comments: Option<String>,
    pub review_status_reason: Option<String>,
    /// Solutions associated with the opportunity (`RelatedEntityIdentifiers.Solutions`).
    pub solutions: Vec<String>,
    pub fields: OpportunityFields,
    /// The complete GetOpportunity answer, when the adapter has one: UpdateOpportunity is a full
    /// replacement, so fields the sync does not manage (marketing, competitors, ...) are copied
    /// from here instead of being nulled.
    pub snapshot: Option<
        Arc<aws_sdk_partnercentralselling::operation::get_opportunity::GetOpportunityOutput>,
    >,
}

/// Review statuses under which Partner Central refuses updates: updates are blocked while AWS
/// reviews (Submitted, In review:
/// <https://docs.aws.amazon.com/partner-central/latest/selling-api/working-with-opportunity-updates.html>)
/// and a Rejected opportunity is read-only
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_LifeCycle.html>).
pub const READ_ONLY_REVIEW_STATUSES: [&str; 3] = ["Submitted", "In review", "Rejected"];

impl ExistingOpportunity {
    pub fn is_read_only(&self) -> bool {
        self.review_status
            .as_deref()
            .is_some_and(|s| READ_ONLY_REVIEW_STATUSES.contains(&s))
    }

    /// The Title cannot change once the opportunity has been submitted for review, which is
    /// every review status except `Pending Submission` (and none at all).
    pub fn title_is_frozen(&self) -> bool {
        self.review_status
            .as_deref()
            .is_some_and(|s| s != "Pending Submission")
    }
}

/// A StartEngagementFromOpportunityTask's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    InProgress,
    Complete,
    Failed,
}

/// One submission task, as StartEngagementFromOpportunityTask or
/// ListEngagementFromOpportunityTasks report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionTask {
    pub id: String,
    pub state: TaskState,
    /// `StartTime`, as epoch milliseconds (orders an opportunity's tasks).
    pub started_ms: i64,
    /// `ReasonCode` and `Message` of a FAILED task.
    pub reason_code: Option<String>,
    pub message: Option<String>,
}

/// How the opportunity is submitted (`AwsSubmission`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// `Co-Sell` | `For Visibility Only`.
    pub involvement_type: String,
    /// `Full` | `Limited`.
    pub visibility: String,
}

/// A just-created opportunity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedOpportunity {
    pub id: String,
}

/// AWS's side of a submitted opportunity, as GetAwsOpportunitySummary returns it. Before AWS
/// has looked at the opportunity most members are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSummary {
    /// AWS's own stage (`LifeCycle.Stage`, AWS's stage list).
    pub stage: Option<String>,
    pub next_steps: Option<String>,
    /// `Insights.EngagementScore`: `High` | `Medium` | `Low`.
    pub engagement_score: Option<String>,
    pub team: Vec<AwsTeamMember>,
    /// The involvement type AWS applies now (AWS may change the partner's choice).
    pub involvement_type: Option<String>,
}

/// One AWS person on the opportunity (`OpportunityTeam[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsTeamMember {
    /// `BusinessTitle`: AWSSalesRep, AWSAccountOwner, PDM, PSM, ISVSM, WWPSPDM.
    pub role: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// An opportunity ListOpportunities found, with the partner's own id for it
/// (`PartnerOpportunityIdentifier`: the HubSpot deal id for the opportunities this sync made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOpportunity {
    pub id: String,
    pub partner_id: Option<String>,
}

/// An engagement invitation's status (`InvitationStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Accepted,
    Rejected,
    Expired,
}

impl InvitationState {
    /// `aws_invitation_status`'s value for it.
    pub fn as_property(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Accepted => "accepted",
            InvitationState::Rejected => "rejected",
            InvitationState::Expired => "expired",
        }
    }
}

/// An AWS referral as GetEngagementInvitation returns it (`OpportunityInvitation` payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    /// `None`: a status this crate does not know; nothing is decided on it.
    pub state: Option<InvitationState>,
    pub engagement_title: Option<String>,
    pub project_title: Option<String>,
    pub business_problem: Option<String>,
    pub message: Option<String>,
    /// `Project.TargetCompletionDate`, `YYYY-MM-DD`.
    pub target_completion_date: Option<String>,
    /// The first `ExpectedCustomerSpend` amount and its currency.
    pub expected_spend: Option<(String, String)>,
    pub company_name: Option<String>,
    pub website: Option<String>,
    pub country_code: Option<String>,
    pub sender_contacts: Vec<AwsTeamMember>,
    pub expires_at: Option<DateTime<Utc>>,
    pub rejection_reason: Option<String>,
    /// False for a lead invitation (out of scope): it is never turned into a deal.
    pub is_opportunity: bool,
}

/// One StartEngagementByAcceptingInvitationTask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptTask {
    pub id: String,
    pub state: TaskState,
    pub started_ms: i64,
    /// The partner opportunity the accepted invitation became (on COMPLETE).
    pub opportunity_id: Option<String>,
    pub reason_code: Option<String>,
    pub message: Option<String>,
}
