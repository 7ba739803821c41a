//! What Partner Central lets us change on an existing opportunity, given its review status,
//! and which of its current values we keep on purpose. Pure.

use chrono::NaiveDate;

use crate::domain::{ExistingOpportunity, OpportunityFields};

/// Adjusts `desired` to what an update of `existing` may contain and returns a description of
/// each deal value that could not be applied (logged; the title one also becomes a deal note).
///
/// - Title: frozen from submission on (every review status but Pending Submission).
/// - Approved: country, postal code, industry, website, business problem and the partner
///   identifier are frozen too.
/// - Action Required: only the address, website, close date, spend, business problem and the
///   partner identifier may change.
/// - Stage Closed Lost: nothing more is sent. Stage Launched: only DeliveryModels (of what we
///   manage) may still change. Launched itself is sent only once AWS has approved the
///   opportunity; until then the opportunity keeps its stage, activities and close date.
/// - A close date the mapping had to clamp (the deal's is missing or past) does not replace a
///   still-valid date already on the opportunity, so the opportunity does not drift one day per
///   event.
pub fn reconcile(
    existing: &ExistingOpportunity,
    desired: &mut OpportunityFields,
    close_date_clamped: bool,
    open_close_date: &str,
    today: NaiveDate,
) -> Vec<String> {
    let current = &existing.fields;
    let mut kept = Vec::new();
    // An address part the deal's company does not have keeps what Partner Central holds (an
    // accepted AWS referral arrives with AWS's address of the customer; a US opportunity needs
    // its state).
    let address = &mut desired.account.address;
    for (wanted, held) in [
        (
            &mut address.street_address,
            &current.account.address.street_address,
        ),
        (&mut address.city, &current.account.address.city),
        (
            &mut address.state_or_region,
            &current.account.address.state_or_region,
        ),
        (
            &mut address.postal_code,
            &current.account.address.postal_code,
        ),
    ] {
        if wanted.as_deref().is_none_or(str::is_empty) && held.is_some() {
            wanted.clone_from(held);
        }
    }
    // Likewise the customer's contacts: a deal without any (an AWS referral's) does not erase
    // the ones Partner Central holds.
    if desired.contacts.is_empty() {
        desired.contacts.clone_from(&current.contacts);
    }
    match current.life_cycle.stage.as_str() {
        "Closed Lost" => {
            if current != desired {
                kept.push("the opportunity is Closed Lost: nothing more is sent".to_owned());
            }
            *desired = current.clone();
            return kept;
        }
        "Launched" => {
            let delivery_models = std::mem::take(&mut desired.project.delivery_models);
            let mut allowed = current.clone();
            allowed.project.delivery_models = delivery_models;
            if allowed != *desired {
                kept.push(
                    "the opportunity is Launched: only delivery models are still sent".to_owned(),
                );
            }
            *desired = allowed;
            return kept;
        }
        _ => {}
    }
    if desired.life_cycle.stage == "Launched"
        && existing.review_status.as_deref() != Some("Approved")
    {
        kept.push("won deal: Launched is sent once AWS has approved the opportunity".to_owned());
        desired.life_cycle.stage = current.life_cycle.stage.clone();
        desired.project.sales_activities = current.project.sales_activities.clone();
        // The won deal's own date may be past, which an open stage may not carry.
        desired.life_cycle.target_close_date =
            if is_current(&current.life_cycle.target_close_date, today) {
                current.life_cycle.target_close_date.clone()
            } else {
                open_close_date.to_owned()
            };
    }
    if close_date_clamped && is_current(&current.life_cycle.target_close_date, today) {
        desired.life_cycle.target_close_date = current.life_cycle.target_close_date.clone();
    }
    match existing.review_status.as_deref() {
        Some("Action Required") => {
            let mut allowed = current.clone();
            allowed.account.address = desired.account.address.clone();
            allowed.account.website_url = desired.account.website_url.clone();
            allowed.life_cycle.target_close_date = desired.life_cycle.target_close_date.clone();
            allowed.project.expected_customer_spend =
                desired.project.expected_customer_spend.clone();
            allowed.project.customer_business_problem =
                desired.project.customer_business_problem.clone();
            allowed.partner_opportunity_identifier = desired.partner_opportunity_identifier.clone();
            if allowed != *desired {
                kept.push("under Action Required only address, website, close date, spend and business problem are updated".to_owned());
            }
            *desired = allowed;
        }
        Some("Approved") => {
            let mut freeze = |name: &str, same: bool| {
                if !same {
                    kept.push(format!("{name} cannot change after approval"));
                }
            };
            freeze(
                "CountryCode",
                desired.account.address.country_code == current.account.address.country_code,
            );
            freeze(
                "PostalCode",
                desired.account.address.postal_code == current.account.address.postal_code,
            );
            freeze(
                "Industry",
                desired.account.industry == current.account.industry,
            );
            freeze(
                "WebsiteUrl",
                desired.account.website_url == current.account.website_url,
            );
            freeze(
                "CustomerBusinessProblem",
                desired.project.customer_business_problem
                    == current.project.customer_business_problem,
            );
            desired.account.address.country_code = current.account.address.country_code.clone();
            desired.account.address.postal_code = current.account.address.postal_code.clone();
            desired.account.industry = current.account.industry.clone();
            desired.account.other_industry = current.account.other_industry.clone();
            desired.account.website_url = current.account.website_url.clone();
            desired.project.customer_business_problem =
                current.project.customer_business_problem.clone();
            desired.partner_opportunity_identifier = current.partner_opportunity_identifier.clone();
        }
        _ => {}
    }
    kept
}

/// A `YYYY-MM-DD` date that is today or later.
fn is_current(date: &str, today: NaiveDate) -> bool {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok_and(|d| d >= today)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::{Account, Address, LifeCycle, Project};

    fn existing(status: Option<&str>, fields: OpportunityFields) -> ExistingOpportunity {
        ExistingOpportunity {
            id: "O1".into(),
            last_modified: aws_smithy_types::DateTime::from_secs(0),
            review_status: status.map(str::to_owned),
            review_comments: None,
            review_status_reason: None,
            solutions: Vec::new(),
            fields,
            snapshot: None,
        }
    }

    fn fields(website: &str, city: &str, stage: &str, close: &str) -> OpportunityFields {
        OpportunityFields {
            account: Account {
                company_name: "Acme".into(),
                website_url: Some(website.into()),
                address: Address {
                    city: Some(city.into()),
                    ..Address::default()
                },
                ..Account::default()
            },
            project: Project {
                title: "T".into(),
                ..Project::default()
            },
            life_cycle: LifeCycle {
                stage: stage.into(),
                target_close_date: close.into(),
                ..LifeCycle::default()
            },
            ..OpportunityFields::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn pending_submission_takes_everything() {
        let e = existing(
            Some("Pending Submission"),
            fields("https://a.example", "Paris", "Prospect", "2027-01-01"),
        );
        let mut d = fields("https://b.example", "Lyon", "Qualified", "2027-02-01");
        let wanted = d.clone();
        assert!(reconcile(&e, &mut d, false, "2027-02-22", today()).is_empty());
        assert_eq!(d, wanted);
    }

    #[test]
    fn approved_freezes_its_fields() {
        let e = existing(
            Some("Approved"),
            fields("https://a.example", "Paris", "Prospect", "2027-01-01"),
        );
        let mut d = fields("https://b.example", "Lyon", "Qualified", "2027-02-01");
        let kept = reconcile(&e, &mut d, false, "2027-02-22", today());
        assert_eq!(kept, ["WebsiteUrl cannot change after approval"]);
        assert_eq!(d.account.website_url.as_deref(), Some("https://a.example"));
        assert_eq!(
            d.account.address.city.as_deref(),
            Some("Lyon"),
            "city stays editable"
        );
        assert_eq!(d.life_cycle.stage, "Qualified");
    }

    #[test]
    fn action_required_allows_only_its_list() {
        let e = existing(
            Some("Action Required"),
            fields("https://a.example", "Paris", "Prospect", "2027-01-01"),
        );
        let mut d = fields("https://b.example", "Lyon", "Qualified", "2027-02-01");
        let kept = reconcile(&e, &mut d, false, "2027-02-22", today());
        assert_eq!(kept.len(), 1);
        assert_eq!(d.account.website_url.as_deref(), Some("https://b.example"));
        assert_eq!(d.account.address.city.as_deref(), Some("Lyon"));
        assert_eq!(d.life_cycle.target_close_date, "2027-02-01");
        assert_eq!(
            d.life_cycle.stage, "Prospect",
            "stage is not editable under Action Required"
        );
    }

    #[test]
    fn closed_lost_sends_nothing_and_launched_only_delivery_models() {
        let lost = existing(
            Some("Approved"),
            fields("https://a.example", "Paris", "Closed Lost", "2026-10-01"),
        );
        let mut d = fields("https://a.example", "Lyon", "Closed Lost", "2026-12-23");
        let kept = reconcile(&lost, &mut d, true, "2027-02-22", today());
        assert_eq!(d, lost.fields, "{kept:?}");
        assert_eq!(kept.len(), 1);

        let launched = existing(
            Some("Approved"),
            fields("https://a.example", "Paris", "Launched", "2026-10-01"),
        );
        let mut d = fields("https://b.example", "Lyon", "Launched", "2026-12-23");
        d.project.delivery_models = vec!["SaaS or PaaS".into()];
        reconcile(&launched, &mut d, true, "2027-02-22", today());
        assert_eq!(
            d.life_cycle.target_close_date, "2026-10-01",
            "the close-date floor never rewrites a launched opportunity"
        );
        assert_eq!(d.account.address.city.as_deref(), Some("Paris"));
        assert_eq!(d.project.delivery_models, ["SaaS or PaaS"]);
    }

    #[test]
    fn launched_waits_for_approval() {
        for status in ["Pending Submission", "Action Required"] {
            let e = existing(
                Some(status),
                fields("https://a.example", "Paris", "Committed", "2027-01-01"),
            );
            let mut d = fields("https://a.example", "Paris", "Launched", "2026-11-20");
            let kept = reconcile(&e, &mut d, false, "2027-02-22", today());
            assert_eq!(d.life_cycle.stage, "Committed", "{status}");
            assert_eq!(d.life_cycle.target_close_date, "2027-01-01", "{status}");
            assert!(kept.iter().any(|k| k.contains("Launched")), "{kept:?}");
        }
        // A draft whose own date has passed gets the open-stage date, not the won deal's.
        let stale = existing(
            Some("Pending Submission"),
            fields("https://a.example", "Paris", "Committed", "2026-11-01"),
        );
        let mut d = fields("https://a.example", "Paris", "Launched", "2026-11-20");
        reconcile(&stale, &mut d, false, "2027-02-22", today());
        assert_eq!(d.life_cycle.target_close_date, "2027-02-22");
        let approved = existing(
            Some("Approved"),
            fields("https://a.example", "Paris", "Committed", "2027-01-01"),
        );
        let mut d = fields("https://a.example", "Paris", "Launched", "2026-11-20");
        reconcile(&approved, &mut d, false, "2027-02-22", today());
        assert_eq!(d.life_cycle.stage, "Launched");
        assert_eq!(d.life_cycle.target_close_date, "2026-11-20");
    }

    #[test]
    fn clamped_close_date_keeps_a_valid_existing_one() {
        let e = existing(
            None,
            fields("https://a.example", "Paris", "Prospect", "2026-12-01"),
        );
        let mut d = fields("https://a.example", "Paris", "Prospect", "2026-12-23");
        reconcile(&e, &mut d, true, "2027-02-22", today());
        assert_eq!(d.life_cycle.target_close_date, "2026-12-01");
        let mut d = fields("https://a.example", "Paris", "Prospect", "2026-12-23");
        reconcile(&e, &mut d, false, "2027-02-22", today());
        assert_eq!(
            d.life_cycle.target_close_date, "2026-12-23",
            "a real deal date always wins"
        );
        let past = existing(
            None,
            fields("https://a.example", "Paris", "Prospect", "2026-11-01"),
        );
        let mut d = fields("https://a.example", "Paris", "Prospect", "2026-12-23");
        reconcile(&past, &mut d, true, "2027-02-22", today());
        assert_eq!(
            d.life_cycle.target_close_date, "2026-12-23",
            "an expired date is replaced"
        );
    }
}
