//! `sync-local --demo`: signed sample webhooks through the whole pipeline against the seeded
//! sandbox, a readable trail (event → action → opportunity id / error), and a non-zero exit
//! when an expected outcome did not happen — so the demo doubles as a smoke test.

mod aws_side;
mod console;
mod lifecycle;
mod referrals;
mod scenarios;

use std::time::Duration;

use anyhow::Context as _;
use sandbox::hubspot::{DemoIds, ObjectType};
use serde_json::Value;

pub use scenarios::Scenario;

use crate::pipeline::Pipeline;
use crate::status::RecordView;
use crate::webhook::{DEMO_PORTAL, Delivery, EventFactory, WebhookClient};

/// How long one scenario may take to drain.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// One line of the trail.
#[derive(Debug, Clone)]
pub struct TrailLine {
    pub scenario: &'static str,
    pub event: String,
    pub action: String,
    pub result: String,
}

impl std::fmt::Display for TrailLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<24} {:<52} → {:<22} → {}",
            self.scenario, self.event, self.action, self.result
        )
    }
}

/// What a scenario works with.
pub struct Demo<'a> {
    pub pipeline: &'a Pipeline,
    pub client: WebhookClient,
    pub secret: String,
    pub events: EventFactory,
    pub ids: DemoIds,
    pub trail: Vec<TrailLine>,
}

impl<'a> Demo<'a> {
    /// Needs a pipeline on the sandbox with the demo portal seeded.
    pub fn new(pipeline: &'a Pipeline, secret: &str) -> anyhow::Result<Self> {
        let ids = pipeline
            .sandbox()?
            .demo
            .clone()
            .context("the sandbox was started without the demo portal")?;
        Ok(Demo {
            pipeline,
            client: WebhookClient::new(pipeline.webhook_url(), secret),
            secret: secret.to_owned(),
            events: EventFactory::new(DEMO_PORTAL),
            ids,
            trail: Vec::new(),
        })
    }

    /// Runs every scenario in order, collecting the trail; returns the scenarios that failed.
    pub async fn run_all(&mut self) -> Vec<(Scenario, String)> {
        let mut failed = Vec::new();
        for scenario in Scenario::ALL {
            if let Err(e) = scenario.run(self).await {
                self.note(scenario.name(), "(expectation)", "FAILED", format!("{e:#}"));
                failed.push((scenario, format!("{e:#}")));
            }
        }
        failed
    }

    pub(crate) fn note(
        &mut self,
        scenario: &'static str,
        event: impl Into<String>,
        action: impl Into<String>,
        result: impl Into<String>,
    ) {
        let line = TrailLine {
            scenario,
            event: event.into(),
            action: action.into(),
            result: result.into(),
        };
        tracing::info!(target: "trail", "{line}");
        self.trail.push(line);
    }

    /// Delivers `events`, expects `expected_status`, waits for the queue to drain and returns
    /// the records processed meanwhile.
    pub(crate) async fn deliver(
        &mut self,
        events: &[Value],
        expected_status: u16,
    ) -> anyhow::Result<(Delivery, Vec<RecordView>)> {
        let mark = self.pipeline.status.history_len();
        let delivery = self.client.deliver(events).await?;
        anyhow::ensure!(
            delivery.status == expected_status,
            "webhook answered {} ({}), expected {expected_status}",
            delivery.status,
            delivery.body
        );
        self.settle().await?;
        Ok((delivery, self.records_since(mark)))
    }

    /// Sets one property of a deal or company in HubSpot, as a person would, and delivers its
    /// `propertyChange` webhook; returns the records processed meanwhile.
    pub(crate) async fn edit(
        &mut self,
        object: ObjectType,
        id: &str,
        property: &str,
        value: &str,
    ) -> anyhow::Result<Vec<RecordView>> {
        let kind = match object {
            ObjectType::Deal => "deal",
            ObjectType::Company => "company",
            other => anyhow::bail!("the demo edits deals and companies, not {other:?}"),
        };
        self.pipeline
            .sandbox()?
            .hubspot
            .upsert(object, id, [(property, value)]);
        let numeric = id
            .parse()
            .with_context(|| format!("object id {id} is not numeric"))?;
        let event = self.events.property_change(kind, numeric, property, value);
        Ok(self.deliver(&[event], 200).await?.1)
    }

    pub(crate) async fn settle(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.pipeline.wait_drained(DRAIN_TIMEOUT).await,
            "the queue did not drain within {DRAIN_TIMEOUT:?}"
        );
        Ok(())
    }

    pub(crate) fn records_since(&self, mark: usize) -> Vec<RecordView> {
        self.pipeline
            .status
            .history()
            .into_iter()
            .skip(mark)
            .collect()
    }
}

/// Every write Partner Central admitted, by opportunity, in order (the operation names).
pub fn writes_per_opportunity(pipeline: &Pipeline) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    const WRITES: [&str; 4] = [
        "CreateOpportunity",
        "AssociateOpportunity",
        "UpdateOpportunity",
        "StartEngagementFromOpportunityTask",
    ];
    let mut per: Vec<(String, Vec<String>)> = Vec::new();
    for call in pipeline.sandbox()?.partner_central.calls() {
        let (Some(id), None) = (call.opportunity_id, call.error) else {
            continue;
        };
        if !WRITES.contains(&call.operation.as_str()) {
            continue;
        }
        match per.iter_mut().find(|(o, _)| *o == id) {
            Some((_, writes)) => writes.push(call.operation),
            None => per.push((id, vec![call.operation])),
        }
    }
    Ok(per)
}

/// Prints the trail as a table.
pub fn print_trail(trail: &[TrailLine]) {
    println!();
    println!(
        "{:<24} {:<52}   {:<22}   OPPORTUNITY / ERROR",
        "SCENARIO", "EVENT", "ACTION"
    );
    for line in trail {
        println!("{line}");
    }
    println!();
}
