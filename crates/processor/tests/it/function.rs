//! The Lambda edge, `processor::Function`, that the binary and `sync-local` both run: a batch it
//! cannot answer record by record fails the invocation, the deadline is the invocation
//! context's, and metric lines go to the sink it was given.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_lambda_events::sqs::SqsEvent;
use chrono::Utc;
use events::{Clock, ManualClock};
use lambda_runtime::{Context, LambdaEvent};
use processor::{Function, FunctionError, MIN_TIME_TO_START, PartnerCentralClient};
use serde_json::{Value, json};

use crate::common::*;

const NAMESPACE: &str = "FunctionTest";

/// Keeps the metric lines it is given.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl edge::MetricSink for Recorder {
    fn emit(&self, line: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }
}

impl Recorder {
    fn lines(&self) -> Vec<Value> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

struct Edge {
    env: Env,
    clock: ManualClock,
    metrics: Arc<Recorder>,
    function: Function<FlakyCrm, PartnerCentralClient, ManualClock>,
}

/// The sandbox fakes and a `Function` over them whose clock and metric sink the test holds.
async fn edge() -> Edge {
    let env = env().await;
    let clock = ManualClock::new(Utc::now());
    let (processor, _) = processor_with_clock(&env.hubspot, &env.pc, 1000.0, clock.clone());
    let metrics = Arc::new(Recorder::default());
    let function = Function::new(processor, NAMESPACE, metrics.clone());
    Edge {
        env,
        clock,
        metrics,
        function,
    }
}

fn invocation(event: SqsEvent, deadline_epoch_ms: i64) -> LambdaEvent<SqsEvent> {
    let mut context = Context::default();
    context.deadline = u64::try_from(deadline_epoch_ms).unwrap();
    LambdaEvent::new(event, context)
}

#[tokio::test]
async fn a_record_without_message_id_fails_the_invocation() {
    let edge = edge().await;
    let ids = &edge.env.ids;
    let mut event = batch(&[
        object_event("m1", "deal.creation", &ids.deal_acme),
        object_event("m2", "deal.creation", &ids.deal_nordwind),
    ]);
    event.records[1].message_id = None;
    let err = edge
        .function
        .invoke(event.clone(), deadline())
        .await
        .unwrap_err();
    assert_eq!(err, FunctionError::UnidentifiableRecord { index: 1 });

    // An empty messageId cannot be named either.
    event.records[1].message_id = Some("m2".into());
    event.records[0].message_id = Some(String::new());
    let err = edge
        .function
        .handle(invocation(event, edge.clock.now_ms() + 120_000))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("record 0"), "{err}");

    assert!(edge.env.hubspot.requests().is_empty(), "nothing processed");
    assert!(edge.env.pc.calls().is_empty());
    assert!(
        edge.metrics.lines().is_empty(),
        "no metrics for a refused batch"
    );
}

#[tokio::test]
async fn metric_lines_go_to_the_sink() {
    let edge = edge().await;
    let report = edge
        .function
        .invoke(
            batch(&[object_event("m1", "deal.creation", &edge.env.ids.deal_acme)]),
            deadline(),
        )
        .await
        .unwrap();
    assert_eq!(outcomes(&report), ["created"]);
    assert_eq!(report.writes, 2, "create + associate");

    let lines = edge.metrics.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["Outcome"], "created");
    assert_eq!(lines[0]["SyncOutcome"], 1);
    assert_eq!(lines[1]["PartnerCentralWrites"], 2);
    for line in &lines {
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
        assert_eq!(
            line["_aws"]["Timestamp"],
            edge.clock.now_ms(),
            "the clock's time"
        );
    }
}

/// Run by `metric_lines_are_not_printed` in a process of its own, whose stdout it reads.
#[tokio::test]
#[ignore = "run by metric_lines_are_not_printed, which reads its stdout"]
async fn child_invokes_with_a_recording_sink() {
    let edge = edge().await;
    let event = batch(&[object_event("m1", "deal.creation", &edge.env.ids.deal_acme)]);
    edge.function.invoke(event, deadline()).await.unwrap();
    assert_eq!(
        edge.metrics.lines().len(),
        2,
        "the batch had metrics to write"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metric_lines_are_not_printed() {
    let stdout = run_child("function::child_invokes_with_a_recording_sink", vec![]).await;
    assert!(
        !stdout.contains("CloudWatchMetrics"),
        "an EMF line reached stdout:\n{stdout}"
    );
}

#[tokio::test]
async fn the_deadline_comes_from_the_context() {
    let edge = edge().await;
    let start = edge.clock.now();
    let deadline_ms = edge.clock.now_ms() + 120_000;
    let event = || batch(&[object_event("m1", "deal.creation", &edge.env.ids.deal_acme)]);

    // The context's deadline is 120 s away from when the invocation started, but the function's
    // clock says less than MIN_TIME_TO_START is left: the record is not started.
    let late = Duration::from_secs(120) - MIN_TIME_TO_START + Duration::from_secs(1);
    edge.clock.advance(late);
    let response = edge
        .function
        .handle(invocation(event(), deadline_ms))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "m1"}]})
    );
    assert!(edge.env.hubspot.requests().is_empty());

    edge.clock.set(start);
    let response = edge
        .function
        .handle(invocation(event(), deadline_ms))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&response).unwrap(),
        json!({"batchItemFailures": []})
    );
    assert_eq!(edge.env.pc.create_count(), 1);
    let outcomes: Vec<Value> = edge
        .metrics
        .lines()
        .into_iter()
        .filter_map(|l| l.get("Outcome").cloned())
        .collect();
    assert_eq!(outcomes, [json!("transient_error"), json!("created")]);
}
