//! Whether a deal asks to be submitted to AWS, and whether it could pass AWS's submission rules.
//! Pure: the check runs before any call, so a submission that must fail spends no write quota
//! and the deal says which HubSpot property a person has to fill in.
//!
//! The rules are those of "Submitting an opportunity" in the Partner Central developer guide
//! (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/working-with-your-opportunities.html>)
//! and the members StartEngagementFromOpportunityTask validates
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_StartEngagementFromOpportunityTask.html>):
//! stage at least Qualified, a solution associated, industry, website, country, postal code
//! (most countries) and state (US), a business problem of 20–2000 characters, use case,
//! delivery models, sales activities, primary needs, spend in USD, a close date not in the past.

use chrono::NaiveDate;
use events::partner_central::NO_POSTAL_CODE_COUNTRIES;
use sha2::{Digest, Sha256};

use crate::domain::{DealSnapshot, Submission, SubmissionTask, TaskState};
use crate::mapping::{BUSINESS_PROBLEM_MAX, BUSINESS_PROBLEM_MIN, Desired, values};
use crate::settings::{
    INVOLVEMENT_PROPERTY, INVOLVEMENT_TYPES, SUBMIT_PROPERTY, SubmitTrigger, SyncSettings,
    VISIBILITIES, stage_rank,
};

/// A HubSpot checkbox (or any boolean-ish text property) that is on.
pub fn is_checked(value: Option<&str>) -> bool {
    value.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "1"))
}

/// Whether the trigger asks for a submission now. `latest` is the opportunity's newest task, if
/// any: after a FAILED one, only a person (`aws_submit` ticked again) submits again — an
/// automatic trigger would otherwise resubmit the same broken deal on every event.
pub fn wants_submission(
    settings: &SyncSettings,
    snapshot: &DealSnapshot,
    desired: &Desired,
    latest: Option<&SubmissionTask>,
) -> bool {
    let ticked = is_checked(snapshot.deal.prop(SUBMIT_PROPERTY));
    match &settings.submit_trigger {
        SubmitTrigger::Off => false,
        SubmitTrigger::Property => ticked,
        SubmitTrigger::Stage(minimum) => {
            let reached = stage_rank(&desired.fields.life_cycle.stage)
                .zip(stage_rank(minimum))
                .is_some_and(|(stage, minimum)| stage >= minimum);
            let failed_before = latest.is_some_and(|t| t.state == TaskState::Failed);
            reached && (!failed_before || ticked)
        }
    }
}

/// Involvement and visibility from the deal, else the configured defaults. A value that is
/// not one of the API's is a missing item for [`missing_for_submission`].
pub fn submission(settings: &SyncSettings, snapshot: &DealSnapshot) -> Submission {
    let pick = |property: &str, allowed: &[&str], default: &str| {
        snapshot
            .deal
            .prop(property)
            .map(|v| {
                allowed
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(v))
                    .map_or_else(|| v.to_owned(), |a| (*a).to_owned())
            })
            .unwrap_or_else(|| default.to_owned())
    };
    Submission {
        involvement_type: pick(
            INVOLVEMENT_PROPERTY,
            &INVOLVEMENT_TYPES,
            &settings.default_involvement_type,
        ),
        visibility: pick(
            "aws_visibility",
            &VISIBILITIES,
            &settings.default_visibility,
        ),
    }
}

/// Everything that keeps this deal from passing AWS's submission rules, each named by what a
/// person must change (a HubSpot property, or the solution configuration). Empty = submit.
pub fn missing_for_submission(
    snapshot: &DealSnapshot,
    desired: &Desired,
    submission: &Submission,
    has_solution: bool,
    today: NaiveDate,
) -> Vec<String> {
    let f = &desired.fields;
    let deal = &snapshot.deal;
    let mut missing = Vec::new();
    let stage = f.life_cycle.stage.as_str();
    if stage_rank(stage).is_none_or(|rank| rank < 1) {
        missing.push(format!(
            "dealstage: a stage that maps to Qualified or later (maps to {stage})"
        ));
    }
    if !has_solution {
        missing.push(
            "a Partner Central solution: set PARTNER_CENTRAL_SOLUTION_ID (stack parameter PartnerCentralSolutionId)"
                .to_owned(),
        );
    }
    let account = &f.account;
    if account.industry.is_none() {
        missing.push("company industry".to_owned());
    }
    if account.website_url.is_none() {
        missing.push("company website (or domain)".to_owned());
    }
    match account.address.country_code.as_deref() {
        None => missing.push("company country".to_owned()),
        Some(country) => {
            if !NO_POSTAL_CODE_COUNTRIES.contains(&country) && account.address.postal_code.is_none()
            {
                missing.push("company zip".to_owned());
            }
            if country == "US" && account.address.state_or_region.is_none() {
                missing.push("company state".to_owned());
            }
        }
    }
    // The mapping completes a short or missing text so a draft can be saved; AWS's reviewer
    // needs the real thing.
    let problem = deal
        .prop("aws_business_problem")
        .or(deal.prop("description"))
        .map(values::plain_text)
        .unwrap_or_default();
    let length = problem.chars().count();
    if !(BUSINESS_PROBLEM_MIN..=BUSINESS_PROBLEM_MAX).contains(&length) {
        missing.push(format!(
            "aws_business_problem (or description): {BUSINESS_PROBLEM_MIN}–{BUSINESS_PROBLEM_MAX} characters on the customer's problem (has {length})"
        ));
    }
    if f.project.customer_use_case.is_none() {
        missing.push("aws_use_case".to_owned());
    }
    if f.project.delivery_models.is_empty() {
        missing.push("aws_delivery_models".to_owned());
    }
    if f.project.sales_activities.is_empty() {
        missing.push("dealstage (no sales activity follows from it)".to_owned());
    }
    if f.primary_needs_from_aws.is_empty() {
        missing.push("aws_primary_needs".to_owned());
    }
    if deal
        .prop("aws_monthly_spend")
        .or(deal.prop("amount"))
        .is_none()
    {
        missing.push("amount (or aws_monthly_spend)".to_owned());
    }
    for spend in &f.project.expected_customer_spend {
        if spend.currency_code != "USD" {
            missing.push(format!(
                "deal_currency_code: AWS takes the expected spend in USD (is {})",
                spend.currency_code
            ));
        }
    }
    // A won deal is submitted as a draft at the stage before Launched, with the open-stage date
    // (see `Desired::open_close_date`): its own past close date is not a problem.
    match deal.prop("closedate").and_then(values::parse_date) {
        None => missing.push("closedate".to_owned()),
        Some(date) if date < today && stage != "Launched" => {
            missing.push(format!("closedate: {date} is in the past"));
        }
        Some(_) => {}
    }
    if !INVOLVEMENT_TYPES.contains(&submission.involvement_type.as_str()) {
        missing.push(format!(
            "aws_involvement_type: one of {} (is {:?})",
            INVOLVEMENT_TYPES.join(", "),
            submission.involvement_type
        ));
    }
    if !VISIBILITIES.contains(&submission.visibility.as_str()) {
        missing.push(format!(
            "aws_visibility: one of {} (is {:?})",
            VISIBILITIES.join(", "),
            submission.visibility
        ));
    }
    missing
}

/// The submission task's ClientToken: the same opportunity, catalog and attempt always send the
/// same token, so redeliveries, retries and a second instance all reach the one task. `attempt`
/// counts the opportunity's FAILED tasks: after a failure a person can submit again.
pub fn submission_token(catalog: &str, opportunity_id: &str, attempt: usize) -> String {
    let digest = Sha256::digest(
        format!("hubspot-partner-central|submit|{catalog}|{opportunity_id}|{attempt}").as_bytes(),
    );
    uuid_shaped(&digest)
}

/// The first 16 bytes of a digest as `8-4-4-4-12` hex, the shape ClientTokens usually take.
pub fn uuid_shaped(digest: &[u8]) -> String {
    let h = hex::encode(&digest[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// How a FAILED task is shown on the deal.
pub fn failure_text(task: &SubmissionTask) -> String {
    format!(
        "submission to AWS failed (task {}): {}: {}. Fix the deal and tick aws_submit to submit again.",
        task.id,
        task.reason_code.as_deref().unwrap_or("UnknownReason"),
        task.message.as_deref().unwrap_or("no message")
    )
}

/// Whether the deal shows this failed task (its id is in `aws_sync_error`, in the failure
/// itself or after a later pre-submission verdict). Until it does, `aws_submit` still ticked
/// is the request that failed, not a new one.
pub fn failure_shown(snapshot: &DealSnapshot, task: &SubmissionTask) -> bool {
    !task.id.is_empty()
        && snapshot
            .deal
            .prop("aws_sync_error")
            .is_some_and(|e| e.contains(&task.id))
}
