//! The demo's submission and review scenarios: one deal's whole life (submitted, reviewed with
//! an edit waiting, Action Required with AWS's comment on the deal, fixed, approved with the
//! waiting edit applied, won and launched), a deal AWS rejects, and a submission refused before
//! any call because the deal is incomplete. AWS's reviewer is played by the fake's control, the
//! only way besides the submission task that a review status moves.

use anyhow::ensure;
use sandbox::hubspot::ObjectType;
use sandbox::partner_central::AwsReview;

use super::Demo;
use super::scenarios::{
    deal_property, describe, ensure_created, expect_outcome, numeric, opportunities_of,
    the_opportunity,
};

fn reviewer(demo: &Demo<'_>, id: &str, decision: AwsReview) -> anyhow::Result<String> {
    let step = match &decision {
        AwsReview::StartReview => "starts the review",
        AwsReview::Approve => "approves",
        AwsReview::RequireAction { .. } => "asks for changes",
        AwsReview::Reject { .. } => "rejects",
    };
    demo.pipeline
        .sandbox()?
        .partner_central
        .review(id, decision)?;
    Ok(format!("AWS's reviewer {step} ({id})"))
}

fn expect_prop(demo: &Demo<'_>, deal: &str, name: &str, want: &str) -> anyhow::Result<()> {
    let got = deal_property(demo, deal, name)?;
    ensure!(
        got.as_deref() == Some(want),
        "deal {deal} {name} is {got:?}, expected {want:?}"
    );
    Ok(())
}

pub(super) async fn submission_and_review(
    demo: &mut Demo<'_>,
    scenario: &'static str,
) -> anyhow::Result<()> {
    let deal = demo.ids.deal_acme.clone();
    let id = ensure_created(demo, scenario, &deal).await?;

    // A person ticks "Submit to AWS": the task runs at AWS for a while, the processor follows it.
    let records = demo
        .edit(ObjectType::Deal, &deal, "aws_submit", "true")
        .await?;
    let r = expect_outcome(&records, &deal, "submitted")?;
    demo.note(
        scenario,
        format!("aws_submit=true deal {deal}"),
        "submitted (task complete)",
        describe(&r),
    );
    expect_prop(demo, &deal, "aws_review_status", "Submitted")?;

    // AWS reviews; meanwhile the deal moves on a stage: the edit waits.
    let line = reviewer(demo, &id, AwsReview::StartReview)?;
    demo.note(scenario, line, "In review", "-");
    let records = demo
        .edit(
            ObjectType::Deal,
            &deal,
            "dealstage",
            "presentationscheduled",
        )
        .await?;
    let r = expect_outcome(&records, &deal, "blocked")?;
    demo.note(
        scenario,
        format!("dealstage=presentationscheduled deal {deal}"),
        "blocked (edit waits)",
        describe(&r),
    );
    ensure!(
        the_opportunity(demo, &deal)?["LifeCycle"]["Stage"] == "Qualified",
        "the stage changed under review"
    );

    // AWS asks for a fix; the deal's next sync shows AWS's comment.
    let line = reviewer(
        demo,
        &id,
        AwsReview::RequireAction {
            comments: "The customer website does not match the company; please correct it.".into(),
            reason: "Customer website is incorrect".into(),
        },
    )?;
    demo.note(scenario, line, "Action Required", "-");
    let records = demo
        .edit(
            ObjectType::Deal,
            &deal,
            "hs_next_step",
            "Call AWS about the review",
        )
        .await?;
    let r = expect_outcome(&records, &deal, "action_required")?;
    let comments = deal_property(demo, &deal, "aws_review_comments")?.unwrap_or_default();
    ensure!(
        comments.contains("website"),
        "aws_review_comments is {comments:?}"
    );
    demo.note(
        scenario,
        format!("deal.propertyChange deal {deal}"),
        "action_required",
        format!("{} · aws_review_comments: {comments}", describe(&r)),
    );

    // The fix: only what AWS allows in this state is sent, and the opportunity is back in review.
    let company = demo.ids.company_acme.clone();
    let records = demo
        .edit(
            ObjectType::Company,
            &company,
            "website",
            "https://www.acmeanalytics.co",
        )
        .await?;
    let r = expect_outcome(&records, &company, "updated")?;
    demo.note(
        scenario,
        format!("company.propertyChange website company {company}"),
        "fix sent → Submitted",
        describe(&r),
    );
    expect_prop(demo, &deal, "aws_review_status", "Submitted")?;
    ensure!(
        the_opportunity(demo, &deal)?["LifeCycle"]["Stage"] == "Qualified",
        "the stage was sent under Action Required"
    );

    // AWS approves: the edit that waited is sent now.
    reviewer(demo, &id, AwsReview::StartReview)?;
    let line = reviewer(demo, &id, AwsReview::Approve)?;
    demo.note(scenario, line, "Approved", "-");
    let records = demo
        .edit(
            ObjectType::Deal,
            &deal,
            "hs_next_step",
            "Kick-off with the AWS account team",
        )
        .await?;
    let r = expect_outcome(&records, &deal, "updated")?;
    demo.note(
        scenario,
        format!("deal.propertyChange deal {deal}"),
        "updated (waiting edit)",
        describe(&r),
    );
    ensure!(
        the_opportunity(demo, &deal)?["LifeCycle"]["Stage"] == "Technical Validation",
        "the waiting stage edit was not applied"
    );
    expect_prop(demo, &deal, "aws_sync_status", "synced")?;
    expect_prop(demo, &deal, "aws_review_status", "Approved")?;

    // Won.
    let records = demo
        .edit(ObjectType::Deal, &deal, "dealstage", "closedwon")
        .await?;
    let r = expect_outcome(&records, &deal, "updated")?;
    demo.note(
        scenario,
        format!("dealstage=closedwon deal {deal}"),
        "updated (Launched)",
        describe(&r),
    );
    ensure!(
        the_opportunity(demo, &deal)?["LifeCycle"]["Stage"] == "Launched",
        "the won deal is not Launched"
    );
    Ok(())
}

pub(super) async fn rejected(demo: &mut Demo<'_>, scenario: &'static str) -> anyhow::Result<()> {
    // Submitted in the console by the rename scenario.
    let deal = demo.ids.deal_nordwind.clone();
    let id = ensure_created(demo, scenario, &deal).await?;
    let status = the_opportunity(demo, &deal)?["LifeCycle"]["ReviewStatus"].clone();
    if status == "Pending Submission" {
        super::console::submit(&demo.pipeline.sandbox()?.partner_central, &id).await?;
    }
    reviewer(demo, &id, AwsReview::StartReview)?;
    let line = reviewer(
        demo,
        &id,
        AwsReview::Reject {
            comments: "AWS already works this customer opportunity with another partner.".into(),
            reason: "Duplicate Opportunity".into(),
        },
    )?;
    demo.note(scenario, line, "Rejected", "-");
    for amount in ["120000", "130000"] {
        let records = demo.edit(ObjectType::Deal, &deal, "amount", amount).await?;
        let r = expect_outcome(&records, &deal, "rejected")?;
        demo.note(
            scenario,
            format!("amount={amount} deal {deal}"),
            "rejected (final, no write)",
            describe(&r),
        );
    }
    expect_prop(demo, &deal, "aws_sync_status", "rejected")?;
    let comments = deal_property(demo, &deal, "aws_review_comments")?.unwrap_or_default();
    ensure!(
        comments.contains("Duplicate Opportunity"),
        "aws_review_comments is {comments:?}"
    );
    Ok(())
}

pub(super) async fn refused_before_submission(
    demo: &mut Demo<'_>,
    scenario: &'static str,
) -> anyhow::Result<()> {
    let hubspot = &demo.pipeline.sandbox()?.hubspot;
    // A new customer with only a name and a country, and a deal ticked for submission.
    let company = hubspot.create(
        ObjectType::Company,
        [
            ("name", "Kestrel Maritime Ltd"),
            ("country", "United Kingdom"),
        ],
    );
    let close = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let deal = hubspot.create(
        ObjectType::Deal,
        [
            (
                "dealname",
                "Kestrel port logistics analytics #AWS".to_owned(),
            ),
            ("dealstage", "qualifiedtobuy".to_owned()),
            ("amount", "8000".to_owned()),
            ("closedate", close),
            ("aws_submit", "true".to_owned()),
        ],
    );
    hubspot.associate_primary((ObjectType::Deal, &deal), (ObjectType::Company, &company));
    let calls_before = demo.pipeline.sandbox()?.partner_central.calls().len();
    let event = demo.events.creation("deal", numeric(&deal)?);
    let (_, records) = demo.deliver(&[event], 200).await?;
    let r = expect_outcome(&records, &deal, "data_error")?;
    let error = deal_property(demo, &deal, "aws_sync_error")?.unwrap_or_default();
    demo.note(
        scenario,
        format!("deal.creation deal {deal} (aws_submit=true)"),
        "refused before any call",
        error.clone(),
    );
    for item in [
        "company industry",
        "company website",
        "company zip",
        "aws_business_problem",
    ] {
        ensure!(
            error.contains(item),
            "{item} is not named in {error:?} ({})",
            describe(&r)
        );
    }
    ensure!(
        demo.pipeline.sandbox()?.partner_central.calls().len() == calls_before,
        "Partner Central was called"
    );
    ensure!(
        opportunities_of(demo, &deal)?.is_empty(),
        "an opportunity was created"
    );
    Ok(())
}
