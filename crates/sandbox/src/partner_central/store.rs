//! Stored opportunities, submission tasks, AWS referrals and their acceptance tasks,
//! client-token memory and ids.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_partnercentralselling::types::ReviewStatus;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::aws_summary::AwsSide;
use super::eventbridge::{DetailType, EventBus};
use super::referrals::{AcceptTask, Invitation};
use super::submission::SubmissionTask;
use super::{ACCOUNT_ID, protocol};

/// Top-level members the partner owns and UpdateOpportunity replaces wholesale.
pub(crate) const REPLACEABLE: [&str; 9] = [
    "PrimaryNeedsFromAws",
    "NationalSecurity",
    "PartnerOpportunityIdentifier",
    "Customer",
    "Project",
    "OpportunityType",
    "Marketing",
    "SoftwareRevenue",
    "LifeCycle",
];

/// LifeCycle members only AWS writes; partner input for them is ignored.
pub(crate) const AWS_OWNED_LIFECYCLE: [&str; 4] = [
    "ReviewStatus",
    "ReviewComments",
    "ReviewStatusReason",
    "NextStepsHistory",
];

#[derive(Debug, Clone)]
pub(crate) struct Opportunity {
    pub id: String,
    pub catalog: String,
    pub arn: String,
    pub origin: String,
    pub created: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    /// Partner-owned members as last written (REPLACEABLE keys plus create-only OpportunityTeam).
    pub body: Map<String, Value>,
    pub review_status: ReviewStatus,
    pub review_comments: Option<String>,
    pub review_status_reason: Option<String>,
    /// RelatedEntityType → identifiers, in association order.
    pub related: BTreeMap<String, Vec<String>>,
    /// The engagement a completed submission task created (AWS's side of the opportunity).
    pub engagement_id: Option<String>,
    /// AWS's own opportunity (GetAwsOpportunitySummary), from the moment a submission
    /// completes.
    pub aws: Option<AwsSide>,
}

/// The SDK reads dates as RFC 3339 strings ("date-time" format); milliseconds keep
/// LastModifiedDate distinct between quick successive writes.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The ARN of a Partner Central resource of the partner account, e.g. `kind` `opportunity` or
/// `engagement-invitation`.
pub(crate) fn arn(catalog: &str, kind: &str, id: &str) -> String {
    format!(
        "arn:aws:partnercentral:{}:{ACCOUNT_ID}:catalog/{catalog}/{kind}/{id}",
        protocol::REGION
    )
}

impl Opportunity {
    /// Drops AWS-owned LifeCycle members from partner input.
    pub(crate) fn partner_lifecycle(value: &Value) -> Value {
        let mut lifecycle = value.clone();
        if let Value::Object(map) = &mut lifecycle {
            for key in AWS_OWNED_LIFECYCLE {
                map.remove(key);
            }
        }
        lifecycle
    }

    fn lifecycle_json(&self) -> Value {
        let mut lifecycle = match self.body.get("LifeCycle") {
            Some(Value::Object(map)) => map.clone(),
            _ => Map::new(),
        };
        lifecycle.insert("ReviewStatus".into(), json!(self.review_status.as_str()));
        if let Some(comments) = &self.review_comments {
            lifecycle.insert("ReviewComments".into(), json!(comments));
        }
        if let Some(reason) = &self.review_status_reason {
            lifecycle.insert("ReviewStatusReason".into(), json!(reason));
        }
        Value::Object(lifecycle)
    }

    fn related_json(&self) -> Value {
        let mut related = Map::new();
        for (kind, ids) in &self.related {
            related.insert(kind.clone(), json!(ids));
        }
        Value::Object(related)
    }

    /// GetOpportunity's output.
    pub(crate) fn to_get_output(&self) -> Value {
        let mut out = self.body.clone();
        out.insert("Catalog".into(), json!(self.catalog));
        out.insert("Id".into(), json!(self.id));
        out.insert("Arn".into(), json!(self.arn));
        out.insert("CreatedDate".into(), json!(timestamp(self.created)));
        out.insert(
            "LastModifiedDate".into(),
            json!(timestamp(self.last_modified)),
        );
        out.insert("LifeCycle".into(), self.lifecycle_json());
        out.insert("RelatedEntityIdentifiers".into(), self.related_json());
        Value::Object(out)
    }

    /// One ListOpportunities `OpportunitySummaries` entry (a subset of the full object).
    pub(crate) fn to_summary(&self) -> Value {
        let pick = |value: Option<&Value>, keys: &[&str]| -> Value {
            let mut out = Map::new();
            if let Some(Value::Object(map)) = value {
                for key in keys {
                    if let Some(v) = map.get(*key) {
                        out.insert((*key).to_owned(), v.clone());
                    }
                }
            }
            Value::Object(out)
        };
        let account = self.body.get("Customer").and_then(|c| c.get("Account"));
        let mut account_summary = pick(
            account,
            &["CompanyName", "WebsiteUrl", "Industry", "OtherIndustry"],
        );
        let address = pick(
            account.and_then(|a| a.get("Address")),
            &["City", "PostalCode", "StateOrRegion", "CountryCode"],
        );
        if address.as_object().is_some_and(|a| !a.is_empty()) {
            account_summary["Address"] = address;
        }
        let mut lifecycle = pick(
            Some(&self.lifecycle_json()),
            &[
                "Stage",
                "ClosedLostReason",
                "NextSteps",
                "TargetCloseDate",
                "ReviewStatus",
                "ReviewComments",
                "ReviewStatusReason",
            ],
        );
        if lifecycle.get("ReviewStatus").is_none() {
            lifecycle["ReviewStatus"] = json!(self.review_status.as_str());
        }
        json!({
            "Catalog": self.catalog,
            "Id": self.id,
            "Arn": self.arn,
            "PartnerOpportunityIdentifier": self.body.get("PartnerOpportunityIdentifier"),
            "OpportunityType": self.body.get("OpportunityType"),
            "LastModifiedDate": timestamp(self.last_modified),
            "CreatedDate": timestamp(self.created),
            "LifeCycle": lifecycle,
            "Customer": { "Account": account_summary },
            "Project": pick(
                self.body.get("Project"),
                &["DeliveryModels", "ExpectedCustomerSpend", "ExpectedContractDuration"],
            ),
        })
    }

    pub(crate) fn company_name(&self) -> Option<&str> {
        self.body
            .get("Customer")?
            .get("Account")?
            .get("CompanyName")?
            .as_str()
    }
}

/// What an idempotent replay (CreateOpportunity, StartEngagementFromOpportunityTask) returns.
#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub request: Value,
    pub id: String,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub opportunities: BTreeMap<String, Opportunity>,
    /// (catalog, ClientToken) → the request body that used it first.
    pub tokens: HashMap<(String, String), TokenRecord>,
    /// Submission tasks in start order.
    pub tasks: Vec<SubmissionTask>,
    /// (catalog, ClientToken) → the StartEngagementFromOpportunityTask body and its task id.
    pub task_tokens: HashMap<(String, String), TokenRecord>,
    /// AWS referrals (engagement invitations received), in the order AWS sent them.
    pub invitations: Vec<Invitation>,
    /// StartEngagementByAcceptingInvitationTask tasks in start order.
    pub accept_tasks: Vec<AcceptTask>,
    /// (catalog, ClientToken) → the StartEngagementByAcceptingInvitationTask body and its
    /// task id.
    pub accept_tokens: HashMap<(String, String), TokenRecord>,
    /// The default event bus Partner Central puts its events on.
    pub bus: EventBus,
    next_id: u64,
    last_stamp: Option<DateTime<Utc>>,
}

impl Store {
    pub(crate) fn new() -> Self {
        Self {
            // "O" + 10 digits, like the ids Partner Central hands out.
            next_id: 4_000_000_001,
            ..Self::default()
        }
    }

    pub(crate) fn allocate_id(&mut self) -> String {
        let id = format!("O{:010}", self.next_id);
        self.next_id += 1;
        id
    }

    /// A modification time strictly after the previous one, so optimistic-concurrency checks
    /// never see two writes with the same LastModifiedDate (even with a frozen test clock).
    pub(crate) fn stamp(&mut self, now: DateTime<Utc>) -> DateTime<Utc> {
        let now = truncate_millis(now);
        let stamp = match self.last_stamp {
            Some(last) if now <= last => last + Duration::milliseconds(1),
            _ => now,
        };
        self.last_stamp = Some(stamp);
        stamp
    }

    /// Announces a change of opportunity `id` on the event bus, at `at` on the fake's clock.
    /// Every change of an opportunity or of its AWS summary goes through here.
    pub(crate) fn emit(&mut self, detail_type: DetailType, id: &str, at: DateTime<Utc>) {
        if let Some(opportunity) = self.opportunities.get(id) {
            let (catalog, arn) = (opportunity.catalog.clone(), opportunity.arn.clone());
            self.bus.publish(detail_type, &catalog, id, &arn, at);
        }
    }

    /// Announces a change of invitation `id` on the event bus, as [`Store::emit`] does for
    /// opportunities.
    pub(crate) fn emit_invitation(&mut self, detail_type: DetailType, id: &str, at: DateTime<Utc>) {
        if let Some(invitation) = self.invitations.iter().find(|i| i.id == id) {
            let (catalog, arn) = (invitation.new.catalog.clone(), invitation.arn.clone());
            self.bus.publish(detail_type, &catalog, id, &arn, at);
        }
    }

    /// Looks an invitation up within one catalog by its id or its ARN (the API takes either).
    pub(crate) fn invitation(&self, catalog: &str, identifier: &str) -> Option<&Invitation> {
        self.invitations
            .iter()
            .find(|i| i.new.catalog == catalog && (i.id == identifier || i.arn == identifier))
    }

    pub(crate) fn invitation_mut(&mut self, id: &str) -> Option<&mut Invitation> {
        self.invitations.iter_mut().find(|i| i.id == id)
    }

    /// Looks an opportunity up within one catalog (AWS and Sandbox are separate worlds).
    pub(crate) fn get(&self, catalog: &str, id: &str) -> Option<&Opportunity> {
        self.opportunities.get(id).filter(|o| o.catalog == catalog)
    }

    pub(crate) fn get_mut(&mut self, catalog: &str, id: &str) -> Option<&mut Opportunity> {
        self.opportunities
            .get_mut(id)
            .filter(|o| o.catalog == catalog)
    }
}

pub(crate) fn truncate_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}
