//! HubSpot object types, their property schemas and the association type table.

use std::collections::BTreeMap;
use std::fmt;

use events::SYNC_OWNED_PROPERTIES;

use super::pipelines;

/// The CRM object types the sync touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    Deal,
    Company,
    Contact,
    Note,
    Task,
}

impl ObjectType {
    pub const ALL: [ObjectType; 5] = [
        Self::Deal,
        Self::Company,
        Self::Contact,
        Self::Note,
        Self::Task,
    ];

    /// HubSpot accepts the plural, the singular and the `objectTypeId` in paths
    /// (`deals`, `deal`, `0-3`); webhooks use the id form.
    pub fn parse(segment: &str) -> Option<Self> {
        match segment.to_ascii_lowercase().as_str() {
            "deals" | "deal" | "0-3" => Some(Self::Deal),
            "companies" | "company" | "0-2" => Some(Self::Company),
            "contacts" | "contact" | "0-1" => Some(Self::Contact),
            "notes" | "note" | "0-46" => Some(Self::Note),
            "tasks" | "task" | "0-27" => Some(Self::Task),
            _ => None,
        }
    }

    /// The name used in URLs and in the `associations` map keys.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Deal => "deals",
            Self::Company => "companies",
            Self::Contact => "contacts",
            Self::Note => "notes",
            Self::Task => "tasks",
        }
    }

    pub fn singular(self) -> &'static str {
        match self {
            Self::Deal => "deal",
            Self::Company => "company",
            Self::Contact => "contact",
            Self::Note => "note",
            Self::Task => "task",
        }
    }

    /// Upper-case name HubSpot uses in batch error messages ("Could not get some DEAL objects").
    pub(crate) fn shout(self) -> &'static str {
        match self {
            Self::Deal => "DEAL",
            Self::Company => "COMPANY",
            Self::Contact => "CONTACT",
            Self::Note => "NOTE",
            Self::Task => "TASK",
        }
    }

    /// Property holding the creation time (notes and tasks are engagements and use the `hs_`
    /// name).
    pub(crate) fn created_property(self) -> &'static str {
        match self {
            Self::Note | Self::Task => "hs_createdate",
            _ => "createdate",
        }
    }

    /// Property holding the last-modified time (contacts kept the legacy name).
    pub(crate) fn modified_property(self) -> &'static str {
        match self {
            Self::Contact => "lastmodifieddate",
            _ => "hs_lastmodifieddate",
        }
    }

    /// What GET returns when the caller passes no `properties` parameter.
    pub(crate) fn default_properties(self) -> &'static [&'static str] {
        match self {
            Self::Deal => &[
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ],
            Self::Company => &[
                "createdate",
                "domain",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
            ],
            Self::Contact => &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
            Self::Note | Self::Task => &["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
        }
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

/// How HubSpot validates a written value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PropertyKind {
    String,
    /// Decimal number written as a string (`"1200.50"`).
    Number,
    /// ISO-8601 date-time or epoch milliseconds.
    DateTime,
    /// One of the listed option values (internal values, not labels).
    Enumeration(Vec<String>),
    /// Several option values separated by `;` (fieldType `checkbox`).
    MultiEnumeration(Vec<String>),
    /// Maintained by HubSpot; writes are rejected.
    ReadOnly,
}

/// The options of the enumerated `aws_sync_status` property, as `sync-local hubspot-setup`
/// creates them (README, "HubSpot properties").
const SYNC_STATUS_OPTIONS: [&str; 6] = [
    "synced",
    "error",
    "blocked",
    "submitting",
    "action_required",
    "rejected",
];

/// `aws_invitation_status`: where a deal's AWS referral stands (README, "HubSpot properties").
const INVITATION_STATUS_OPTIONS: [&str; 5] =
    ["pending", "accepting", "accepted", "rejected", "expired"];

/// `aws_invitation_decision`: a person's answer to the referral.
const INVITATION_DECISION_OPTIONS: [&str; 2] = ["accept", "reject"];

/// `aws_invitation_rejection_reason`: the reasons RejectEngagementInvitation documents
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_RejectEngagementInvitation.html>),
/// sent as they are.
const REJECTION_REASON_OPTIONS: [&str; 5] = [
    "Customer problem unclear",
    "Next steps unclear",
    "Unable to support",
    "Duplicate of partner referral",
    "Other",
];

/// Properties a fresh portal defines with "require unique values" (`hasUniqueValue`): the
/// referral's invitation id links one deal to one invitation.
pub(crate) fn unique_by_default(kind: ObjectType, name: &str, sync_properties: bool) -> bool {
    sync_properties && kind == ObjectType::Deal && name == "aws_invitation_id"
}

/// The options of an enumeration property.
fn options(values: &[&str]) -> PropertyKind {
    PropertyKind::Enumeration(values.iter().map(|v| (*v).to_owned()).collect())
}

/// The deal properties the README's set-up defines for the sync.
fn sync_deal_properties(add: &mut impl FnMut(&str, PropertyKind)) {
    for name in SYNC_OWNED_PROPERTIES {
        add(name, PropertyKind::String);
    }
    add("aws_sync_status", options(&SYNC_STATUS_OPTIONS));
    add("aws_last_synced_at", PropertyKind::DateTime);
    // The inputs a person sets for submission (a checkbox is an enumeration of `true` /
    // `false` in HubSpot's property model).
    add("aws_submit", options(&["true", "false"]));
    add(
        "aws_involvement_type",
        options(&["Co-Sell", "For Visibility Only"]),
    );
    add("aws_visibility", options(&["Full", "Limited"]));
    // AWS referrals: what the sync records, and a person's decision.
    add("aws_invitation_id", PropertyKind::String);
    add("aws_invitation_status", options(&INVITATION_STATUS_OPTIONS));
    add("aws_invitation_expires_at", PropertyKind::DateTime);
    add(
        "aws_invitation_decision",
        options(&INVITATION_DECISION_OPTIONS),
    );
    add(
        "aws_invitation_rejection_reason",
        options(&REJECTION_REASON_OPTIONS),
    );
}

/// `hs_task_status` values; a task created without one starts `NOT_STARTED`.
pub(crate) const TASK_STATUS_OPTIONS: [&str; 2] = ["NOT_STARTED", "COMPLETED"];

/// The group HubSpot puts an object type's standard properties in.
pub(crate) fn default_group(kind: ObjectType) -> &'static str {
    match kind {
        ObjectType::Deal => "dealinformation",
        ObjectType::Company => "companyinformation",
        ObjectType::Contact => "contactinformation",
        ObjectType::Note | ObjectType::Task => "engagement",
    }
}

/// The property schema a fresh portal has: standard properties, plus the sync-owned ones when
/// `sync_properties` (a portal where the README's set-up was done).
pub(crate) fn standard_schema(
    kind: ObjectType,
    sync_properties: bool,
) -> BTreeMap<String, PropertyKind> {
    use PropertyKind::{DateTime, Number, ReadOnly, String as Text};
    let mut schema: BTreeMap<String, PropertyKind> = BTreeMap::new();
    let mut add = |name: &str, k: PropertyKind| {
        schema.insert(name.to_owned(), k);
    };
    add("hs_object_id", ReadOnly);
    add(kind.created_property(), ReadOnly);
    add(kind.modified_property(), ReadOnly);
    add("hubspot_owner_id", Text);
    match kind {
        ObjectType::Deal => {
            for name in [
                "dealname",
                "dealstage",
                "pipeline",
                "dealtype",
                "description",
            ] {
                add(name, Text);
            }
            add("hs_next_step", Text);
            add("deal_currency_code", Text);
            add("amount", Number);
            add("closedate", DateTime);
            // The default pipeline is the only one; its stages are dealstage's options.
            add(
                "pipeline",
                PropertyKind::Enumeration(vec![pipelines::DEFAULT_PIPELINE.to_owned()]),
            );
            add(
                "dealstage",
                PropertyKind::Enumeration(pipelines::stage_ids()),
            );
            if sync_properties {
                sync_deal_properties(&mut add);
            }
        }
        ObjectType::Company => {
            for name in [
                "name",
                "domain",
                "website",
                "industry",
                "country",
                "city",
                "state",
                "zip",
                "address",
                "address2",
                "phone",
                "description",
                "numberofemployees",
                "annualrevenue",
            ] {
                add(name, Text);
            }
        }
        ObjectType::Contact => {
            for name in [
                "firstname",
                "lastname",
                "email",
                "phone",
                "mobilephone",
                "jobtitle",
                "company",
                "lifecyclestage",
            ] {
                add(name, Text);
            }
        }
        ObjectType::Note => {
            add("hs_note_body", Text);
            add("hs_timestamp", DateTime);
            add("hs_attachment_ids", Text);
        }
        // The task properties of the tasks guide
        // (<https://developers.hubspot.com/docs/api/crm/tasks>): hs_timestamp is the due date,
        // status, priority and type are enumerations of the values it lists.
        ObjectType::Task => {
            add("hs_task_subject", Text);
            add("hs_task_body", Text);
            add("hs_timestamp", DateTime);
            add("hs_task_status", options(&TASK_STATUS_OPTIONS));
            add("hs_task_priority", options(&["LOW", "MEDIUM", "HIGH"]));
            add("hs_task_type", options(&["EMAIL", "CALL", "TODO"]));
            add("hs_task_reminders", Text);
        }
    }
    schema
}

/// One association type between two object types: the `type` name v3 reads list and the
/// `associationTypeId` v3 creates take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AssociationDef {
    pub from: ObjectType,
    pub to: ObjectType,
    pub type_id: u32,
    pub v3_name: &'static str,
    pub primary: bool,
}

const fn def(
    from: ObjectType,
    to: ObjectType,
    type_id: u32,
    v3_name: &'static str,
    primary: bool,
) -> AssociationDef {
    AssociationDef {
        from,
        to,
        type_id,
        v3_name,
        primary,
    }
}

/// HubSpot-defined association type ids
/// (<https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide>). Company
/// links have both an unlabeled type and a "Primary" type; a primary link carries both, which is
/// why v3 lists it twice (`deal_to_company` and `deal_to_company_unlabeled`).
pub(crate) const ASSOCIATION_DEFS: &[AssociationDef] = {
    use ObjectType::{Company, Contact, Deal, Note, Task};
    &[
        def(Deal, Company, 5, "deal_to_company", true),
        def(Deal, Company, 341, "deal_to_company_unlabeled", false),
        def(Company, Deal, 6, "company_to_deal", true),
        def(Company, Deal, 342, "company_to_deal_unlabeled", false),
        def(Contact, Company, 1, "contact_to_company", true),
        def(Contact, Company, 279, "contact_to_company_unlabeled", false),
        def(Company, Contact, 2, "company_to_contact", true),
        def(Company, Contact, 280, "company_to_contact_unlabeled", false),
        def(Deal, Contact, 3, "deal_to_contact", false),
        def(Contact, Deal, 4, "contact_to_deal", false),
        def(Note, Deal, 214, "note_to_deal", false),
        def(Deal, Note, 213, "deal_to_note", false),
        def(Note, Company, 190, "note_to_company", false),
        def(Company, Note, 189, "company_to_note", false),
        def(Note, Contact, 202, "note_to_contact", false),
        def(Contact, Note, 201, "contact_to_note", false),
        def(Task, Deal, 216, "task_to_deal", false),
        def(Deal, Task, 215, "deal_to_task", false),
        def(Task, Company, 192, "task_to_company", false),
        def(Company, Task, 191, "company_to_task", false),
        def(Task, Contact, 204, "task_to_contact", false),
        def(Contact, Task, 203, "contact_to_task", false),
    ]
};

/// The association types a link between `from` and `to` carries, primary first (HubSpot's order).
pub(crate) fn association_types(
    from: ObjectType,
    to: ObjectType,
    primary: bool,
) -> Vec<AssociationDef> {
    let mut defs: Vec<AssociationDef> = ASSOCIATION_DEFS
        .iter()
        .filter(|d| d.from == from && d.to == to && (primary || !d.primary))
        .copied()
        .collect();
    defs.sort_by_key(|d| !d.primary);
    defs
}

/// Whether a "Primary" label exists for this pair (only company links have one).
pub(crate) fn has_primary(from: ObjectType, to: ObjectType) -> bool {
    ASSOCIATION_DEFS
        .iter()
        .any(|d| d.from == from && d.to == to && d.primary)
}

/// Looks up a HubSpot-defined type id used when creating an object with associations.
pub(crate) fn association_by_id(from: ObjectType, type_id: u32) -> Option<AssociationDef> {
    ASSOCIATION_DEFS
        .iter()
        .find(|d| d.from == from && d.type_id == type_id)
        .copied()
}
