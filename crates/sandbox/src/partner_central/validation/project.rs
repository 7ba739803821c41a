//! Shape rules for Project, LifeCycle, Marketing and SoftwareRevenue.

use serde_json::{Map, Value};

use aws_sdk_partnercentralselling::types as sdk;
use events::partner_central::CUSTOMER_USE_CASES;

use super::{Report, array, child, list_of, missing, obj, one_of, string, text};
use crate::partner_central::formats;
use crate::partner_central::protocol::Code;

fn amount(r: &mut Report, parent: &Map<String, Value>, path: &str) {
    let value = string(r, parent, "Amount", path);
    match value {
        None => r.request(
            path,
            Code::RequiredFieldMissing,
            format!("{path} is required"),
        ),
        Some(v) if !formats::is_amount(v) => r.request(
            path,
            Code::InvalidStringFormat,
            format!("{path} \"{v}\" must match (0|[1-9]\\d{{0,30}})(\\.\\d{{0,2}})?"),
        ),
        Some(_) => {}
    }
}

pub(super) fn project(r: &mut Report, body: &Map<String, Value>) {
    let Some(project) = obj(r, body, "Project", "Project") else {
        return;
    };
    list_of(
        r,
        project,
        "DeliveryModels",
        "Project.DeliveryModels",
        sdk::DeliveryModel::values(),
    );
    list_of(
        r,
        project,
        "SalesActivities",
        "Project.SalesActivities",
        sdk::SalesActivity::values(),
    );
    text(r, project, "Title", "Project.Title", 255);
    if let Some(problem) = string(
        r,
        project,
        "CustomerBusinessProblem",
        "Project.CustomerBusinessProblem",
    ) {
        let len = problem.chars().count();
        if !(20..=2000).contains(&len) {
            r.request(
                "Project.CustomerBusinessProblem",
                Code::InvalidStringFormat,
                format!(
                    "Project.CustomerBusinessProblem must be 20 to 2000 characters (got {len})"
                ),
            );
        }
    }
    one_of(
        r,
        project,
        "CustomerUseCase",
        "Project.CustomerUseCase",
        &CUSTOMER_USE_CASES,
    );
    one_of(
        r,
        project,
        "CompetitorName",
        "Project.CompetitorName",
        sdk::CompetitorName::values(),
    );
    one_of(
        r,
        project,
        "AwsPartition",
        "Project.AwsPartition",
        sdk::AwsPartition::values(),
    );
    for key in [
        "OtherCompetitorNames",
        "OtherSolutionDescription",
        "AdditionalComments",
    ] {
        text(r, project, key, &format!("Project.{key}"), 255);
    }
    let related = "Project.RelatedOpportunityIdentifier";
    if let Some(id) = string(r, project, "RelatedOpportunityIdentifier", related)
        && !formats::is_opportunity_id(id)
    {
        r.request(
            related,
            Code::InvalidStringFormat,
            format!("{related} must match O[0-9]{{1,19}}"),
        );
    }
    if let Some(duration) = obj(
        r,
        project,
        "ExpectedContractDuration",
        "Project.ExpectedContractDuration",
    ) {
        one_of(
            r,
            duration,
            "Term",
            "Project.ExpectedContractDuration.Term",
            sdk::ExpectedContractDurationTerm::values(),
        );
    }
    let Some(spends) = array(
        r,
        project,
        "ExpectedCustomerSpend",
        "Project.ExpectedCustomerSpend",
    ) else {
        return;
    };
    if spends.len() > 10 {
        r.request(
            "Project.ExpectedCustomerSpend",
            Code::TooManyValues,
            format!(
                "Project.ExpectedCustomerSpend accepts at most 10 entries (got {})",
                spends.len()
            ),
        );
    }
    for (i, spend) in spends.iter().enumerate() {
        let path = format!("Project.ExpectedCustomerSpend[{i}]");
        let Value::Object(spend) = spend else {
            r.request(
                &path,
                Code::InvalidValue,
                format!("{path} must be an object"),
            );
            continue;
        };
        amount(r, spend, &format!("{path}.Amount"));
        for (key, allowed) in [
            ("CurrencyCode", sdk::CurrencyCode::values()),
            ("Frequency", sdk::PaymentFrequency::values()),
        ] {
            let field = format!("{path}.{key}");
            if one_of(r, spend, key, &field, allowed).is_none() && child(spend, key).is_none() {
                r.request(
                    &field,
                    Code::RequiredFieldMissing,
                    format!("{field} is required"),
                );
            }
        }
        let target = format!("{path}.TargetCompany");
        if missing(text(r, spend, "TargetCompany", &target, 80)) {
            r.request(
                &target,
                Code::RequiredFieldMissing,
                format!("{target} is required"),
            );
        }
        text(
            r,
            spend,
            "EstimationUrl",
            &format!("{path}.EstimationUrl"),
            255,
        );
    }
}

pub(super) fn lifecycle(r: &mut Report, body: &Map<String, Value>) {
    let Some(lifecycle) = obj(r, body, "LifeCycle", "LifeCycle") else {
        return;
    };
    one_of(
        r,
        lifecycle,
        "Stage",
        "LifeCycle.Stage",
        sdk::Stage::values(),
    );
    one_of(
        r,
        lifecycle,
        "ClosedLostReason",
        "LifeCycle.ClosedLostReason",
        sdk::ClosedLostReason::values(),
    );
    text(r, lifecycle, "NextSteps", "LifeCycle.NextSteps", 255);
    // AWS-owned, but the Sandbox catalog accepts them as a simulated review (see review.rs).
    one_of(
        r,
        lifecycle,
        "ReviewStatus",
        "LifeCycle.ReviewStatus",
        sdk::ReviewStatus::values(),
    );
    for key in ["ReviewComments", "ReviewStatusReason"] {
        string(r, lifecycle, key, &format!("LifeCycle.{key}"));
    }
    if let Some(date) = string(r, lifecycle, "TargetCloseDate", "LifeCycle.TargetCloseDate")
        && formats::iso_date(date).is_none()
    {
        r.request(
            "LifeCycle.TargetCloseDate",
            Code::InvalidStringFormat,
            format!("LifeCycle.TargetCloseDate \"{date}\" must be a date in YYYY-MM-DD format"),
        );
    }
}

pub(super) fn marketing_and_revenue(r: &mut Report, body: &Map<String, Value>) {
    if let Some(marketing) = obj(r, body, "Marketing", "Marketing") {
        one_of(
            r,
            marketing,
            "Source",
            "Marketing.Source",
            sdk::MarketingSource::values(),
        );
        one_of(
            r,
            marketing,
            "AwsFundingUsed",
            "Marketing.AwsFundingUsed",
            sdk::AwsFundingUsed::values(),
        );
        list_of(
            r,
            marketing,
            "Channels",
            "Marketing.Channels",
            sdk::Channel::values(),
        );
    }
    if let Some(revenue) = obj(r, body, "SoftwareRevenue", "SoftwareRevenue") {
        one_of(
            r,
            revenue,
            "DeliveryModel",
            "SoftwareRevenue.DeliveryModel",
            sdk::RevenueModel::values(),
        );
        if let Some(value) = obj(r, revenue, "Value", "SoftwareRevenue.Value") {
            amount(r, value, "SoftwareRevenue.Value.Amount");
        }
    }
}
