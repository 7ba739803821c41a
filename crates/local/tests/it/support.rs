//! Pipelines for the end-to-end and fault tests: the embedded queue or moto, the sandbox fakes.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use local::pipeline::{Pipeline, PipelineOptions, QueueChoice};
use local::webhook::DEMO_SECRET;
use sandbox::hubspot::ObjectType;

#[derive(Debug, Clone, Copy)]
pub enum Queue {
    Embedded,
    Moto,
}

/// A pipeline on the seeded sandbox: 1 s visibility timeout, redrive after `max_receive_count`.
pub async fn pipeline(queue: Queue, max_receive_count: u32) -> Pipeline {
    pipeline_with_workers(queue, max_receive_count, 1).await
}

/// [`pipeline`] with `workers` processor instances polling at once.
pub async fn pipeline_with_workers(
    queue: Queue,
    max_receive_count: u32,
    workers: usize,
) -> Pipeline {
    let mut options = PipelineOptions::for_tests(DEMO_SECRET);
    options.poller.workers = workers;
    options.queue = match queue {
        Queue::Embedded => QueueChoice::Embedded {
            visibility_timeout: Duration::from_secs(1),
            max_receive_count,
        },
        Queue::Moto => {
            let client = sandbox::moto::sqs().await;
            let (queue_url, dlq_url) =
                sandbox::moto::fifo_queue_with_dlq(&client, "e2e", max_receive_count, 1)
                    .await
                    .unwrap();
            QueueChoice::Sqs {
                client,
                queue_url,
                dlq_url,
            }
        }
    };
    Pipeline::start(options).await.unwrap()
}

/// Every opportunity's PartnerOpportunityIdentifier (= deal id; a referral's own id when it has
/// none) → how many opportunities.
pub fn opportunities_per_deal(p: &Pipeline) -> BTreeMap<String, usize> {
    let mut per_deal = BTreeMap::new();
    for o in p.sandbox.as_ref().unwrap().partner_central.opportunities() {
        *per_deal
            .entry(
                // An accepted AWS referral has none (it is linked by aws_opportunity_id).
                o["PartnerOpportunityIdentifier"]
                    .as_str()
                    .map_or_else(|| format!("referral {}", o["Id"]), str::to_owned),
            )
            .or_insert(0) += 1;
    }
    per_deal
}

/// Each listed deal has exactly one opportunity, linked from the deal and marked synced, and
/// Partner Central created exactly as many as exist.
pub fn assert_exactly_once(p: &Pipeline, deals: &[&str]) {
    let sandbox = p.sandbox.as_ref().unwrap();
    let per_deal = opportunities_per_deal(p);
    for deal in deals {
        assert_eq!(per_deal.get(*deal), Some(&1), "deal {deal}: {per_deal:?}");
        let linked = sandbox
            .hubspot
            .property(ObjectType::Deal, deal, "aws_opportunity_id");
        assert!(linked.is_some(), "deal {deal} is not linked");
        assert_eq!(
            sandbox
                .hubspot
                .property(ObjectType::Deal, deal, "aws_sync_status")
                .as_deref(),
            Some("synced"),
            "deal {deal}"
        );
    }
    assert_eq!(
        sandbox.partner_central.create_count(),
        per_deal.values().sum::<usize>(),
        "creates vs opportunities"
    );
    assert!(
        per_deal.values().all(|n| *n == 1),
        "duplicates: {per_deal:?}"
    );
}
