//! AWS referrals: the engagement invitations AWS shares with a partner, and what accepting,
//! rejecting or ignoring one does ("Working with opportunities from AWS",
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/working-with-opportunities-from-aws.html>).
//!
//! AWS's side is played through the handle ([`PartnerCentralFake::invite`] and the controls in
//! `control.rs`); the partner's side is the API (`ops/invitations.rs`, `ops/accepting.rs`):
//!
//! - An invitation starts `PENDING` and expires `NewInvitation::expires_in` after it was sent —
//!   by default 15 days, as the ListEngagementInvitations reference states ("Invitations will
//!   automatically expire if not accepted within 15 days",
//!   <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ListEngagementInvitations.html>).
//!   Once its ExpirationDate has passed on the fake's clock it is `EXPIRED` for every reader,
//!   and `Engagement Invitation Expired` goes out once (from the background tick if nobody
//!   reads).
//! - StartEngagementByAcceptingInvitationTask is asynchronous like the submission task (same
//!   delay, same background tick: see `acceptance.rs`). On COMPLETE the invitation is
//!   `ACCEPTED` and a new opportunity exists in the partner's account with Origin `AWS Referral`
//!   ("When completed, an Opportunity Created event is generated",
//!   <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_StartEngagementByAcceptingInvitationTask.html>).
//! - RejectEngagementInvitation makes it `REJECTED` with the partner's reason; afterwards "all
//!   related data will become inaccessible"
//!   (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_RejectEngagementInvitation.html>),
//!   so GetEngagementInvitation no longer returns the payload of a rejected invitation.
//!
//! [`PartnerCentralFake::invite`]: super::PartnerCentralFake::invite

mod acceptance;
mod control;
mod output;

use std::time::Duration;

use aws_sdk_partnercentralselling::types::{Industry, InvitationStatus};
use chrono::{DateTime, Utc};

use super::eventbridge::DetailType;
use super::store::Store;

pub(crate) use acceptance::{AcceptTask, accept};

/// How long an invitation stays open: "Invitations will automatically expire if not accepted
/// within 15 days" (ListEngagementInvitations API reference).
pub const DEFAULT_INVITATION_LIFETIME: Duration = Duration::from_secs(15 * 24 * 60 * 60);

/// The sender AWS names on its invitations.
pub(crate) const SENDER_COMPANY: &str = "Amazon Web Services";

/// The AWS account AWS's invitations come from (any 12 digits: the fake has no real one).
pub(crate) const SENDER_ACCOUNT: &str = "444455556666";

/// One AWS person named on a referral (`OpportunityInvitationPayload.SenderContacts`, at most
/// 3 per invitation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderContact {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub business_title: String,
    /// E.164, e.g. `+12065550100`.
    pub phone: String,
}

/// What AWS shares when it refers an opportunity to the partner: the members of
/// GetEngagementInvitation's `OpportunityInvitation` payload
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_OpportunityInvitationPayload.html>).
/// AWS's data is not validated: the test playing AWS is trusted, as seeding is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// `Sandbox` or `AWS`.
    pub catalog: String,
    /// `EngagementTitle`, at most 40 characters in the real service.
    pub engagement_title: String,
    pub customer_company_name: String,
    pub customer_website: String,
    /// One of the SDK's `Industry` values.
    pub customer_industry: String,
    /// One of the SDK's `CountryCode` values (ISO 3166-1 alpha-2).
    pub customer_country_code: String,
    pub project_title: String,
    pub business_problem: String,
    /// `YYYY-MM-DD`.
    pub target_completion_date: String,
    /// Expected monthly spend in USD (`Amount` pattern, e.g. `"25000"`); `None` = AWS gave none.
    pub expected_monthly_spend: Option<String>,
    /// `InvitationMessage`.
    pub message: String,
    pub sender_contacts: Vec<SenderContact>,
    /// From the invitation date to its ExpirationDate.
    pub expires_in: Duration,
}

impl Default for NewInvitation {
    /// A realistic referral: a US retailer moving its e-commerce platform to AWS, one AWS
    /// account manager, the documented 15-day expiry.
    fn default() -> Self {
        Self {
            catalog: "Sandbox".to_owned(),
            engagement_title: "Brightline Retail e-commerce migration".to_owned(),
            customer_company_name: "Brightline Retail Group".to_owned(),
            customer_website: "https://www.brightlineretail.com".to_owned(),
            customer_industry: Industry::Retail.as_str().to_owned(),
            customer_country_code: "US".to_owned(),
            project_title: "E-commerce platform migration to AWS".to_owned(),
            business_problem: "Brightline's on-premises e-commerce platform cannot absorb holiday peaks; they want checkout and catalog services on AWS with managed databases before the fourth quarter.".to_owned(),
            target_completion_date: "2030-12-31".to_owned(),
            expected_monthly_spend: Some("25000".to_owned()),
            message: "AWS would like to co-sell with you on this retail migration.".to_owned(),
            sender_contacts: vec![SenderContact {
                email: "maria.gonzalez@amazon.com".to_owned(),
                first_name: "Maria".to_owned(),
                last_name: "Gonzalez".to_owned(),
                business_title: "AWS Account Manager".to_owned(),
                phone: "+12065550100".to_owned(),
            }],
            expires_in: DEFAULT_INVITATION_LIFETIME,
        }
    }
}

/// The customer's address on AWS's opportunity. The invitation does not show it ("the
/// following fields from the AWS Opportunity are not included in the Engagement Invitation:
/// Customer.Account.Address.StreetAddress, City, PostalCode, …"), but accepting copies it into
/// the partner's opportunity ("Includes additional details required to identify the customer
/// in the partner's account"; "Working with opportunities from AWS"). PostalCode cannot change
/// once an opportunity is Approved, so without it an accepted referral could never be updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerAddress {
    pub street_address: String,
    pub city: String,
    /// For US customers a full state name (`Washington`, not `WA`).
    pub state_or_region: String,
    pub postal_code: String,
}

impl Default for CustomerAddress {
    /// A US address, matching [`NewInvitation::default`]'s customer.
    fn default() -> Self {
        Self {
            street_address: "2021 7th Ave".to_owned(),
            city: "Seattle".to_owned(),
            state_or_region: "Washington".to_owned(),
            postal_code: "98101".to_owned(),
        }
    }
}

/// One received invitation.
#[derive(Debug, Clone)]
pub(crate) struct Invitation {
    /// `engi-` + 13 lowercase alphanumerics.
    pub id: String,
    pub arn: String,
    /// AWS's engagement the invitation belongs to (`eng-` + 14).
    pub engagement_id: String,
    pub new: NewInvitation,
    /// Shown only on the opportunity an acceptance creates.
    pub address: CustomerAddress,
    pub invited: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub status: InvitationStatus,
    pub rejection_reason: Option<String>,
}

impl Invitation {
    pub(crate) fn is_pending(&self) -> bool {
        self.status == InvitationStatus::Pending
    }
}

/// Ends due acceptance tasks, then expires what is still pending past its ExpirationDate.
/// Runs before anything reads the store (see `Shared::settled`).
pub(crate) fn settle(store: &mut Store, now: DateTime<Utc>, delay: chrono::Duration) {
    acceptance::settle(store, now, delay);
    let due: Vec<String> = store
        .invitations
        .iter()
        .filter(|i| i.is_pending() && i.expires <= now)
        .map(|i| i.id.clone())
        .collect();
    for id in due {
        if let Some(invitation) = store.invitation_mut(&id) {
            invitation.status = InvitationStatus::Expired;
        }
        store.emit_invitation(DetailType::InvitationExpired, &id, now);
    }
}
