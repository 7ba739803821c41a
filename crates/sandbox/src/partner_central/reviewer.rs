//! AWS's reviewer, played by the test through the fake's handle (not a Partner Central
//! operation). It moves a submitted opportunity along the review lifecycle of
//! `LifeCycle.ReviewStatus`
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_LifeCycle.html>):
//! Submitted → In review → Approved | Action Required | Rejected. Action Required goes back to
//! Submitted when the partner updates it (see `ops::update`), not through here.

use aws_sdk_partnercentralselling::types::ReviewStatus;

use super::eventbridge::DetailType;
use super::{PartnerCentralFake, SandboxError, aws_summary};

/// One decision of AWS's reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsReview {
    /// Submitted → In review.
    StartReview,
    /// In review → Approved.
    Approve,
    /// In review → Action Required: `comments` (LifeCycle.ReviewComments) says what to fix,
    /// `reason` (LifeCycle.ReviewStatusReason) is AWS's code for it.
    RequireAction { comments: String, reason: String },
    /// In review → Rejected, final.
    Reject { comments: String, reason: String },
}

impl AwsReview {
    /// The status this decision may be taken from, and the one it leads to.
    fn step(&self) -> (ReviewStatus, ReviewStatus) {
        match self {
            Self::StartReview => (ReviewStatus::Submitted, ReviewStatus::InReview),
            Self::Approve => (ReviewStatus::InReview, ReviewStatus::Approved),
            Self::RequireAction { .. } => (ReviewStatus::InReview, ReviewStatus::ActionRequired),
            Self::Reject { .. } => (ReviewStatus::InReview, ReviewStatus::Rejected),
        }
    }

    fn explanation(&self) -> (Option<String>, Option<String>) {
        match self {
            Self::StartReview | Self::Approve => (None, None),
            Self::RequireAction { comments, reason } | Self::Reject { comments, reason } => {
                (Some(comments.clone()), Some(reason.clone()))
            }
        }
    }
}

impl PartnerCentralFake {
    /// Takes AWS's review decision on an opportunity, refusing steps the real lifecycle does
    /// not have (reviewing an unsubmitted opportunity, approving without review, deciding
    /// twice, …). Bumps LastModifiedDate (the review status is part of the opportunity) and
    /// emits `Opportunity Updated`. Approval fills AWS's side (GetAwsOpportunitySummary) with
    /// AWS's stage, team and engagement score unless AWS already filled it.
    pub fn review(&self, id: &str, decision: AwsReview) -> Result<(), SandboxError> {
        let mut store = self.shared.settled();
        let (from, to) = decision.step();
        let now = self.shared.clock.now();
        let current = store
            .opportunities
            .get(id)
            .map(|o| o.review_status.clone())
            .ok_or_else(|| SandboxError::UnknownOpportunity(id.to_owned()))?;
        if current != from {
            return Err(SandboxError::InvalidTransition {
                id: id.to_owned(),
                from: current.as_str().to_owned(),
                to: to.as_str().to_owned(),
            });
        }
        let stamp = store.stamp(now);
        let (comments, reason) = decision.explanation();
        if let Some(opportunity) = store.opportunities.get_mut(id) {
            opportunity.review_status = to;
            opportunity.review_comments = comments;
            opportunity.review_status_reason = reason;
            opportunity.last_modified = stamp;
            aws_summary::on_review(opportunity, now);
        }
        store.emit(DetailType::OpportunityUpdated, id, now);
        Ok(())
    }

    /// The EngagementId a completed submission task recorded, if any.
    pub fn engagement_id(&self, id: &str) -> Option<String> {
        self.shared
            .settled()
            .opportunities
            .get(id)
            .and_then(|o| o.engagement_id.clone())
    }
}
