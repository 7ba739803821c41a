//! Edge cases against moto: unreadable bodies, the three ways a run stops, a DLQ that cannot be
//! read, and the Lambda handler end to end.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::common::{Queues, attribute, body, deal, later};
use aws_sdk_sqs::types::MessageSystemAttributeName as Attr;
use lambda_runtime::{Context, LambdaEvent};
use reprocess_dlq::{Filter, Function, Outcome, ReprocessRequest, RequestError, StopReason};
use serde_json::json;

#[tokio::test]
async fn unreadable_bodies_are_never_lost_and_move_only_without_a_filter() {
    let queues = Queues::create("raw").await;
    queues
        .enqueue_raw("not a SyncEvent", "raw-group", "raw-1")
        .await;
    queues.poison_until_dead(1).await;

    let filtered = ReprocessRequest {
        filter: Filter {
            portal_id: Some(62515),
            ..Filter::default()
        },
        ..ReprocessRequest::default()
    };
    let summary = queues.reprocessor().run(filtered, later()).await;
    assert_eq!((summary.moved, summary.skipped), (0, 1));
    assert_eq!(queues.count(&queues.dlq_url).await, 1);

    let summary = queues
        .reprocessor()
        .run(ReprocessRequest::default(), later())
        .await;
    assert_eq!((summary.moved, summary.skipped), (1, 0));
    assert_eq!(
        serde_json::to_value(&summary.messages[0]).unwrap(),
        json!({"eventType": null, "objectType": null, "objectId": null,
               "groupId": "raw-group", "receiveCount": 4, "outcome": "moved"})
    );
    let processed = queues.process_main_queue().await;
    assert_eq!(body(&processed[0]), "not a SyncEvent");
    assert_eq!(
        attribute(&processed[0], Attr::MessageGroupId).as_deref(),
        Some("raw-group")
    );
}

#[tokio::test]
async fn max_messages_then_an_empty_dlq_end_the_runs() {
    let queues = Queues::create("stops").await;
    for object in 1..=5 {
        queues.enqueue(&deal(object, object as i64)).await;
    }
    queues.poison_until_dead(5).await;

    let three = ReprocessRequest {
        max_messages: 3,
        ..ReprocessRequest::default()
    };
    let first = queues.reprocessor().run(three.clone(), later()).await;
    assert_eq!(
        (first.moved, first.stop_reason),
        (3, StopReason::MaxMessages)
    );
    assert_eq!(queues.count(&queues.dlq_url).await, 2);
    let second = queues.reprocessor().run(three, later()).await;
    assert_eq!(
        (second.moved, second.stop_reason),
        (2, StopReason::DlqEmpty)
    );
    assert_eq!(queues.count(&queues.dlq_url).await, 0);
    assert_eq!(queues.process_main_queue().await.len(), 5);
}

#[tokio::test]
async fn a_close_deadline_stops_before_receiving() {
    let queues = Queues::create("deadline").await;
    queues.enqueue(&deal(7, 1)).await;
    queues.poison_until_dead(1).await;

    let reprocessor = queues.reprocessor();
    let summary = reprocessor
        .run(
            ReprocessRequest::default(),
            Instant::now() + Duration::from_secs(1),
        )
        .await;
    assert_eq!(summary.stop_reason, StopReason::Deadline);
    assert_eq!((summary.moved, summary.skipped, summary.failed), (0, 0, 0));
    assert_eq!(queues.peek_dlq().await.len(), 1, "untouched and visible");

    // A smaller margin lets the same deadline through.
    let summary = queues
        .reprocessor()
        .with_safety_margin(Duration::from_millis(100))
        .run(
            ReprocessRequest::default(),
            Instant::now() + Duration::from_secs(20),
        )
        .await;
    assert_eq!(summary.moved, 1);
}

#[tokio::test]
async fn an_unreadable_dlq_is_reported_not_hidden() {
    let queues = Queues::create("nodlq").await;
    let missing_dlq = format!("{}-missing.fifo", queues.dlq_url.trim_end_matches(".fifo"));
    let missing_dlq = std::sync::Arc::new(queue::SqsFifo::new(queues.client.clone(), missing_dlq));
    let summary = reprocess_dlq::Reprocessor::new(queues.queue(), missing_dlq)
        .run(ReprocessRequest::default(), later())
        .await;
    assert_eq!(summary.stop_reason, StopReason::ReceiveFailed);
    let error = summary.error.unwrap();
    assert!(
        error.starts_with("receiving from the dead-letter queue failed"),
        "{error}"
    );
    assert!(error.contains("NonExistentQueue"), "{error}");
}

fn invocation(payload: serde_json::Value, seconds_left: u64) -> LambdaEvent<serde_json::Value> {
    let mut context = Context::default();
    context.request_id = "invoke-1".into();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis();
    context.deadline = u64::try_from(now_ms).unwrap() + seconds_left * 1_000;
    LambdaEvent::new(payload, context)
}

#[tokio::test]
async fn handler_reads_the_payload_and_answers_the_summary() {
    let queues = Queues::create("handler").await;
    queues.enqueue(&deal(7, 1)).await;
    queues.enqueue(&deal(8, 2)).await;
    queues.poison_until_dead(2).await;
    let metrics = std::sync::Arc::new(Lines::default());
    let function = Function::new(queues.reprocessor(), "NS", metrics.clone());

    let dry = function
        .handle(invocation(
            json!({"dryRun": true, "filter": {"objectId": 8}}),
            60,
        ))
        .await
        .unwrap();
    let answer = serde_json::to_value(&dry).unwrap();
    assert_eq!(answer["dryRun"], true);
    assert_eq!(
        (answer["moved"].clone(), answer["skipped"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(answer["messages"][0]["objectId"], "8");
    assert_eq!(answer["messages"][0]["outcome"], "wouldMove");
    assert_eq!(queues.count(&queues.dlq_url).await, 2);

    let refused = function
        .handle(invocation(json!({"dry_run": true}), 60))
        .await
        .unwrap_err();
    assert!(matches!(refused, RequestError::Invalid(_)), "{refused}");
    assert_eq!(
        queues.count(&queues.dlq_url).await,
        2,
        "a refused request touches nothing"
    );

    let real = function
        .handle(invocation(serde_json::Value::Null, 60))
        .await
        .unwrap();
    assert_eq!((real.moved, real.dry_run), (2, false));
    assert!(real.messages.iter().all(|m| m.outcome == Outcome::Moved));
    assert_eq!(queues.process_main_queue().await.len(), 2);

    // The Lambda deadline is honoured: one second left is inside the safety margin.
    let late = function.handle(invocation(json!({}), 1)).await.unwrap();
    assert_eq!(late.stop_reason, StopReason::Deadline);

    // One EMF line per accepted invocation goes to the function's sink, none for the refused one.
    let lines = metrics.0.lock().unwrap();
    assert_eq!(lines.len(), 3);
    let moved: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(moved["_aws"]["CloudWatchMetrics"][0]["Namespace"], "NS");
    assert_eq!(moved["MessagesMoved"], 2, "{moved}");
}

/// A metric sink that keeps the lines.
#[derive(Default)]
struct Lines(std::sync::Mutex<Vec<String>>);

impl edge::MetricSink for Lines {
    fn emit(&self, line: String) {
        self.0.lock().unwrap().push(line);
    }
}

#[tokio::test]
async fn events_the_receipt_rejected_are_reported_and_never_moved() {
    let queues = Queues::create("rejected").await;
    queues.enqueue(&deal(7, 1)).await;
    queues.poison_until_dead(1).await;
    // What the receipt keeps for an event it could not read: verbatim, a group of its own,
    // the reason as a message attribute.
    let kept = queue::SendEntry {
        body: r#"{"eventId":"x","portalId":1}"#.to_owned(),
        group_id: "rejected-0123456789abcdef".to_owned(),
        dedup_id: "rejected-0123456789abcdef-dedup".to_owned(),
        attributes: [(
            events::REJECTED_REASON_ATTRIBUTE.to_owned(),
            "invalid_event".to_owned(),
        )]
        .into(),
    };
    queue::send_one(queues.dlq().as_ref(), kept).await.unwrap();

    for run in 0..2 {
        let summary = queues
            .reprocessor()
            .run(ReprocessRequest::default(), later())
            .await;
        assert_eq!(summary.rejected, 1, "run {run}: {summary:?}");
        assert_eq!(summary.moved, u64::from(run == 0), "run {run}: {summary:?}");
        assert!(summary.messages.iter().any(
            |m| m.outcome == Outcome::RejectedAtReceipt && m.group_id.starts_with("rejected-")
        ));
        assert_eq!(
            queues.peek_dlq().await.len(),
            1,
            "run {run}: the rejected event stays"
        );
    }
    assert_eq!(
        queues.process_main_queue().await.len(),
        1,
        "only the poisoned event moved"
    );
}
