//! The demo's "hearing AWS" scenarios: AWS's review decisions and AWS's seller reach the deal
//! through Partner Central's events with no HubSpot edit (a duplicate delivery syncing once),
//! and the reconciliation sweep heals what the events and a lost webhook missed. AWS is played
//! by the Partner Central fake's controls; its events reach the local queue the way the
//! stack's EventBridge rule delivers them.

use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::{AwsReview, AwsSummaryChange, PartnerCentralFake};

use super::Demo;
use super::scenarios::{deal_property, describe, expect_outcome, numeric};
use crate::status::RecordView;

/// How long an AWS-side change may take to come back as a hint.
const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A new complete `#AWS` deal of the demo's Acme customer, optionally ticked for submission.
fn fresh_deal(demo: &Demo<'_>, name: &str, submit: bool) -> anyhow::Result<String> {
    let hubspot = &demo.pipeline.sandbox()?.hubspot;
    let close = (chrono::Utc::now() + chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    let deal = hubspot.create(
        ObjectType::Deal,
        [
            ("dealname", name.to_owned()),
            ("amount", "180000".to_owned()),
            ("dealstage", "qualifiedtobuy".to_owned()),
            ("pipeline", "default".to_owned()),
            ("closedate", close),
            (
                "description",
                "Consolidate the BI estate on Redshift Serverless and QuickSight for 300 analysts."
                    .to_owned(),
            ),
            ("aws_submit", submit.to_string()),
        ],
    );
    hubspot.associate_primary(
        (ObjectType::Deal, &deal),
        (ObjectType::Company, &demo.ids.company_acme),
    );
    hubspot.associate(
        (ObjectType::Deal, &deal),
        (ObjectType::Contact, &demo.ids.contact_jane),
    );
    Ok(deal)
}

/// Delivers the new deal's `deal.creation` and expects `outcome`; returns the opportunity id.
async fn create(
    demo: &mut Demo<'_>,
    scenario: &'static str,
    deal: &str,
    outcome: &str,
    action: &str,
) -> anyhow::Result<String> {
    let event = demo.events.creation("deal", numeric(deal)?);
    let (_, records) = demo.deliver(&[event], 200).await?;
    let r = expect_outcome(&records, deal, outcome)?;
    demo.note(
        scenario,
        format!("deal.creation deal {deal}"),
        action,
        describe(&r),
    );
    deal_property(demo, deal, "aws_opportunity_id")?.context("the deal is not linked")
}

/// Lets AWS act (`act` on the Partner Central fake), then waits until the event it emits has
/// come back as a sync of `deal` and the queue is quiet; returns the records meanwhile.
async fn aws_acts(
    demo: &Demo<'_>,
    deal: &str,
    act: impl FnOnce(&PartnerCentralFake) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<RecordView>> {
    let mark = demo.pipeline.status.history_len();
    act(&demo.pipeline.sandbox()?.partner_central)?;
    let until = Instant::now() + EVENT_TIMEOUT;
    while hints(&demo.records_since(mark), deal, "deal.awsChange")
        .next()
        .is_none()
    {
        ensure!(
            Instant::now() < until,
            "no Partner Central event reached deal {deal} within {EVENT_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    demo.settle().await?;
    Ok(demo.records_since(mark))
}

fn hints<'r>(
    records: &'r [RecordView],
    deal: &'r str,
    event_type: &'r str,
) -> impl Iterator<Item = &'r RecordView> {
    records.iter().filter(move |r| {
        r.object_id.as_deref() == Some(deal) && r.event_type.as_deref() == Some(event_type)
    })
}

fn team_of(demo: &Demo<'_>, deal: &str) -> anyhow::Result<String> {
    Ok(deal_property(demo, deal, "aws_team")?.unwrap_or_default())
}

fn spend_of(demo: &Demo<'_>, id: &str) -> anyhow::Result<String> {
    let opportunity = demo
        .pipeline
        .sandbox()?
        .partner_central
        .opportunity(id)
        .context("the opportunity is gone")?;
    Ok(opportunity["Project"]["ExpectedCustomerSpend"][0]["Amount"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

pub(super) async fn hearing_aws(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let deal = fresh_deal(demo, "Acme Analytics BI consolidation #AWS", true)?;
    let id = create(
        demo,
        scenario,
        &deal,
        "submitted",
        "submitted (task complete)",
    )
    .await?;

    let records = aws_acts(
        demo,
        &deal,
        |pc| Ok(pc.review(&id, AwsReview::StartReview)?),
    )
    .await?;
    let r = expect_outcome(&records, &deal, "blocked")?;
    demo.note(
        scenario,
        "Opportunity Updated (AWS starts the review)",
        "blocked (from the event)",
        describe(&r),
    );

    let records = demo
        .edit(ObjectType::Deal, &deal, "amount", "210000")
        .await?;
    let r = expect_outcome(&records, &deal, "blocked")?;
    demo.note(
        scenario,
        format!("amount=210000 deal {deal}"),
        "blocked (edit waits)",
        describe(&r),
    );

    // AWS approves: the event alone brings the decision, AWS's team and score, and sends the
    // edit that waited. Nobody touches the deal.
    let records = aws_acts(demo, &deal, |pc| Ok(pc.review(&id, AwsReview::Approve)?)).await?;
    let r = expect_outcome(&records, &deal, "updated")?;
    let review = deal_property(demo, &deal, "aws_review_status")?;
    ensure!(
        review.as_deref() == Some("Approved"),
        "aws_review_status is {review:?}"
    );
    let team = team_of(demo, &deal)?;
    ensure!(team.lines().count() >= 1, "no AWS team on the deal");
    let score = deal_property(demo, &deal, "aws_engagement_score")?.unwrap_or_default();
    ensure!(!score.is_empty(), "no engagement score on the deal");
    ensure!(
        spend_of(demo, &id)?.starts_with("210000"),
        "the waiting edit was not sent"
    );
    demo.note(
        scenario,
        "Opportunity Updated (AWS approves)",
        "approved (event): edit sent",
        format!(
            "{} · score {score} · team: {}",
            describe(&r),
            team.replace('\n', "; ")
        ),
    );

    // AWS's seller adds next steps; EventBridge delivers the event twice: one sync.
    let next = "Joint discovery call with the customer's data team";
    let records = aws_acts(demo, &deal, |pc| {
        pc.duplicate_next_events(1);
        Ok(pc.set_aws_summary(
            &id,
            AwsSummaryChange {
                next_steps: Some(next.to_owned()),
                ..AwsSummaryChange::default()
            },
        )?)
    })
    .await?;
    let syncs = hints(&records, &deal, "deal.awsChange").count();
    ensure!(syncs == 1, "{syncs} syncs for one event delivered twice");
    let shown = deal_property(demo, &deal, "aws_seller_next_steps")?;
    ensure!(
        shown.as_deref() == Some(next),
        "aws_seller_next_steps is {shown:?}"
    );
    demo.note(
        scenario,
        "Opportunity Updated ×2 (AWS next steps)",
        "one sync (duplicate dropped)",
        format!("aws_seller_next_steps: {next}"),
    );
    Ok(())
}

pub(super) async fn sweep_heals(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let submitted = fresh_deal(demo, "Acme Analytics forecasting pilot #AWS", true)?;
    let id = create(
        demo,
        scenario,
        &submitted,
        "submitted",
        "submitted (task complete)",
    )
    .await?;
    let edited = fresh_deal(demo, "Acme Analytics data catalog #AWS", false)?;
    let edited_id = create(demo, scenario, &edited, "created", "created").await?;

    // Partner Central's events are lost while AWS approves, and a person's edit never
    // reaches us as a webhook.
    let pc = &demo.pipeline.sandbox()?.partner_central;
    pc.set_event_delivery(false);
    let decided = pc
        .review(&id, AwsReview::StartReview)
        .and_then(|()| pc.review(&id, AwsReview::Approve));
    pc.set_event_delivery(true);
    decided?;
    demo.pipeline
        .sandbox()?
        .hubspot
        .upsert(ObjectType::Deal, &edited, [("amount", "64000")]);
    demo.note(
        scenario,
        "(events lost, webhook lost)",
        "AWS approves; amount=64000",
        id.clone(),
    );

    let mark = demo.pipeline.status.history_len();
    demo.pipeline.sweep_now().await?;
    demo.settle().await?;
    let records = demo.records_since(mark);
    let sweep = records
        .iter()
        .find(|r| r.object_type.as_deref() == Some("schedule"))
        .context("the sweep did not run")?;
    ensure!(
        sweep.outcome == "swept",
        "the sweep ended {}: {:?}",
        sweep.outcome,
        sweep.detail
    );
    ensure!(
        hints(&records, &submitted, "deal.sweepHint").count() == 1
            && hints(&records, &edited, "deal.sweepHint").count() == 1,
        "one hint per deal expected"
    );
    let review = deal_property(demo, &submitted, "aws_review_status")?;
    ensure!(
        review.as_deref() == Some("Approved"),
        "aws_review_status is {review:?}"
    );
    ensure!(
        !team_of(demo, &submitted)?.is_empty(),
        "no AWS team on the deal"
    );
    ensure!(
        spend_of(demo, &edited_id)?.starts_with("64000"),
        "the lost edit was not sent"
    );
    demo.note(
        scenario,
        "Scheduled Event (reconciliation sweep)",
        "healed by the sweep",
        sweep.detail.clone().unwrap_or_default(),
    );
    Ok(())
}
