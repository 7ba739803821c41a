//! `sync-local sweep-bench`: what one reconciliation sweep costs. It seeds the sandbox with
//! `--deals` linked deals (each with its own company and opportunity, made by the processor
//! itself), waits until the seeding is outside the sweep's look-back window, changes
//! `--changed` of them (half in HubSpot without a webhook, half in Partner Central, as a
//! console user would), then runs one sweep and the syncs of its hints through a processor
//! paced as deployed (HubSpot 4 requests/s, Partner Central reads 10/s ÷ 2 instances, writes in
//! 1 s slots), and counts every call each fake saw. The fakes' own quotas are off while seeding
//! (1 000 creates at 1 write/s would take 17 minutes); the measured processor paces itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use events::SystemClock;
use processor::{
    BatchReport, Catalog, HubSpotClient, Opportunities, PartnerCentralClient, Processor,
    SyncSettings, WriteSlots,
};
use queue::{EmbeddedQueue, Queue, QueueSettings};
use sandbox::hubspot::{HubSpotConfig, HubSpotFake, ObjectType};
use sandbox::partner_central::{PartnerCentralConfig, PartnerCentralFake};
use serde_json::json;

use crate::pipeline::SANDBOX_SOLUTION_ID;
use crate::webhook::{DEMO_PORTAL, EventFactory};

/// The look-back of the measured sweep: long enough to hold the changes, short enough that
/// the seeding is outside it after a short wait.
const LOOKBACK: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, clap::Args)]
pub struct SweepBenchArgs {
    #[arg(long, default_value_t = 1000)]
    pub deals: usize,
    /// Deals changed after seeding (half in HubSpot, half in Partner Central).
    #[arg(long, default_value_t = 50)]
    pub changed: usize,
}

type Measured = Processor<HubSpotClient, PartnerCentralClient, SystemClock>;

pub async fn run(args: &SweepBenchArgs) -> anyhow::Result<String> {
    let hubspot = HubSpotFake::start_with(HubSpotConfig {
        rate_limit_max: 1_000_000,
        portal_id: DEMO_PORTAL,
        ..HubSpotConfig::default()
    })
    .await?;
    let pc = PartnerCentralFake::start_with(PartnerCentralConfig::default().unthrottled()).await?;
    let settings = SyncSettings::new(Catalog::Sandbox);

    let started = Instant::now();
    let deals = seed(&hubspot, &pc, &settings, args.deals).await?;
    let seeded_in = started.elapsed();
    tokio::time::sleep(LOOKBACK + Duration::from_secs(1)).await;

    let changed = &deals[..args.changed.min(deals.len())];
    let (in_hubspot, in_partner_central) = changed.split_at(changed.len() / 2);
    for (i, (deal, _)) in in_hubspot.iter().enumerate() {
        let amount = (50_000 + i).to_string();
        hubspot.upsert(ObjectType::Deal, deal, [("amount", amount.as_str())]);
    }
    let console = PartnerCentralClient::new(pc.client(), Catalog::Sandbox, None, 1)
        .with_write_slots(WriteSlots::unlimited());
    for (_, id) in in_partner_central {
        let current = console.get(id).await?;
        let mut fields = current.fields.clone();
        fields.project.title = format!("{} (renamed in the console)", fields.project.title);
        console.update(&current, &fields).await?;
    }

    let queue: Queue = Arc::new(EmbeddedQueue::new(
        QueueSettings::new("sweep-bench", Duration::from_secs(600), None),
        Arc::new(SystemClock),
    ));
    let mut measured_settings = settings.clone();
    measured_settings.sweep_lookback = LOOKBACK;
    // As deployed: HubSpot's default pacing, Partner Central's quotas shared by 2 instances.
    let measured = Processor::new(
        HubSpotClient::new(hubspot.base_url(), hubspot.token()),
        PartnerCentralClient::new(
            pc.client(),
            Catalog::Sandbox,
            Some(SANDBOX_SOLUTION_ID.to_owned()),
            2,
        ),
        SystemClock,
        measured_settings,
    )
    .with_requeue(queue.clone());

    hubspot.clear_requests();
    let pc_before = pc.calls().len();
    let started = Instant::now();
    let sweep = measured
        .handle_batch(
            crate::poller::sqs_event(&[scheduled(&queue).await?], queue.arn(), "us-east-1"),
            Instant::now() + Duration::from_secs(120),
        )
        .await;
    let sweep_took = started.elapsed();
    let sweep_outcome = sweep
        .outcomes
        .first()
        .map(|o| o.outcome.as_str())
        .unwrap_or("none");
    let sweep_detail = sweep
        .outcomes
        .first()
        .and_then(|o| o.detail.clone())
        .unwrap_or_default();
    let hubspot_sweep = hubspot_calls(&hubspot);
    let pc_sweep = pc_calls(&pc, pc_before);

    hubspot.clear_requests();
    let pc_before = pc.calls().len();
    let started = Instant::now();
    let hints = drain(&measured, &queue).await?;
    let hints_took = started.elapsed();
    let hubspot_hints = hubspot_calls(&hubspot);
    let pc_hints = pc_calls(&pc, pc_before);

    let outcomes = hints.iter().flat_map(|r| r.outcomes.iter()).fold(
        BTreeMap::<&str, usize>::new(),
        |mut m, o| {
            *m.entry(o.outcome.as_str()).or_default() += 1;
            m
        },
    );
    let reverted = in_partner_central
        .iter()
        .filter(|(_, id)| {
            pc.opportunity(id).is_some_and(|o| {
                !o["Project"]["Title"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("console")
            })
        })
        .count();
    let per_second = |n: usize, took: Duration| n as f64 / took.as_secs_f64().max(0.001);
    let reads = |calls: &BTreeMap<String, usize>| {
        calls
            .iter()
            .filter(|(op, _)| op.starts_with("Get") || op.starts_with("List"))
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    let mut out = String::new();
    out.push_str(&format!(
        "seeded {} linked deals in {:.1} s; changed {} ({} in HubSpot without a webhook, {} in Partner Central)\n",
        deals.len(),
        seeded_in.as_secs_f64(),
        changed.len(),
        in_hubspot.len(),
        in_partner_central.len()
    ));
    out.push_str(&format!(
        "sweep: {sweep_outcome} in {:.2} s — {sweep_detail}\n",
        sweep_took.as_secs_f64()
    ));
    out.push_str(&format!("  HubSpot calls: {}\n", show(&hubspot_sweep)));
    out.push_str(&format!("  Partner Central calls: {}\n", show(&pc_sweep)));
    out.push_str(&format!(
        "hints: {} synced in {:.1} s — outcomes {}\n",
        outcomes.values().sum::<usize>(),
        hints_took.as_secs_f64(),
        show_str(&outcomes)
    ));
    let hubspot_total: usize = hubspot_hints.values().sum();
    out.push_str(&format!(
        "  HubSpot calls: {} ({:.1} requests/s)\n",
        show(&hubspot_hints),
        per_second(hubspot_total, hints_took)
    ));
    out.push_str(&format!(
        "  Partner Central calls: {} ({:.1} reads/s)\n",
        show(&pc_hints),
        per_second(reads(&pc_hints), hints_took)
    ));
    out.push_str(&format!(
        "console renames reverted to the deal's title: {reverted} of {}\n",
        in_partner_central.len()
    ));
    Ok(out)
}

/// Creates `n` `#AWS` deals, each with its own complete company, and syncs them (create +
/// associate) with an unpaced processor; returns (deal id, opportunity id) pairs.
async fn seed(
    hubspot: &HubSpotFake,
    pc: &PartnerCentralFake,
    settings: &SyncSettings,
    n: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let seeding = Processor::new(
        HubSpotClient::new(hubspot.base_url(), hubspot.token()).with_rate(100_000.0),
        PartnerCentralClient::new(
            pc.client(),
            Catalog::Sandbox,
            Some(SANDBOX_SOLUTION_ID.to_owned()),
            1,
        )
        .with_write_slots(WriteSlots::unlimited())
        .with_read_rate(100_000.0),
        SystemClock,
        settings.clone(),
    );
    let close = (chrono::Utc::now() + chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    let factory = EventFactory::new(DEMO_PORTAL);
    let mut deals = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(10) {
        let mut events = Vec::new();
        for i in chunk {
            let company = hubspot.create(
                ObjectType::Company,
                [
                    ("name", format!("Bench Customer {i}")),
                    ("domain", format!("bench-{i}.example.com")),
                    ("industry", "COMPUTER_SOFTWARE".to_owned()),
                    ("country", "United States".to_owned()),
                    ("state", "WA".to_owned()),
                    ("city", "Seattle".to_owned()),
                    ("zip", "98101".to_owned()),
                ],
            );
            let deal = hubspot.create(
                ObjectType::Deal,
                [
                    ("dealname", format!("Bench deal {i} #AWS")),
                    ("amount", "120000".to_owned()),
                    ("dealstage", "qualifiedtobuy".to_owned()),
                    ("closedate", close.clone()),
                    (
                        "description",
                        "Migrate the customer's analytics estate to AWS managed services."
                            .to_owned(),
                    ),
                ],
            );
            hubspot.associate_primary((ObjectType::Deal, &deal), (ObjectType::Company, &company));
            let numeric = deal.parse().context("deal ids are numbers")?;
            events.push((deal, factory.creation("deal", numeric)));
        }
        let messages: Vec<queue::ReceivedMessage> = events
            .iter()
            .enumerate()
            .map(|(i, (deal, event))| synthetic(i, deal, event))
            .collect::<anyhow::Result<_>>()?;
        let report = seeding
            .handle_batch(
                crate::poller::sqs_event(
                    &messages,
                    "arn:aws:sqs:us-east-1:0:seed.fifo",
                    "us-east-1",
                ),
                Instant::now() + Duration::from_secs(120),
            )
            .await;
        for (o, (deal, _)) in report.outcomes.iter().zip(&events) {
            anyhow::ensure!(
                o.outcome.as_str() == "created",
                "seeding deal {deal}: {} {:?}",
                o.outcome,
                o.detail
            );
            let id = o.opportunity_id.clone().context("created without an id")?;
            deals.push((deal.clone(), id));
        }
    }
    Ok(deals)
}

/// A received message carrying one HubSpot webhook event as the receipt queues it.
fn synthetic(
    i: usize,
    deal: &str,
    event: &serde_json::Value,
) -> anyhow::Result<queue::ReceivedMessage> {
    let body = serde_json::to_vec(&json!([event]))?;
    let parsed = events::parse_body(&body)?.pop().context("one event")?;
    let sync = events::SyncEvent::from_hubspot(parsed, &format!("seed-{deal}"), 0)
        .context("the event names its deal")?;
    let mut attributes = std::collections::HashMap::new();
    attributes.insert(
        queue::attribute::MESSAGE_GROUP_ID.to_owned(),
        sync.message_group_id(),
    );
    attributes.insert("ApproximateReceiveCount".to_owned(), "1".to_owned());
    Ok(queue::ReceivedMessage {
        message_id: format!("seed-{deal}-{i}"),
        receipt_handle: format!("seed-{deal}"),
        md5_of_body: queue::md5_hex(&sync.to_json()),
        body: sync.to_json(),
        attributes,
        message_attributes: Default::default(),
    })
}

/// Queues one Scheduled Event and receives it back as Lambda would get it.
async fn scheduled(queue: &Queue) -> anyhow::Result<queue::ReceivedMessage> {
    crate::eventbridge::send_sweep(queue).await?;
    let mut received = queue.receive(1, None, Duration::from_secs(1)).await?;
    let message = received.pop().context("the sweep message")?;
    queue.delete(&message.receipt_handle).await?;
    Ok(message)
}

async fn drain(processor: &Measured, queue: &Queue) -> anyhow::Result<Vec<BatchReport>> {
    let mut reports = Vec::new();
    loop {
        let received = queue.receive(10, None, Duration::from_millis(100)).await?;
        if received.is_empty() {
            return Ok(reports);
        }
        let report = processor
            .handle_batch(
                crate::poller::sqs_event(&received, queue.arn(), "us-east-1"),
                Instant::now() + Duration::from_secs(120),
            )
            .await;
        let failed = crate::poller::failed_ids(&received, &report.response);
        for m in received.iter().filter(|m| !failed.contains(&m.message_id)) {
            queue.delete(&m.receipt_handle).await?;
        }
        reports.push(report);
    }
}

fn hubspot_calls(hubspot: &HubSpotFake) -> BTreeMap<String, usize> {
    let mut calls = BTreeMap::new();
    for r in hubspot.requests() {
        *calls.entry(format!("{:?}", r.kind)).or_default() += 1;
    }
    calls
}

fn pc_calls(pc: &PartnerCentralFake, skip: usize) -> BTreeMap<String, usize> {
    let mut calls = BTreeMap::new();
    for c in pc.calls().into_iter().skip(skip) {
        *calls.entry(c.operation).or_default() += 1;
    }
    calls
}

fn show(calls: &BTreeMap<String, usize>) -> String {
    let total: usize = calls.values().sum();
    let parts: Vec<String> = calls.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!("{total} ({})", parts.join(", "))
}

fn show_str(counts: &BTreeMap<&str, usize>) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
