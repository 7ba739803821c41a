//! The demo's scenarios. Each is self-contained (it creates what it needs first), checks the
//! pipeline's answer *and* the sandbox state afterwards, and errs when an expectation fails —
//! the end-to-end tests run them one by one against the embedded queue and against moto.

use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::PartnerCentralFault;
use serde_json::Value;

use super::{Demo, aws_side, console, lifecycle, referrals};
use crate::status::RecordView;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Creation,
    PropertyChange,
    CompanyChange,
    Note,
    RenameAfterSubmission,
    SubmissionAndReview,
    Rejected,
    RefusedBeforeSubmission,
    HearingAws,
    SweepHeals,
    ReferralAccepted,
    ReferralRejected,
    ReferralExpired,
    DataError,
    UntaggedDeal,
    Malformed,
    Forged,
    PoisonThenReprocess,
}

impl Scenario {
    pub const ALL: [Scenario; 18] = [
        Scenario::Creation,
        Scenario::PropertyChange,
        Scenario::CompanyChange,
        Scenario::Note,
        Scenario::RenameAfterSubmission,
        Scenario::SubmissionAndReview,
        Scenario::Rejected,
        Scenario::RefusedBeforeSubmission,
        Scenario::HearingAws,
        Scenario::SweepHeals,
        Scenario::ReferralAccepted,
        Scenario::ReferralRejected,
        Scenario::ReferralExpired,
        Scenario::DataError,
        Scenario::UntaggedDeal,
        Scenario::Malformed,
        Scenario::Forged,
        Scenario::PoisonThenReprocess,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Creation => "creation",
            Scenario::PropertyChange => "property change",
            Scenario::CompanyChange => "company change",
            Scenario::Note => "note",
            Scenario::RenameAfterSubmission => "rename after submission",
            Scenario::SubmissionAndReview => "submission and review",
            Scenario::Rejected => "rejected by AWS",
            Scenario::RefusedBeforeSubmission => "incomplete submission",
            Scenario::HearingAws => "AWS decides, deal hears",
            Scenario::SweepHeals => "sweep heals lost events",
            Scenario::ReferralAccepted => "AWS referral accepted",
            Scenario::ReferralRejected => "AWS referral rejected",
            Scenario::ReferralExpired => "AWS referral expires",
            Scenario::DataError => "data error",
            Scenario::UntaggedDeal => "deal without #AWS",
            Scenario::Malformed => "malformed request",
            Scenario::Forged => "forged request",
            Scenario::PoisonThenReprocess => "poison → DLQ → fix",
        }
    }

    pub async fn run(self, demo: &mut Demo<'_>) -> anyhow::Result<()> {
        match self {
            Scenario::Creation => {
                let deal = demo.ids.deal_acme.clone();
                ensure_created(demo, self.name(), &deal).await.map(|_| ())
            }
            Scenario::PropertyChange => property_change(demo, self.name()).await,
            Scenario::CompanyChange => company_change(demo, self.name()).await,
            Scenario::Note => note(demo, self.name()).await,
            Scenario::RenameAfterSubmission => rename_after_submission(demo, self.name()).await,
            Scenario::SubmissionAndReview => {
                lifecycle::submission_and_review(demo, self.name()).await
            }
            Scenario::Rejected => lifecycle::rejected(demo, self.name()).await,
            Scenario::RefusedBeforeSubmission => {
                lifecycle::refused_before_submission(demo, self.name()).await
            }
            Scenario::HearingAws => aws_side::hearing_aws(demo, self.name()).await,
            Scenario::SweepHeals => aws_side::sweep_heals(demo, self.name()).await,
            Scenario::ReferralAccepted => referrals::accepted(demo, self.name()).await,
            Scenario::ReferralRejected => referrals::rejected(demo, self.name()).await,
            Scenario::ReferralExpired => referrals::expired(demo, self.name()).await,
            Scenario::DataError => data_error(demo, self.name()).await,
            Scenario::UntaggedDeal => untagged(demo, self.name()).await,
            Scenario::Malformed => refused(demo, self.name(), false).await,
            Scenario::Forged => refused(demo, self.name(), true).await,
            Scenario::PoisonThenReprocess => poison(demo, self.name()).await,
        }
    }
}

pub(super) fn numeric(id: &str) -> anyhow::Result<u64> {
    id.parse()
        .with_context(|| format!("object id {id} is not numeric"))
}

/// The record of `object_id` with `outcome`, or an error saying what happened instead.
pub(super) fn expect_outcome(
    records: &[RecordView],
    object_id: &str,
    outcome: &str,
) -> anyhow::Result<RecordView> {
    let mine: Vec<&RecordView> = records
        .iter()
        .filter(|r| r.object_id.as_deref() == Some(object_id))
        .collect();
    match mine.iter().rev().find(|r| r.outcome == outcome) {
        Some(r) => Ok((*r).clone()),
        None => bail!(
            "expected `{outcome}` for object {object_id}, got {:?}",
            mine.iter()
                .map(|r| format!("{} ({})", r.outcome, r.detail.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
        ),
    }
}

pub(super) fn describe(r: &RecordView) -> String {
    match (&r.opportunity_id, &r.detail) {
        (Some(id), _) => id.clone(),
        (None, Some(detail)) => detail.clone(),
        (None, None) => "-".to_owned(),
    }
}

/// Opportunities whose PartnerOpportunityIdentifier is the deal id.
pub fn opportunities_of(demo: &Demo<'_>, deal_id: &str) -> anyhow::Result<Vec<Value>> {
    Ok(demo
        .pipeline
        .sandbox()?
        .partner_central
        .opportunities()
        .into_iter()
        .filter(|o| o["PartnerOpportunityIdentifier"].as_str() == Some(deal_id))
        .collect())
}

/// Exactly one opportunity for the deal, linked from the deal; returns it.
pub(super) fn the_opportunity(demo: &Demo<'_>, deal_id: &str) -> anyhow::Result<Value> {
    let found = opportunities_of(demo, deal_id)?;
    ensure!(
        found.len() == 1,
        "deal {deal_id} has {} opportunities in Partner Central, expected exactly 1",
        found.len()
    );
    let linked =
        demo.pipeline
            .sandbox()?
            .hubspot
            .property(ObjectType::Deal, deal_id, "aws_opportunity_id");
    let id = found[0]["Id"].as_str().unwrap_or_default();
    ensure!(
        linked.as_deref() == Some(id),
        "deal {deal_id} links {linked:?}, Partner Central holds {id}"
    );
    Ok(found[0].clone())
}

pub(super) fn deal_property(
    demo: &Demo<'_>,
    deal_id: &str,
    name: &str,
) -> anyhow::Result<Option<String>> {
    Ok(demo
        .pipeline
        .sandbox()?
        .hubspot
        .property(ObjectType::Deal, deal_id, name))
}

/// Sends `deal.creation` unless the deal is already linked; returns the opportunity id.
pub async fn ensure_created(
    demo: &mut Demo<'_>,
    scenario: &'static str,
    deal_id: &str,
) -> anyhow::Result<String> {
    if let Some(id) = deal_property(demo, deal_id, "aws_opportunity_id")? {
        return Ok(id);
    }
    let event = demo.events.creation("deal", numeric(deal_id)?);
    let (_, records) = demo.deliver(&[event], 200).await?;
    let r = expect_outcome(&records, deal_id, "created")?;
    demo.note(
        scenario,
        format!("deal.creation deal {deal_id}"),
        "created",
        describe(&r),
    );
    let opportunity = the_opportunity(demo, deal_id)?;
    ensure!(
        deal_property(demo, deal_id, "aws_sync_status")?.as_deref() == Some("synced"),
        "deal {deal_id} is not marked synced"
    );
    Ok(opportunity["Id"].as_str().unwrap_or_default().to_owned())
}

async fn property_change(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let deal = demo.ids.deal_acme.clone();
    ensure_created(demo, scenario, &deal).await?;
    let records = demo
        .edit(ObjectType::Deal, &deal, "amount", "275000")
        .await?;
    let r = expect_outcome(&records, &deal, "updated")?;
    demo.note(
        scenario,
        format!("deal.propertyChange amount=275000 deal {deal}"),
        "updated",
        describe(&r),
    );
    let opportunity = the_opportunity(demo, &deal)?;
    let spend = opportunity["Project"]["ExpectedCustomerSpend"].to_string();
    ensure!(
        spend.contains("Amount"),
        "no ExpectedCustomerSpend: {spend}"
    );
    Ok(())
}

async fn company_change(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let deal = demo.ids.deal_acme.clone();
    let company = demo.ids.company_acme.clone();
    ensure_created(demo, scenario, &deal).await?;
    let records = demo
        .edit(
            ObjectType::Company,
            &company,
            "website",
            "https://www.acme-analytics.io",
        )
        .await?;
    let r = expect_outcome(&records, &company, "updated")?;
    demo.note(
        scenario,
        format!("company.propertyChange website company {company}"),
        "updated (its deal)",
        describe(&r),
    );
    let opportunity = the_opportunity(demo, &deal)?;
    let url = opportunity["Customer"]["Account"]["WebsiteUrl"]
        .as_str()
        .unwrap_or_default();
    ensure!(url.contains("acme-analytics.io"), "WebsiteUrl is {url:?}");
    Ok(())
}

async fn note(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let deal = demo.ids.deal_nordwind.clone();
    ensure_created(demo, scenario, &deal).await?;
    let hubspot = &demo.pipeline.sandbox()?.hubspot;
    let timestamp = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let note = hubspot.create(
        ObjectType::Note,
        [
            (
                "hs_note_body",
                "<p>Security review passed; PoC starts Monday.</p>".to_owned(),
            ),
            ("hs_timestamp", timestamp),
        ],
    );
    hubspot.associate((ObjectType::Note, &note), (ObjectType::Deal, &deal));
    let event = demo.events.note_creation(numeric(&note)?);
    let (_, records) = demo.deliver(&[event], 200).await?;
    let r = expect_outcome(&records, &note, "updated")?;
    demo.note(
        scenario,
        format!("note.creation note {note} on deal {deal}"),
        "updated (NextSteps)",
        describe(&r),
    );
    let opportunity = the_opportunity(demo, &deal)?;
    let next_steps = opportunity["LifeCycle"]["NextSteps"]
        .as_str()
        .unwrap_or_default();
    ensure!(
        next_steps.contains("Security review passed"),
        "NextSteps is {next_steps:?}"
    );
    Ok(())
}

async fn rename_after_submission(
    demo: &mut Demo<'_>,
    scenario: &'static str,
) -> anyhow::Result<()> {
    let deal = demo.ids.deal_nordwind.clone();
    let id = ensure_created(demo, scenario, &deal).await?;
    let title_before = the_opportunity(demo, &deal)?["Project"]["Title"].clone();
    let sandbox = demo.pipeline.sandbox()?;
    console::submit(&sandbox.partner_central, &id).await?;
    let name = "Nordwind fleet telemetry and routing platform #AWS";
    sandbox
        .hubspot
        .upsert(ObjectType::Deal, &deal, [("dealname", name)]);
    let event = demo
        .events
        .property_change("deal", numeric(&deal)?, "dealname", name);
    let (_, records) = demo.deliver(&[event], 200).await?;
    let r = expect_outcome(&records, &deal, "blocked")?;
    demo.note(
        scenario,
        format!("deal.propertyChange dealname deal {deal} (Submitted)"),
        "blocked",
        describe(&r),
    );
    ensure!(
        deal_property(demo, &deal, "aws_sync_status")?.as_deref() == Some("blocked"),
        "deal {deal} is not marked blocked"
    );
    let title_after = the_opportunity(demo, &deal)?["Project"]["Title"].clone();
    ensure!(
        title_before == title_after,
        "the title changed under review: {title_after}"
    );
    Ok(())
}

async fn data_error(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let deal = demo.ids.deal_without_company.clone();
    let event = demo.events.creation("deal", numeric(&deal)?);
    let (_, records) = demo.deliver(&[event], 200).await?;
    let r = expect_outcome(&records, &deal, "data_error")?;
    demo.note(
        scenario,
        format!("deal.creation deal {deal} (no company)"),
        "data error",
        describe(&r),
    );
    ensure!(
        deal_property(demo, &deal, "aws_sync_status")?.as_deref() == Some("error"),
        "deal {deal} is not marked error"
    );
    let reason = deal_property(demo, &deal, "aws_sync_error")?.unwrap_or_default();
    ensure!(
        reason.contains("CompanyName"),
        "aws_sync_error is {reason:?}"
    );
    ensure!(
        opportunities_of(demo, &deal)?.is_empty(),
        "an opportunity was created"
    );
    Ok(())
}

async fn untagged(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let deal = demo.ids.deal_untagged.clone();
    let event = demo.events.creation("deal", numeric(&deal)?);
    let (_, records) = demo.deliver(&[event], 200).await?;
    let r = expect_outcome(&records, &deal, "skipped")?;
    demo.note(
        scenario,
        format!("deal.creation deal {deal}"),
        "skipped",
        describe(&r),
    );
    ensure!(
        opportunities_of(demo, &deal)?.is_empty(),
        "an opportunity was created"
    );
    Ok(())
}

async fn refused(demo: &mut Demo<'_>, scenario: &'static str, forged: bool) -> anyhow::Result<()> {
    let before = demo.pipeline.status.snapshot().events_enqueued;
    let deal = demo.ids.deal_closed_lost.clone();
    let (body, secret, expected) = if forged {
        let event = demo.events.creation("deal", numeric(&deal)?);
        (
            Value::Array(vec![event]).to_string(),
            "not-the-client-secret".to_owned(),
            401,
        )
    } else {
        (r#"[{"eventId": "#.to_owned(), demo.secret.clone(), 400)
    };
    let answer = demo.client.deliver_raw(body.into_bytes(), &secret).await?;
    ensure!(
        answer.status == expected,
        "answered {} ({}), expected {expected}",
        answer.status,
        answer.body
    );
    let reason = answer.body["error"].as_str().unwrap_or_default().to_owned();
    let what = if forged {
        "POST signed with a wrong secret"
    } else {
        "POST with a truncated JSON body"
    };
    demo.note(scenario, what, format!("HTTP {expected}"), reason);
    ensure!(
        demo.pipeline.status.snapshot().events_enqueued == before,
        "a refused request enqueued events"
    );
    Ok(())
}

async fn poison(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let sandbox = demo.pipeline.sandbox()?;
    let company = demo.ids.company_acme.clone();
    let close = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let deal = sandbox.hubspot.create(
        ObjectType::Deal,
        [
            (
                "dealname",
                "Acme Analytics disaster recovery #AWS".to_owned(),
            ),
            ("amount", "48000".to_owned()),
            ("dealstage", "qualifiedtobuy".to_owned()),
            ("pipeline", "default".to_owned()),
            ("closedate", close),
            (
                "description",
                "Pilot-light DR for the analytics platform in a second AWS Region.".to_owned(),
            ),
        ],
    );
    sandbox
        .hubspot
        .associate_primary((ObjectType::Deal, &deal), (ObjectType::Company, &company));
    // The IAM role "lacks" the managed policy: every CreateOpportunity is denied.
    sandbox.partner_central.fail_next_op(
        "CreateOpportunity",
        10_000,
        PartnerCentralFault::AccessDenied,
    );
    let event = demo.events.creation("deal", numeric(&deal)?);
    let answer = demo.client.deliver(&[event]).await?;
    ensure!(answer.status == 200, "webhook answered {}", answer.status);
    let parked = demo
        .pipeline
        .wait_dlq_depth(1, Duration::from_secs(60))
        .await;
    sandbox.partner_central.clear_faults();
    ensure!(parked, "the poison message did not reach the DLQ");
    let attempts = demo
        .pipeline
        .status
        .history()
        .iter()
        .filter(|r| r.object_id.as_deref() == Some(deal.as_str()) && r.outcome == "transient_error")
        .count();
    demo.note(
        scenario,
        format!("deal.creation deal {deal} (AccessDenied)"),
        format!("{attempts} failed attempts"),
        "moved to the DLQ",
    );
    demo.settle().await?;

    let mark = demo.pipeline.status.history_len();
    let summary = demo.pipeline.reprocess_dlq(serde_json::Value::Null).await?;
    ensure!(
        summary.moved == 1,
        "reprocess-dlq moved {} message(s): {summary:?}",
        summary.moved
    );
    demo.settle().await?;
    let records = demo.records_since(mark);
    let r = expect_outcome(&records, &deal, "created")?;
    demo.note(
        scenario,
        "policy fixed; sync-local reprocess-dlq",
        "moved 1 → created",
        describe(&r),
    );
    the_opportunity(demo, &deal)?;
    ensure!(
        demo.pipeline
            .dlq
            .depth()
            .await
            .map(|d| d.total())
            .unwrap_or(1)
            == 0,
        "the DLQ is not empty"
    );
    Ok(())
}
