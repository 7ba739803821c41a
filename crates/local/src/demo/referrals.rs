//! The demo's AWS referral scenarios: AWS sends engagement invitations (the Partner Central
//! fake's control, as AWS would); each becomes a HubSpot deal; the seller accepts one (the new
//! opportunity is linked and the next deal edit reaches Partner Central), rejects another with a
//! reason, and lets a third expire.

use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::NewInvitation;
use serde_json::{Value, json};

use super::Demo;
use super::scenarios::{deal_property, describe, expect_outcome};
use crate::status::RecordView;

const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

/// AWS sends `invitation`; waits until its deal exists and the queue is quiet.
async fn referral(
    demo: &mut Demo<'_>,
    scenario: &'static str,
    invitation: NewInvitation,
) -> anyhow::Result<(String, String)> {
    let mark = demo.pipeline.status.history_len();
    let title = invitation.project_title.clone();
    let id = demo.pipeline.sandbox()?.partner_central.invite(invitation);
    let until = Instant::now() + EVENT_TIMEOUT;
    let received = loop {
        if let Some(r) = demo
            .records_since(mark)
            .into_iter()
            .find(|r| r.object_id.as_deref() == Some(id.as_str()) && r.outcome == "received")
        {
            break r;
        }
        ensure!(
            Instant::now() < until,
            "invitation {id} did not become a deal within {EVENT_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    demo.settle().await?;
    let deal = referral_deal(demo, &id).await?;
    demo.note(
        scenario,
        format!("Engagement Invitation Created ({id})"),
        "deal created",
        format!("deal {deal} \"{title}\" · {}", describe(&received)),
    );
    Ok((id, deal))
}

/// The deal that carries invitation `id` (HubSpot CRM search, as the processor finds it).
async fn referral_deal(demo: &Demo<'_>, id: &str) -> anyhow::Result<String> {
    let hubspot = &demo.pipeline.sandbox()?.hubspot;
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/deals/search", hubspot.base_url()))
        .bearer_auth(hubspot.token())
        .json(&json!({
            "filterGroups": [{"filters": [{"propertyName": "aws_invitation_id", "operator": "EQ", "value": id}]}],
            "limit": 10,
        }))
        .send()
        .await?
        .json()
        .await?;
    let results = answer["results"].as_array().cloned().unwrap_or_default();
    ensure!(
        results.len() == 1,
        "{} deals carry invitation {id}",
        results.len()
    );
    results[0]["id"]
        .as_str()
        .map(str::to_owned)
        .context("a deal without id")
}

fn invitation_status(demo: &Demo<'_>, id: &str) -> anyhow::Result<String> {
    let invitation = demo
        .pipeline
        .sandbox()?
        .partner_central
        .invitation(id)
        .context("the invitation is gone")?;
    Ok(invitation["Status"].as_str().unwrap_or_default().to_owned())
}

fn expect_status(demo: &Demo<'_>, deal: &str, want: &str) -> anyhow::Result<()> {
    let got = deal_property(demo, deal, "aws_invitation_status")?;
    ensure!(
        got.as_deref() == Some(want),
        "deal {deal} aws_invitation_status is {got:?}, expected {want:?}"
    );
    Ok(())
}

pub(super) async fn accepted(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let (id, deal) = referral(demo, scenario, NewInvitation::default()).await?;
    expect_status(demo, &deal, "pending")?;
    let records = demo
        .edit(ObjectType::Deal, &deal, "aws_invitation_decision", "accept")
        .await?;
    let opportunity =
        deal_property(demo, &deal, "aws_opportunity_id")?.context("the deal is not linked")?;
    expect_status(demo, &deal, "accepted")?;
    ensure!(
        invitation_status(demo, &id)? == "ACCEPTED",
        "not accepted at AWS"
    );
    let r = records
        .iter()
        .rev()
        .find(|r| r.object_id.as_deref() == Some(deal.as_str()))
        .cloned()
        .context("no record for the deal")?;
    demo.note(
        scenario,
        format!("aws_invitation_decision=accept deal {deal}"),
        "accepted → linked",
        format!("{opportunity} · {}", r.outcome),
    );
    let records = demo
        .edit(ObjectType::Deal, &deal, "amount", "27500")
        .await?;
    let r: RecordView = expect_outcome(&records, &deal, "updated")?;
    let opportunity_now = demo
        .pipeline
        .sandbox()?
        .partner_central
        .opportunity(&opportunity)
        .context("the opportunity is gone")?;
    let amount = opportunity_now["Project"]["ExpectedCustomerSpend"][0]["Amount"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(
        amount.starts_with("27500"),
        "the edit did not reach Partner Central ({amount})"
    );
    demo.note(
        scenario,
        format!("amount=27500 deal {deal}"),
        "updated (referral opportunity)",
        describe(&r),
    );
    Ok(())
}

pub(super) async fn rejected(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let invitation = NewInvitation {
        engagement_title: "Harbor Logistics analytics".to_owned(),
        customer_company_name: "Harbor Logistics".to_owned(),
        customer_website: "https://harborlogistics.example.com".to_owned(),
        project_title: "Harbor Logistics fleet analytics".to_owned(),
        ..NewInvitation::default()
    };
    let (id, deal) = referral(demo, scenario, invitation).await?;
    demo.pipeline.sandbox()?.hubspot.upsert(
        ObjectType::Deal,
        &deal,
        [("aws_invitation_rejection_reason", "Unable to support")],
    );
    demo.edit(ObjectType::Deal, &deal, "aws_invitation_decision", "reject")
        .await?;
    expect_status(demo, &deal, "rejected")?;
    let invitation = demo
        .pipeline
        .sandbox()?
        .partner_central
        .invitation(&id)
        .context("the invitation is gone")?;
    ensure!(
        invitation["RejectionReason"] == "Unable to support",
        "AWS recorded {}",
        invitation["RejectionReason"]
    );
    demo.note(
        scenario,
        format!("aws_invitation_decision=reject deal {deal}"),
        "rejected with reason",
        "Unable to support",
    );
    Ok(())
}

pub(super) async fn expired(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    let invitation = NewInvitation {
        engagement_title: "Cedar Health data platform".to_owned(),
        customer_company_name: "Cedar Health".to_owned(),
        customer_website: "https://cedarhealth.example.com".to_owned(),
        project_title: "Cedar Health data platform".to_owned(),
        ..NewInvitation::default()
    };
    let (id, deal) = referral(demo, scenario, invitation).await?;
    let mark = demo.pipeline.status.history_len();
    demo.pipeline
        .sandbox()?
        .partner_central
        .expire_invitation(&id)?;
    let until = Instant::now() + EVENT_TIMEOUT;
    while deal_property(demo, &deal, "aws_invitation_status")?.as_deref() != Some("expired") {
        ensure!(
            Instant::now() < until,
            "the expiry did not reach deal {deal}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    demo.settle().await?;
    let records = demo.records_since(mark);
    ensure!(
        records.iter().all(|r| r.outcome != "transient_error"),
        "a record failed"
    );
    demo.note(
        scenario,
        format!("Engagement Invitation Expired ({id})"),
        "expired unanswered",
        format!("deal {deal}"),
    );
    Ok(())
}
