//! What the review status allows, per "Working with opportunity updates"
//! (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/working-with-opportunity-updates.html>)
//! and `LifeCycle.ReviewStatus` in the API reference
//! (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_LifeCycle.html>):
//!
//! - Pending Submission: everything editable.
//! - Submitted / In review / Rejected: read-only.
//! - Action Required: only a listed set of fields may change; the update re-enters review.
//! - Approved: editable except a listed set (Title, website, industry, …).
//! - Stage Launched: only DeliveryModels, AdditionalComments and SoftwareRevenue may change;
//!   Stage Closed Lost: nothing may change.
//!
//! The Sandbox catalog has no AWS reviewer: the partner plays it by sending UpdateOpportunity
//! with `LifeCycle.ReviewStatus` (and `ReviewComments`, `ReviewStatusReason`) set, as AWS's
//! integration samples do
//! (<https://github.com/aws-samples/partner-crm-integration-samples/blob/main/partner-central-api-sample-codes/python_preview/sampleUI/simulate_action_required_api.py>).

use std::collections::BTreeMap;

use aws_sdk_partnercentralselling::types::{ReviewStatus, Stage};
use serde_json::{Map, Value};

use super::protocol::{AwsError, Code, FieldError, Reason};

/// AWS's review decision, as a Sandbox UpdateOpportunity simulates it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decision {
    pub status: ReviewStatus,
    pub comments: Option<String>,
    pub reason: Option<String>,
}

/// The simulated decision an update carries: only in the Sandbox catalog, and only when the
/// sent `LifeCycle.ReviewStatus` differs from the current one (sending back what GetOpportunity
/// returned is an ordinary partner update). Everywhere else these AWS-owned members are ignored.
pub(crate) fn sandbox_decision(
    catalog: &str,
    body: &Map<String, Value>,
    current: &ReviewStatus,
) -> Option<Decision> {
    if catalog != "Sandbox" {
        return None;
    }
    let lifecycle = body.get("LifeCycle")?;
    let text = |key: &str| lifecycle.get(key)?.as_str().map(str::to_owned);
    let status = ReviewStatus::from(text("ReviewStatus")?.as_str());
    (status != *current).then(|| Decision {
        status,
        comments: text("ReviewComments"),
        reason: text("ReviewStatusReason"),
    })
}

/// A simulated decision needs something to review: the opportunity must have been submitted
/// (StartEngagementFromOpportunityTask), and a review never sends it back to Pending
/// Submission — otherwise the simulation would be a way around submission.
pub(crate) fn simulation_error(
    id: &str,
    current: &ReviewStatus,
    decision: &Decision,
) -> Option<AwsError> {
    let message = if *current == ReviewStatus::PendingSubmission {
        format!(
            "Opportunity {id} has not been submitted; submit it with StartEngagementFromOpportunityTask before simulating AWS's review"
        )
    } else if decision.status == ReviewStatus::PendingSubmission {
        format!(
            "Opportunity {id} was submitted; AWS's review cannot return it to \"Pending Submission\""
        )
    } else {
        return None;
    };
    Some(AwsError::field(
        Reason::BusinessValidationFailed,
        "LifeCycle.ReviewStatus",
        Code::ActionNotPermitted,
        message,
    ))
}

/// Statuses in which AWS is reviewing (or has rejected) the opportunity.
pub(crate) fn is_read_only(status: &ReviewStatus) -> bool {
    matches!(
        status,
        ReviewStatus::Submitted | ReviewStatus::InReview | ReviewStatus::Rejected
    )
}

/// The API reference does not name the exception for an update of an opportunity under review;
/// ValidationException (BUSINESS_VALIDATION_FAILED, ACTION_NOT_PERMITTED on
/// `LifeCycle.ReviewStatus`) is the SDK error vocabulary that fits it.
pub(crate) fn read_only_error(id: &str, status: &ReviewStatus) -> AwsError {
    AwsError::field(
        Reason::BusinessValidationFailed,
        "LifeCycle.ReviewStatus",
        Code::ActionNotPermitted,
        format!(
            "Opportunity {id} has LifeCycle.ReviewStatus \"{status}\" and cannot be modified until AWS completes its review"
        ),
    )
}

/// Editable while "Action Required" (paths without list indexes).
const ACTION_REQUIRED_EDITABLE: &[&str] = &[
    "Customer.Account.Address.City",
    "Customer.Account.Address.CountryCode",
    "Customer.Account.Address.PostalCode",
    "Customer.Account.Address.StateOrRegion",
    "Customer.Account.Address.StreetAddress",
    "Customer.Account.WebsiteUrl",
    "LifeCycle.TargetCloseDate",
    "Project.ExpectedCustomerSpend.Amount",
    "Project.ExpectedCustomerSpend.CurrencyCode",
    "Project.ExpectedCustomerSpend.EstimationUrl",
    "Project.ExpectedCustomerSpend.Frequency",
    "Project.ExpectedCustomerSpend.TargetCompany",
    "Project.CustomerBusinessProblem",
    "PartnerOpportunityIdentifier",
];

/// Frozen once "Approved" (Title is also frozen from submission on).
const APPROVED_FROZEN: &[&str] = &[
    "Customer.Account.Address.CountryCode",
    "Customer.Account.Address.PostalCode",
    "Customer.Account.Industry",
    "Customer.Account.WebsiteUrl",
    "Project.CustomerBusinessProblem",
    "PartnerOpportunityIdentifier",
    "Project.Title",
];

/// Still editable once Stage is Launched (fields and everything below them).
const LAUNCHED_EDITABLE: &[&str] = &[
    "Project.DeliveryModels",
    "Project.AdditionalComments",
    "SoftwareRevenue",
];

/// Field errors for changes the stored Stage does not allow (empty = allowed).
pub(crate) fn stage_forbidden_changes(stage: Option<&str>, changed: &[String]) -> Vec<FieldError> {
    let launched = stage == Some(Stage::Launched.as_str());
    let lost = stage == Some(Stage::ClosedLost.as_str());
    if !launched && !lost {
        return Vec::new();
    }
    changed
        .iter()
        .filter(|path| {
            let plain = without_indexes(path);
            lost || !LAUNCHED_EDITABLE
                .iter()
                .any(|open| plain == *open || plain.starts_with(&format!("{open}.")))
        })
        .map(|path| {
            FieldError::new(
                path.clone(),
                Code::ActionNotPermitted,
                format!(
                    "{path} cannot be changed once LifeCycle.Stage is \"{}\"",
                    stage.unwrap_or_default()
                ),
            )
        })
        .collect()
}

/// An opportunity becomes Launched only after AWS approved it: the partner cannot set Stage
/// `Launched` while the review status is anything but Approved ("Working with opportunity
/// updates": the Launched stage follows an approved opportunity).
pub(crate) fn launch_error(
    status: &ReviewStatus,
    current_stage: Option<&str>,
    proposed_stage: Option<&str>,
) -> Option<FieldError> {
    let launched = Stage::Launched.as_str();
    (proposed_stage == Some(launched)
        && current_stage != Some(launched)
        && *status != ReviewStatus::Approved)
        .then(|| {
            FieldError::new(
                "LifeCycle.Stage",
                Code::ActionNotPermitted,
                format!(
                    "LifeCycle.Stage can become Launched only once AWS has approved the opportunity (LifeCycle.ReviewStatus is \"{status}\")"
                ),
            )
        })
}

/// Leaf paths → values. Objects and lists of objects are descended (`A.B[0].C`); lists of
/// strings are leaves; nulls are absent (UpdateOpportunity treats omitted as null).
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (key, child) in map {
                flatten(&join(key), child, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.clone());
        }
    }
}

fn without_indexes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            _ if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

/// Paths whose value differs between the stored and the proposed partner-owned members.
pub(crate) fn changed_paths(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Vec<String> {
    let mut old = BTreeMap::new();
    let mut new = BTreeMap::new();
    flatten("", &Value::Object(before.clone()), &mut old);
    flatten("", &Value::Object(after.clone()), &mut new);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .cloned()
        .collect()
}

/// Field errors for changes the review status does not allow (empty = allowed).
pub(crate) fn forbidden_changes(status: &ReviewStatus, changed: &[String]) -> Vec<FieldError> {
    changed
        .iter()
        .filter_map(|path| {
            let plain = without_indexes(path);
            let forbidden = match status {
                ReviewStatus::ActionRequired => !ACTION_REQUIRED_EDITABLE.contains(&plain.as_str()),
                ReviewStatus::Approved => APPROVED_FROZEN.contains(&plain.as_str()),
                _ => false,
            };
            forbidden.then(|| {
                FieldError::new(
                    path.clone(),
                    Code::ActionNotPermitted,
                    format!(
                        "{path} cannot be changed while LifeCycle.ReviewStatus is \"{status}\""
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn changes_are_found_at_leaf_level() {
        let before = map(
            json!({"Project": {"Title": "A", "ExpectedCustomerSpend": [{"Amount": "1"}], "DeliveryModels": ["Resell"]}}),
        );
        let after = map(
            json!({"Project": {"Title": "B", "ExpectedCustomerSpend": [{"Amount": "2"}], "DeliveryModels": ["Resell"]}}),
        );
        assert_eq!(
            changed_paths(&before, &after),
            vec![
                "Project.ExpectedCustomerSpend[0].Amount".to_owned(),
                "Project.Title".to_owned()
            ]
        );
    }

    #[test]
    fn launched_needs_approval() {
        let pending = ReviewStatus::PendingSubmission;
        assert!(launch_error(&pending, Some("Committed"), Some("Launched")).is_some());
        assert!(launch_error(&ReviewStatus::ActionRequired, None, Some("Launched")).is_some());
        assert!(
            launch_error(&ReviewStatus::Approved, Some("Committed"), Some("Launched")).is_none()
        );
        assert!(launch_error(&pending, Some("Committed"), Some("Closed Lost")).is_none());
    }

    #[test]
    fn action_required_allows_only_listed_fields() {
        let changed = vec![
            "Project.ExpectedCustomerSpend[0].Amount".to_owned(),
            "Project.Title".to_owned(),
        ];
        let errors = forbidden_changes(&ReviewStatus::ActionRequired, &changed);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "Project.Title");
        assert!(forbidden_changes(&ReviewStatus::PendingSubmission, &changed).is_empty());
        assert_eq!(
            forbidden_changes(&ReviewStatus::Approved, &changed)[0].field,
            "Project.Title"
        );
    }
}
