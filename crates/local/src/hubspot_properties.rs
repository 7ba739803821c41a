//! The HubSpot deal properties the sync reads or writes: the one table `sync-local
//! hubspot-setup` creates them from and the README documents. Pure data (no I/O) so that it can
//! move to the `events` crate and be shared with the processor and the HubSpot fake.
//!
//! Types and field types are HubSpot's (`string`/`text`, `enumeration`/`select`, …: the
//! "Property type and fieldType values" table of
//! <https://developers.hubspot.com/docs/api/crm/properties>). Enumeration option values are the
//! Partner Central values, taken from the SDK enums so that they cannot drift.

use aws_sdk_partnercentralselling::types::{
    ClosedLostReason, DeliveryModel, OpportunityType, PrimaryNeedFromAws, SalesInvolvementType,
    Visibility,
};
use events::partner_central::CUSTOMER_USE_CASES;
use processor::ENGAGEMENT_SCORES;

/// The deal property group the sync's properties live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PropertyGroup {
    pub name: &'static str,
    pub label: &'static str,
    /// -1 puts the group first in HubSpot's property settings.
    pub display_order: i64,
}

pub const GROUP: PropertyGroup = PropertyGroup {
    name: "aws_partner_central",
    label: "AWS Partner Central",
    display_order: -1,
};

/// Who sets a property's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The sync writes it; people should treat it as read-only.
    Written,
    /// A person sets it; the sync reads it.
    Input,
}

/// The options of an enumeration (or bool) property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Options {
    None,
    /// Label = internal value (Partner Central values, shown as they are).
    Values(&'static [&'static str]),
    /// `(internal value, label)`.
    Labeled(&'static [(&'static str, &'static str)]),
}

impl Options {
    /// `(value, label)` in display order.
    pub fn pairs(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Self::None => Vec::new(),
            Self::Values(values) => values.iter().map(|v| (*v, *v)).collect(),
            Self::Labeled(pairs) => pairs.to_vec(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DealProperty {
    pub name: &'static str,
    pub label: &'static str,
    /// HubSpot `type`.
    pub property_type: &'static str,
    /// HubSpot `fieldType`.
    pub field_type: &'static str,
    pub options: Options,
    pub role: Role,
    pub description: &'static str,
    /// HubSpot `hasUniqueValue`: no two deals may hold the same value. Set only when the
    /// property is created (HubSpot does not change it afterwards).
    pub unique: bool,
}

/// `aws_sync_status` values (README, "HubSpot properties"; the submission lifecycle is in
/// docs/architecture.md).
pub const SYNC_STATUS_OPTIONS: [(&str, &str); 6] = [
    ("synced", "Synced"),
    ("error", "Error"),
    ("blocked", "Blocked"),
    ("submitting", "Submitting"),
    ("action_required", "Action required"),
    ("rejected", "Rejected"),
];

/// HubSpot's bool options.
const CHECKBOX: [(&str, &str); 2] = [("true", "Yes"), ("false", "No")];

const fn property(
    name: &'static str,
    label: &'static str,
    (property_type, field_type): (&'static str, &'static str),
    options: Options,
    role: Role,
    description: &'static str,
) -> DealProperty {
    DealProperty {
        name,
        label,
        property_type,
        field_type,
        options,
        role,
        description,
        unique: false,
    }
}

const TEXT: (&str, &str) = ("string", "text");
const MULTI_LINE: (&str, &str) = ("string", "textarea");
const SELECT: (&str, &str) = ("enumeration", "select");
const CHECKBOXES: (&str, &str) = ("enumeration", "checkbox");

/// Every deal property the sync owns or reads, in the order HubSpot shows them.
/// `aws_invitation_status` values.
pub const INVITATION_STATUS_OPTIONS: [(&str, &str); 5] = [
    ("pending", "Pending"),
    ("accepting", "Accepting"),
    ("accepted", "Accepted"),
    ("rejected", "Rejected"),
    ("expired", "Expired"),
];
/// `aws_invitation_decision` values.
const DECISION_OPTIONS: [(&str, &str); 2] = [("accept", "Accept"), ("reject", "Reject")];

pub const SYNC_DEAL_PROPERTIES: [DealProperty; 26] = {
    use Role::{Input, Written};
    [
        property(
            "aws_opportunity_id",
            "AWS opportunity ID",
            TEXT,
            Options::None,
            Written,
            "Set by the sync: the Partner Central opportunity id. Links the deal to the opportunity.",
        ),
        property(
            "aws_opportunity_title",
            "AWS opportunity title",
            TEXT,
            Options::None,
            Written,
            "Set by the sync: the opportunity title as Partner Central holds it.",
        ),
        property(
            "aws_sync_status",
            "AWS sync status",
            SELECT,
            Options::Labeled(&SYNC_STATUS_OPTIONS),
            Written,
            "Set by the sync: whether Partner Central matches the deal.",
        ),
        property(
            "aws_sync_error",
            "AWS sync error",
            MULTI_LINE,
            Options::None,
            Written,
            "Set by the sync: why the last sync failed or is blocked. Empty after a successful sync.",
        ),
        property(
            "aws_review_status",
            "AWS review status",
            TEXT,
            Options::None,
            Written,
            "Set by the sync: Partner Central's review status as last seen.",
        ),
        property(
            "aws_last_synced_at",
            "AWS last synced at",
            ("datetime", "date"),
            Options::None,
            Written,
            "Set by the sync: time of the last sync that changed something.",
        ),
        property(
            "aws_review_comments",
            "AWS review comments",
            MULTI_LINE,
            Options::None,
            Written,
            "Set by the sync: AWS's review comments and reason (Action Required, Rejected).",
        ),
        property(
            "aws_seller_stage",
            "AWS seller stage",
            TEXT,
            Options::None,
            Written,
            "Set by the sync: AWS's own stage of the opportunity (GetAwsOpportunitySummary), once submitted.",
        ),
        property(
            "aws_seller_next_steps",
            "AWS seller next steps",
            MULTI_LINE,
            Options::None,
            Written,
            "Set by the sync: AWS's next steps for the opportunity, once submitted.",
        ),
        property(
            "aws_engagement_score",
            "AWS engagement score",
            SELECT,
            Options::Values(&ENGAGEMENT_SCORES),
            Written,
            "Set by the sync: AWS's engagement score (High, Medium, Low), once AWS has scored it.",
        ),
        property(
            "aws_team",
            "AWS team",
            MULTI_LINE,
            Options::None,
            Written,
            "Set by the sync: the AWS people on the opportunity, one per line (role, name, e-mail).",
        ),
        DealProperty {
            unique: true,
            ..property(
                "aws_invitation_id",
                "AWS invitation ID",
                TEXT,
                Options::None,
                Written,
                "Set by the sync: the AWS referral (engagement invitation) this deal was made for. Unique: one deal per invitation.",
            )
        },
        property(
            "aws_invitation_status",
            "AWS invitation status",
            SELECT,
            Options::Labeled(&INVITATION_STATUS_OPTIONS),
            Written,
            "Set by the sync: the AWS referral's status (pending, accepting, accepted, rejected, expired).",
        ),
        property(
            "aws_invitation_expires_at",
            "AWS invitation expires at",
            ("datetime", "date"),
            Options::None,
            Written,
            "Set by the sync: when the AWS referral expires if nobody answers it.",
        ),
        property(
            "aws_invitation_decision",
            "AWS invitation decision",
            SELECT,
            Options::Labeled(&DECISION_OPTIONS),
            Input,
            "Accept or reject the AWS referral; the sync sends the decision to Partner Central.",
        ),
        property(
            "aws_invitation_rejection_reason",
            "AWS invitation rejection reason",
            SELECT,
            Options::Values(&processor::referrals::REJECTION_REASONS),
            Input,
            "Why the AWS referral is rejected (sent with the rejection; Other when empty).",
        ),
        property(
            "aws_submit",
            "Submit to AWS",
            ("bool", "booleancheckbox"),
            Options::Labeled(&CHECKBOX),
            Input,
            "Check to submit the opportunity to AWS (SUBMIT_TRIGGER=property). The sync clears it when a submission fails; check it again after fixing the deal.",
        ),
        property(
            "aws_involvement_type",
            "AWS involvement type",
            SELECT,
            Options::Values(SalesInvolvementType::values()),
            Input,
            "How the opportunity is submitted: Co-Sell or For Visibility Only.",
        ),
        property(
            "aws_visibility",
            "AWS visibility",
            SELECT,
            Options::Values(Visibility::values()),
            Input,
            "How the opportunity is submitted: Full or Limited visibility.",
        ),
        property(
            "aws_business_problem",
            "AWS business problem",
            MULTI_LINE,
            Options::None,
            Input,
            "The customer's business problem (Partner Central: 20-2000 characters). Default: the deal description.",
        ),
        property(
            "aws_use_case",
            "AWS use case",
            SELECT,
            Options::Values(&CUSTOMER_USE_CASES),
            Input,
            "Partner Central customer use case.",
        ),
        property(
            "aws_delivery_models",
            "AWS delivery models",
            CHECKBOXES,
            Options::Values(DeliveryModel::values()),
            Input,
            "Partner Central delivery models.",
        ),
        property(
            "aws_primary_needs",
            "AWS primary needs",
            CHECKBOXES,
            Options::Values(PrimaryNeedFromAws::values()),
            Input,
            "What the partner needs from AWS.",
        ),
        property(
            "aws_opportunity_type",
            "AWS opportunity type",
            SELECT,
            Options::Values(OpportunityType::values()),
            Input,
            "Partner Central opportunity type.",
        ),
        property(
            "aws_monthly_spend",
            "AWS expected monthly spend",
            ("number", "number"),
            Options::None,
            Input,
            "Expected monthly AWS spend. Default: the deal amount.",
        ),
        property(
            "aws_closed_lost_reason",
            "AWS closed lost reason",
            SELECT,
            Options::Values(ClosedLostReason::values()),
            Input,
            "Sent to Partner Central when the deal is closed lost.",
        ),
    ]
};

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<&'static str> {
        SYNC_DEAL_PROPERTIES.iter().map(|p| p.name).collect()
    }

    #[test]
    fn names_are_unique() {
        let mut sorted = names();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), SYNC_DEAL_PROPERTIES.len());
    }

    #[test]
    fn covers_what_the_sync_writes_and_what_the_mapping_reads() {
        let names = names();
        for owned in events::SYNC_OWNED_PROPERTIES {
            assert!(names.contains(&owned), "{owned} is written but not set up");
        }
        for read in processor::mapping::DEAL_PROPERTIES
            .iter()
            .filter(|p| p.starts_with("aws_"))
        {
            assert!(names.contains(read), "{read} is read but not set up");
        }
    }

    #[test]
    fn enumerations_have_options_and_others_none() {
        for p in SYNC_DEAL_PROPERTIES {
            let needs_options = matches!(p.property_type, "enumeration" | "bool");
            assert_eq!(
                !p.options.pairs().is_empty(),
                needs_options,
                "{}: options vs type {}",
                p.name,
                p.property_type
            );
        }
    }

    #[test]
    fn involvement_and_visibility_are_the_partner_central_values() {
        let find = |name| {
            SYNC_DEAL_PROPERTIES
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.options.pairs())
                .unwrap_or_default()
        };
        assert_eq!(
            find("aws_involvement_type"),
            [
                ("Co-Sell", "Co-Sell"),
                ("For Visibility Only", "For Visibility Only")
            ]
        );
        assert_eq!(
            find("aws_visibility"),
            [("Full", "Full"), ("Limited", "Limited")]
        );
    }
}
