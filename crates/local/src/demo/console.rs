//! What the partner does by hand in Partner Central's console, done through the same API the
//! console calls, so the sandbox sees nothing a real partner could not do.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use aws_sdk_partnercentralselling::types::{
    AwsSubmission, SalesInvolvementType, TaskStatus, Visibility,
};
use sandbox::partner_central::PartnerCentralFake;

/// The task runs asynchronously and takes seconds in AWS (the fake's `submission_delay`).
const SUBMISSION_TIMEOUT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Submits an opportunity for co-sell with StartEngagementFromOpportunityTask and waits until
/// AWS has finished the task; errs if it failed (the opportunity does not meet the submission
/// requirements) or did not finish in time.
pub async fn submit(partner_central: &PartnerCentralFake, id: &str) -> anyhow::Result<()> {
    let client = partner_central.client();
    let submission = AwsSubmission::builder()
        .involvement_type(SalesInvolvementType::CoSell)
        .visibility(Visibility::Full)
        .build()?;
    client
        .start_engagement_from_opportunity_task()
        .catalog("Sandbox")
        .client_token(format!("console-submit-{id}"))
        .identifier(id)
        .aws_submission(submission)
        .send()
        .await
        .with_context(|| format!("StartEngagementFromOpportunityTask for {id}"))?;
    let deadline = Instant::now() + SUBMISSION_TIMEOUT;
    loop {
        let tasks = client
            .list_engagement_from_opportunity_tasks()
            .catalog("Sandbox")
            .opportunity_identifier(id)
            .send()
            .await
            .with_context(|| format!("ListEngagementFromOpportunityTasks for {id}"))?;
        let task = tasks.task_summaries().first();
        match task.and_then(|t| t.task_status()) {
            Some(TaskStatus::Complete) => return Ok(()),
            Some(TaskStatus::Failed) => bail!(
                "the submission of {id} failed: {}",
                task.and_then(|t| t.message()).unwrap_or_default()
            ),
            _ if Instant::now() >= deadline => {
                bail!("the submission of {id} did not finish within {SUBMISSION_TIMEOUT:?}")
            }
            _ => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}
