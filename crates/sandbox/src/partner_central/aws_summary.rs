//! AWS's side of an opportunity, as GetAwsOpportunitySummary returns it
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_GetAwsOpportunitySummary.html>):
//! AWS's own stage and next steps, the AWS team, the engagement score, and the involvement
//! type and visibility the submission asked for.
//!
//! It exists from the moment a submission task completes (the task creates AWS's engagement),
//! and until AWS's reviewer has looked at it, it holds little more than the submission's
//! InvolvementType and Visibility. Approval fills in AWS's stage, team and insights. AWS's
//! people change it afterwards through [`PartnerCentralFake::set_aws_summary`]; every change is
//! announced as `Opportunity Updated` ("Opportunity or its corresponding AWS Opportunity
//! Summary", <https://docs.aws.amazon.com/partner-central/latest/APIReference/selling-api-events.html>).
//! A summary change does not move the partner opportunity's LastModifiedDate: that date
//! belongs to the partner's record (GetOpportunity), which AWS's seller did not change.

use aws_sdk_partnercentralselling::types::{
    AwsMemberBusinessTitle, AwsOpportunityStage, EngagementScore, InvolvementTypeChangeReason,
    RelatedEntityType, ReviewStatus, SalesInvolvementType,
};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::eventbridge::DetailType;
use super::store::{Opportunity, timestamp};
use super::{PartnerCentralFake, SandboxError};

/// One member of AWS's opportunity team.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AwsTeamMember {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// One of `AwsMemberBusinessTitle::values()` (AWSAccountOwner, PDM, PSM, …).
    pub business_title: String,
}

/// A change AWS's people make to their side of an opportunity; `None` leaves a member as is.
/// Values must come from the SDK's enums (`AwsOpportunityStage`, `EngagementScore`,
/// `SalesInvolvementType`, `AwsMemberBusinessTitle`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AwsSummaryChange {
    pub stage: Option<String>,
    pub next_steps: Option<String>,
    pub engagement_score: Option<String>,
    /// Replaces the whole team.
    pub team: Option<Vec<AwsTeamMember>>,
    /// AWS changing the involvement type also sets InvolvementTypeChangeReason.
    pub involvement_type: Option<String>,
}

/// The stored AWS side of one opportunity.
#[derive(Debug, Clone, Default)]
pub(crate) struct AwsSide {
    pub involvement_type: String,
    pub visibility: Option<String>,
    pub involvement_change_reason: Option<String>,
    pub stage: Option<String>,
    pub target_close_date: Option<String>,
    pub next_steps: Option<String>,
    pub next_steps_history: Vec<(DateTime<Utc>, String)>,
    pub team: Vec<AwsTeamMember>,
    pub engagement_score: Option<String>,
    pub next_best_actions: Option<String>,
    pub customer_contacts: Option<Value>,
    pub expected_spend: Option<Value>,
    pub solutions: Vec<String>,
}

/// The realistic side AWS's reviewer leaves on approval: an account owner and a partner
/// development manager, a score and a next step.
fn approval_team() -> Vec<AwsTeamMember> {
    let member = |first: &str, last: &str, title: AwsMemberBusinessTitle| AwsTeamMember {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: format!(
            "{}.{}@amazon.com",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        business_title: title.as_str().to_owned(),
    };
    vec![
        member("Alex", "Rivera", AwsMemberBusinessTitle::AwsAccountOwner),
        member("Priya", "Natarajan", AwsMemberBusinessTitle::Pdm),
    ]
}

const APPROVAL_NEXT_STEPS: &str = "AWS account owner to schedule a joint call with the partner";

impl AwsSide {
    /// What a completed submission leaves: the submission's choices, nothing AWS decided yet.
    pub(crate) fn submitted(involvement_type: &str, visibility: Option<&str>) -> Self {
        Self {
            involvement_type: involvement_type.to_owned(),
            visibility: visibility.map(str::to_owned),
            ..Self::default()
        }
    }

    fn is_empty(&self) -> bool {
        self.stage.is_none() && self.team.is_empty() && self.engagement_score.is_none()
    }

    fn set_next_steps(&mut self, text: &str, at: DateTime<Utc>) {
        self.next_steps = Some(text.to_owned());
        self.next_steps_history.push((at, text.to_owned()));
    }

    /// AWS's approval: AWS's opportunity starts from what the partner submitted.
    fn fill_on_approval(
        &mut self,
        opportunity: &Map<String, Value>,
        solutions: Vec<String>,
        at: DateTime<Utc>,
    ) {
        let lifecycle = opportunity.get("LifeCycle");
        let partner_stage = lifecycle
            .and_then(|l| l.get("Stage"))
            .and_then(Value::as_str)
            .filter(|s| AwsOpportunityStage::values().contains(s));
        self.stage = Some(
            partner_stage
                .unwrap_or(AwsOpportunityStage::Qualified.as_str())
                .to_owned(),
        );
        self.target_close_date = lifecycle
            .and_then(|l| l.get("TargetCloseDate"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        self.set_next_steps(APPROVAL_NEXT_STEPS, at);
        self.team = approval_team();
        self.engagement_score = Some(EngagementScore::High.as_str().to_owned());
        self.next_best_actions = Some("Align on the customer's migration timeline".to_owned());
        self.customer_contacts = opportunity
            .get("Customer")
            .and_then(|c| c.get("Contacts"))
            .cloned();
        self.expected_spend = opportunity
            .get("Project")
            .and_then(|p| p.get("ExpectedCustomerSpend"))
            .cloned();
        self.solutions = solutions;
    }

    /// Applies a checked change.
    fn apply(&mut self, change: AwsSummaryChange, at: DateTime<Utc>) {
        if let Some(stage) = change.stage {
            self.stage = Some(stage);
        }
        if let Some(next_steps) = change.next_steps {
            self.set_next_steps(&next_steps, at);
        }
        if let Some(score) = change.engagement_score {
            self.engagement_score = Some(score);
        }
        if let Some(team) = change.team {
            self.team = team;
        }
        if let Some(involvement) = change.involvement_type
            && involvement != self.involvement_type
        {
            self.involvement_type = involvement;
            self.involvement_change_reason = Some(
                InvolvementTypeChangeReason::ChangeInDealInformation
                    .as_str()
                    .to_owned(),
            );
        }
    }
}

/// Fills AWS's side when the review status becomes Approved (by AWS's reviewer or a Sandbox
/// simulation), unless AWS already filled it.
pub(crate) fn on_review(opportunity: &mut Opportunity, at: DateTime<Utc>) {
    if opportunity.review_status != ReviewStatus::Approved {
        return;
    }
    let solutions = opportunity
        .related
        .get(RelatedEntityType::Solutions.as_str())
        .cloned()
        .unwrap_or_default();
    if let Some(aws) = opportunity.aws.as_mut().filter(|aws| aws.is_empty()) {
        aws.fill_on_approval(&opportunity.body, solutions, at);
    }
}

fn check(field: &str, value: &str, allowed: &[&str]) -> Result<(), SandboxError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(SandboxError::InvalidValue {
            field: field.to_owned(),
            value: value.to_owned(),
            allowed: allowed.join(" | "),
        })
    }
}

fn check_change(change: &AwsSummaryChange) -> Result<(), SandboxError> {
    if let Some(stage) = &change.stage {
        check("LifeCycle.Stage", stage, AwsOpportunityStage::values())?;
    }
    if let Some(score) = &change.engagement_score {
        check("Insights.EngagementScore", score, EngagementScore::values())?;
    }
    if let Some(involvement) = &change.involvement_type {
        check(
            "InvolvementType",
            involvement,
            SalesInvolvementType::values(),
        )?;
    }
    for member in change.team.iter().flatten() {
        check(
            "OpportunityTeam.BusinessTitle",
            &member.business_title,
            AwsMemberBusinessTitle::values(),
        )?;
    }
    Ok(())
}

/// GetAwsOpportunitySummary's output. Members AWS has not filled are left out, as the service
/// leaves them out.
pub(crate) fn to_output(opportunity: &Opportunity, aws: &AwsSide) -> Value {
    let mut out = json!({
        "Catalog": opportunity.catalog,
        "RelatedOpportunityId": opportunity.id,
        "Origin": opportunity.origin,
        "InvolvementType": aws.involvement_type,
    });
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out[key] = value;
        }
    };
    put("Visibility", aws.visibility.as_ref().map(|v| json!(v)));
    put(
        "InvolvementTypeChangeReason",
        aws.involvement_change_reason.as_ref().map(|r| json!(r)),
    );
    let mut lifecycle = Map::new();
    for (key, value) in [
        ("Stage", &aws.stage),
        ("TargetCloseDate", &aws.target_close_date),
        ("NextSteps", &aws.next_steps),
    ] {
        if let Some(value) = value {
            lifecycle.insert(key.to_owned(), json!(value));
        }
    }
    if !aws.next_steps_history.is_empty() {
        let history: Vec<Value> = aws
            .next_steps_history
            .iter()
            .map(|(at, value)| json!({ "Value": value, "Time": timestamp(*at) }))
            .collect();
        lifecycle.insert("NextStepsHistory".to_owned(), json!(history));
    }
    put(
        "LifeCycle",
        (!lifecycle.is_empty()).then_some(Value::Object(lifecycle)),
    );
    let team: Vec<Value> = aws
        .team
        .iter()
        .map(|m| {
            json!({
                "FirstName": m.first_name,
                "LastName": m.last_name,
                "Email": m.email,
                "BusinessTitle": m.business_title,
            })
        })
        .collect();
    put("OpportunityTeam", (!team.is_empty()).then(|| json!(team)));
    let mut insights = Map::new();
    for (key, value) in [
        ("EngagementScore", &aws.engagement_score),
        ("NextBestActions", &aws.next_best_actions),
    ] {
        if let Some(value) = value {
            insights.insert(key.to_owned(), json!(value));
        }
    }
    put(
        "Insights",
        (!insights.is_empty()).then_some(Value::Object(insights)),
    );
    put(
        "Customer",
        aws.customer_contacts
            .as_ref()
            .map(|contacts| json!({ "Contacts": contacts })),
    );
    put(
        "Project",
        aws.expected_spend
            .as_ref()
            .map(|spend| json!({ "ExpectedCustomerSpend": spend })),
    );
    put(
        "RelatedEntityIds",
        (!aws.solutions.is_empty()).then(|| json!({ "Solutions": aws.solutions })),
    );
    out
}

impl PartnerCentralFake {
    /// AWS's people change their side of a submitted opportunity (AWS's stage, next steps,
    /// engagement score, team or involvement type). Values are checked against the SDK's
    /// enums. Emits `Opportunity Updated`; the partner opportunity's LastModifiedDate stays.
    pub fn set_aws_summary(&self, id: &str, change: AwsSummaryChange) -> Result<(), SandboxError> {
        check_change(&change)?;
        let now = self.shared.clock.now();
        let mut store = self.shared.settled();
        let opportunity = store
            .opportunities
            .get_mut(id)
            .ok_or_else(|| SandboxError::UnknownOpportunity(id.to_owned()))?;
        let aws = opportunity
            .aws
            .as_mut()
            .ok_or_else(|| SandboxError::NotSubmitted(id.to_owned()))?;
        aws.apply(change, now);
        store.emit(DetailType::OpportunityUpdated, id, now);
        Ok(())
    }

    /// GetAwsOpportunitySummary's output for `id`; `None` for an unknown or never submitted
    /// opportunity (the operation answers ResourceNotFoundException for those).
    pub fn aws_summary(&self, id: &str) -> Option<Value> {
        let store = self.shared.settled();
        let opportunity = store.opportunities.get(id)?;
        opportunity
            .aws
            .as_ref()
            .map(|aws| to_output(opportunity, aws))
    }
}
