//! `sync-local load`: HubSpot-shaped, v3-signed deliveries over real HTTP on loopback to the
//! runner's own server, then a report: receipt latency, acceptance rate, drain time, Partner
//! Central writes against distinct deals, events lost and duplicate opportunities.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::StreamExt as _;
use sandbox::hubspot::ObjectType;
use serde_json::Value;

use crate::cli::{LoadArgs, Mode, RunArgs};
use crate::pipeline::Pipeline;
use crate::webhook::{EventFactory, WebhookClient};

/// HubSpot retries a failed delivery; the load does too (quickly).
const DELIVERY_ATTEMPTS: u32 = 5;

#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub events: usize,
    pub deals: usize,
    pub deliveries: usize,
    pub concurrency: usize,
    pub retried_deliveries: usize,
    pub accepted_events: usize,
    pub latency_p50: Duration,
    pub latency_p99: Duration,
    pub latency_max: Duration,
    pub accept_time: Duration,
    pub drain_time: Duration,
    pub drained: bool,
    pub pc_creates: usize,
    pub pc_updates: usize,
    pub pc_associations: usize,
    pub opportunities: usize,
    pub deals_with_opportunity: usize,
    pub duplicates: usize,
    pub lost: usize,
    pub dlq: u64,
    pub outcomes: BTreeMap<String, u64>,
    pub pc_writes_per_sec: f64,
    pub pc_submissions: usize,
    /// Write-class calls the fake's account quota answered with ThrottlingException.
    pub pc_throttled_writes: usize,
    /// The most writes the fake admitted within one second.
    pub pc_peak_writes_per_sec: usize,
    /// When the last Partner Central write was admitted, from the first delivery.
    pub last_write: Option<Duration>,
}

impl LoadReport {
    pub fn pc_writes(&self) -> usize {
        self.pc_creates + self.pc_updates + self.pc_associations + self.pc_submissions
    }

    /// The shortest time the writes can take at the quota (one per 1/quota seconds).
    pub fn write_floor(&self) -> Duration {
        Duration::from_secs_f64(self.pc_writes() as f64 / self.pc_writes_per_sec.max(1e-9))
    }
}

impl LoadReport {
    pub fn passed(&self) -> bool {
        self.drained
            && self.lost == 0
            && self.duplicates == 0
            && self.deals_with_opportunity == self.deals
    }

    pub fn events_per_sec(&self) -> f64 {
        self.accepted_events as f64 / self.accept_time.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        writeln!(
            f,
            "load: {} events over {} deals, {} deliveries, {} concurrent",
            self.events, self.deals, self.deliveries, self.concurrency
        )?;
        writeln!(
            f,
            "  receipt latency        p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(self.latency_p50),
            ms(self.latency_p99),
            ms(self.latency_max)
        )?;
        writeln!(
            f,
            "  accepted               {} events in {:.2} s = {:.0} events/s ({} deliveries retried after a 5xx or no answer)",
            self.accepted_events,
            self.accept_time.as_secs_f64(),
            self.events_per_sec(),
            self.retried_deliveries
        )?;
        writeln!(
            f,
            "  end-to-end drain       {:.2} s from the first delivery{}",
            self.drain_time.as_secs_f64(),
            if self.drained {
                ""
            } else {
                " (NOT drained: timed out)"
            }
        )?;
        writeln!(
            f,
            "  Partner Central writes {} (creates {}, updates {}, associations {}, submissions {}) for {} distinct deals; fake quota {} writes/s",
            self.pc_writes(),
            self.pc_creates,
            self.pc_updates,
            self.pc_associations,
            self.pc_submissions,
            self.deals,
            self.pc_writes_per_sec
        )?;
        let floor = self.write_floor().as_secs_f64();
        writeln!(
            f,
            "  write quota            floor {:.1} s (writes ÷ quota); last write at {:.1} s = {:.1} % over the floor; peak {} admitted in one second; {} throttled write calls",
            floor,
            self.last_write.unwrap_or_default().as_secs_f64(),
            (self.last_write.unwrap_or_default().as_secs_f64() / floor.max(1e-9) - 1.0) * 100.0,
            self.pc_peak_writes_per_sec,
            self.pc_throttled_writes
        )?;
        writeln!(
            f,
            "  opportunities          {} ({} deals linked)",
            self.opportunities, self.deals_with_opportunity
        )?;
        writeln!(
            f,
            "  outcomes               {}",
            self.outcomes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        writeln!(
            f,
            "  events lost            {} (accepted with 200 but never acknowledged; DLQ holds {})",
            self.lost, self.dlq
        )?;
        write!(f, "  duplicate opportunities {}", self.duplicates)
    }
}

/// A tiny deterministic generator, so two runs send the same traffic.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

/// Seeds `deals` `#AWS` deals over 50 complete companies; returns the deal ids.
fn seed(pipeline: &Pipeline, deals: usize, submit: bool) -> anyhow::Result<Vec<String>> {
    let hubspot = &pipeline.sandbox()?.hubspot;
    let companies: Vec<String> = (0..50)
        .map(|i| {
            hubspot.create(
                ObjectType::Company,
                [
                    ("name", format!("Load Test Customer {i} Inc.")),
                    ("domain", format!("customer{i}.example.com")),
                    ("website", format!("https://customer{i}.example.com")),
                    ("industry", "COMPUTER_SOFTWARE".to_owned()),
                    ("country", "United States".to_owned()),
                    ("city", "Seattle".to_owned()),
                    ("state", "Washington".to_owned()),
                    ("zip", "98101".to_owned()),
                    ("address", format!("{} Pine St", 100 + i)),
                ],
            )
        })
        .collect();
    let close = (chrono::Utc::now() + chrono::Duration::days(90))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    Ok((0..deals)
        .map(|i| {
            let id = hubspot.create(
                ObjectType::Deal,
                [
                    ("dealname", format!("Load deal {i} migration #AWS")),
                    ("amount", "10000".to_owned()),
                    ("dealstage", "qualifiedtobuy".to_owned()),
                    ("pipeline", "default".to_owned()),
                    ("closedate", close.clone()),
                    (
                        "description",
                        format!("Load test deal {i}: move the workload to containers on AWS."),
                    ),
                    ("aws_submit", submit.to_string()),
                ],
            );
            hubspot.associate_primary(
                (ObjectType::Deal, &id),
                (ObjectType::Company, &companies[i % companies.len()]),
            );
            id
        })
        .collect())
}

/// An event and, for a property change, the (deal id, amount) to set in HubSpot before sending.
type Planned = (Value, Option<(String, String)>);

/// One creation per deal plus property changes on random deals, shuffled, in deliveries of
/// `batch`. Each change carries the amount the deal is set to just before its delivery.
fn traffic(deal_ids: &[String], total: usize, batch: usize) -> anyhow::Result<Vec<Vec<Planned>>> {
    let factory = EventFactory::new(crate::webhook::DEMO_PORTAL);
    let mut rng = Lcg(42);
    let mut events = Vec::with_capacity(total);
    for id in deal_ids.iter().take(total) {
        events.push((factory.creation("deal", id.parse()?), None));
    }
    while events.len() < total {
        let id = &deal_ids[rng.below(deal_ids.len())];
        let amount = (10_000 + 100 * events.len()).to_string();
        let event = factory.property_change("deal", id.parse()?, "amount", &amount);
        events.push((event, Some((id.clone(), amount))));
    }
    for i in (1..events.len()).rev() {
        events.swap(i, rng.below(i + 1));
    }
    Ok(events.chunks(batch.max(1)).map(<[_]>::to_vec).collect())
}

fn dedup_ids(events: &[Value]) -> anyhow::Result<Vec<String>> {
    let parsed = events::parse_body(Value::Array(events.to_vec()).to_string().as_bytes())?;
    Ok(parsed
        .into_iter()
        .filter_map(|e| events::SyncEvent::from_hubspot(e, "", 0))
        .map(|e| e.message_deduplication_id())
        .collect())
}

struct Sent {
    latencies: Vec<Duration>,
    accepted: Vec<String>,
    retried: bool,
}

pub async fn run(run: &RunArgs, args: &LoadArgs) -> anyhow::Result<LoadReport> {
    let mut options = run.pipeline_options(Mode::Load).await?;
    options.listen.set_port(0);
    let pc_writes_per_sec = match &options.backends {
        crate::pipeline::Backends::Sandbox(s) => s.pc_writes_per_sec,
        crate::pipeline::Backends::Real { .. } => {
            anyhow::bail!("the load command runs against the sandbox only")
        }
    };
    let pipeline = Pipeline::start(options).await?;
    let deal_ids = seed(&pipeline, args.deals.max(1), args.submit)?;
    let deliveries = traffic(&deal_ids, args.events.max(deal_ids.len()), args.batch)?;
    let client = WebhookClient::new(pipeline.webhook_url(), run.client_secret.clone());
    let hubspot = &pipeline.sandbox()?.hubspot;
    let count = deliveries.len();
    let total_events: usize = deliveries.iter().map(Vec::len).sum();

    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let results: Vec<anyhow::Result<Sent>> = futures::stream::iter(deliveries)
        .map(|delivery| {
            let client = client.clone();
            async move {
                for (_, change) in &delivery {
                    if let Some((id, amount)) = change {
                        hubspot.upsert(ObjectType::Deal, id, [("amount", amount.as_str())]);
                    }
                }
                let events: Vec<Value> = delivery.into_iter().map(|(e, _)| e).collect();
                let answers = client
                    .deliver_with_retries(&events, DELIVERY_ATTEMPTS, Duration::from_millis(100))
                    .await?;
                let accepted = answers.last().is_some_and(|a| a.status == 200);
                Ok(Sent {
                    latencies: answers.iter().map(|a| a.latency).collect(),
                    accepted: if accepted {
                        dedup_ids(&events)?
                    } else {
                        Vec::new()
                    },
                    retried: answers.len() > 1,
                })
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect()
        .await;
    let accept_time = started.elapsed();
    let drained = pipeline
        .wait_drained(Duration::from_secs(args.drain_timeout_secs))
        .await;
    let drain_time = started.elapsed();

    let mut latencies = Vec::new();
    let mut accepted = Vec::new();
    let mut retried = 0;
    for r in results {
        let sent = r.context("a delivery failed")?;
        latencies.extend(sent.latencies);
        accepted.extend(sent.accepted);
        retried += usize::from(sent.retried);
    }
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    let acknowledged = pipeline.status.acknowledged_dedup_ids();
    let accepted_set: HashSet<&String> = accepted.iter().collect();
    let pc = &pipeline.sandbox()?.partner_central;
    let opportunities = pc.opportunities();
    let mut per_deal: BTreeMap<String, usize> = BTreeMap::new();
    for o in &opportunities {
        *per_deal
            .entry(
                o["PartnerOpportunityIdentifier"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
            .or_default() += 1;
    }
    let linked = deal_ids
        .iter()
        .filter(|id| {
            hubspot
                .property(ObjectType::Deal, id, "aws_opportunity_id")
                .is_some()
        })
        .count();
    let report = LoadReport {
        events: total_events,
        deals: deal_ids.len(),
        deliveries: count,
        concurrency: args.concurrency,
        retried_deliveries: retried,
        accepted_events: accepted.len(),
        latency_p50: pct(0.50),
        latency_p99: pct(0.99),
        latency_max: latencies.last().copied().unwrap_or_default(),
        accept_time,
        drain_time,
        drained,
        pc_creates: pc.write_count("CreateOpportunity"),
        pc_updates: pc.write_count("UpdateOpportunity"),
        pc_associations: pc.write_count("AssociateOpportunity"),
        pc_submissions: pc.write_count("StartEngagementFromOpportunityTask"),
        pc_throttled_writes: pc.throttled_calls().1,
        pc_peak_writes_per_sec: pc.peak_writes_per_second(),
        last_write: pc
            .last_admitted_write()
            .map(|t| (t - started_at).to_std().unwrap_or_default()),
        opportunities: opportunities.len(),
        deals_with_opportunity: linked,
        duplicates: per_deal.values().map(|n| n.saturating_sub(1)).sum(),
        lost: accepted_set
            .iter()
            .filter(|id| !acknowledged.contains(id.as_str()))
            .count(),
        dlq: pipeline.dlq.depth().await.map(|d| d.total()).unwrap_or(0),
        outcomes: pipeline.status.snapshot().outcomes,
        pc_writes_per_sec,
    };
    pipeline.shutdown().await;
    Ok(report)
}
