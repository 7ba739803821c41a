//! The reprocessor against moto: its documented behaviours (poison → DLQ → back → processed,
//! order within a group, dry run, filter, failing send, crash and rerun).

use std::sync::Arc;

use queue::FaultyQueue;

use crate::common::{Queues, attribute, body, deal, event, later};
use aws_sdk_sqs::types::MessageSystemAttributeName as Attr;
use reprocess_dlq::{
    Filter, Outcome, ReprocessRequest, Reprocessor, StopReason, redrive_deduplication_id,
};

fn request(dry_run: bool, filter: Filter) -> ReprocessRequest {
    ReprocessRequest {
        dry_run,
        filter,
        ..ReprocessRequest::default()
    }
}

#[tokio::test]
async fn poison_message_reaches_the_dlq_then_is_moved_back_and_processed_in_its_group() {
    let queues = Queues::create("poison").await;
    let poison = deal(7, 1);
    queues.enqueue(&poison).await;

    let deliveries = queues.poison_until_dead(1).await;
    // Delivered maxReceiveCount times, then moved by the next receive instead of delivered.
    assert_eq!(deliveries, crate::common::MAX_RECEIVE_COUNT as usize);
    let in_dlq = queues.peek_dlq().await;
    assert_eq!(in_dlq.len(), 1);
    let dlq_message_id = in_dlq[0].message_id().unwrap().to_owned();
    assert_eq!(body(&in_dlq[0]), poison.to_json());
    assert_eq!(
        attribute(&in_dlq[0], Attr::MessageGroupId).as_deref(),
        Some("62515-deal-7")
    );

    let summary = queues
        .reprocessor()
        .run(ReprocessRequest::default(), later())
        .await;

    assert_eq!((summary.moved, summary.skipped, summary.failed), (1, 0, 0));
    assert_eq!(summary.stop_reason, StopReason::DlqEmpty);
    assert_eq!(
        serde_json::to_value(&summary.messages).unwrap(),
        serde_json::json!([{
            "eventType": "deal.propertyChange", "objectType": "deal", "objectId": "7",
            "groupId": "62515-deal-7",
            // 2 receives on the main queue + our peek + the reprocessor's own receive
            "receiveCount": 4,
            "outcome": "moved"
        }])
    );
    assert_eq!(
        queues.count(&queues.dlq_url).await,
        0,
        "deleted from the DLQ"
    );
    let processed = queues.process_main_queue().await;
    assert_eq!(processed.len(), 1);
    assert_eq!(body(&processed[0]), poison.to_json(), "body unchanged");
    assert_eq!(
        attribute(&processed[0], Attr::MessageGroupId).as_deref(),
        Some("62515-deal-7"),
        "original group kept"
    );
    assert_eq!(
        attribute(&processed[0], Attr::MessageDeduplicationId),
        Some(redrive_deduplication_id(&dlq_message_id))
    );
    assert_eq!(
        attribute(&processed[0], Attr::ApproximateReceiveCount).as_deref(),
        Some("1"),
        "a fresh message on the main queue, with its full set of retries"
    );
}

#[tokio::test]
async fn order_is_kept_within_a_group_and_across_runs() {
    let queues = Queues::create("order").await;
    // Deal 7's three changes interleaved with another object's, as real traffic would be.
    let deal7 = [
        event(62515, "deal", 7, "deal.creation", 1),
        event(62515, "deal", 7, "deal.propertyChange", 3),
        event(62515, "deal", 7, "deal.deletion", 5),
    ];
    let deal8 = [deal(8, 2), deal(8, 4)];
    queues.enqueue(&deal7[0]).await;
    queues.enqueue(&deal8[0]).await;
    queues.enqueue(&deal7[1]).await;
    queues.enqueue(&deal8[1]).await;
    queues.enqueue(&deal7[2]).await;
    queues.poison_until_dead(5).await;

    // One message per run first: each run must take the group's oldest message.
    let one = ReprocessRequest {
        max_messages: 1,
        ..ReprocessRequest::default()
    };
    let first = queues.reprocessor().run(one.clone(), later()).await;
    assert_eq!(
        (first.moved, first.stop_reason),
        (1, StopReason::MaxMessages)
    );
    // Then the rest in one run.
    let rest = queues
        .reprocessor()
        .run(ReprocessRequest::default(), later())
        .await;
    assert_eq!((rest.moved, rest.skipped, rest.failed), (4, 0, 0));

    let processed: Vec<String> = queues
        .process_main_queue()
        .await
        .iter()
        .map(|m| body(m).to_owned())
        .collect();
    let of_group = |group: &[events::SyncEvent]| -> Vec<String> {
        let wanted: Vec<String> = group.iter().map(|e| e.to_json()).collect();
        processed
            .iter()
            .filter(|b| wanted.contains(b))
            .cloned()
            .collect()
    };
    assert_eq!(of_group(&deal7), deal7.map(|e| e.to_json()).to_vec());
    assert_eq!(of_group(&deal8), deal8.map(|e| e.to_json()).to_vec());
    assert_eq!(processed.len(), 5);
}

#[tokio::test]
async fn dry_run_lists_matches_and_moves_nothing() {
    let queues = Queues::create("dry").await;
    queues.enqueue(&deal(7, 1)).await;
    queues.enqueue(&deal(7, 2)).await;
    queues
        .enqueue(&event(62515, "company", 9, "company.creation", 3))
        .await;
    queues.poison_until_dead(3).await;

    let filter = Filter {
        object_type: Some("deal".into()),
        ..Filter::default()
    };
    let summary = queues
        .reprocessor()
        .run(request(true, filter), later())
        .await;

    assert!(summary.dry_run);
    assert_eq!((summary.moved, summary.skipped, summary.failed), (0, 1, 0));
    let listed: Vec<(&str, Outcome)> = summary
        .messages
        .iter()
        .map(|m| (m.object_id.as_deref().unwrap(), m.outcome))
        .collect();
    assert_eq!(
        listed,
        [("7", Outcome::WouldMove), ("7", Outcome::WouldMove)]
    );
    assert_eq!(queues.count(&queues.queue_url).await, 0, "nothing sent");
    // All three still in the DLQ and receivable at once: released, not left hidden.
    assert_eq!(queues.peek_dlq().await.len(), 3);
}

#[tokio::test]
async fn filter_moves_only_matching_messages_and_releases_the_others() {
    let queues = Queues::create("filter").await;
    let wanted = [deal(7, 1), deal(7, 4)];
    queues.enqueue(&wanted[0]).await;
    queues.enqueue(&deal(8, 2)).await;
    queues
        .enqueue(&event(62515, "company", 7, "company.creation", 3))
        .await;
    queues
        .enqueue(&event(1, "deal", 7, "deal.creation", 5))
        .await;
    queues.enqueue(&wanted[1]).await;
    queues.poison_until_dead(5).await;

    let filter = Filter {
        object_type: Some("deal".into()),
        object_id: Some("7".into()),
        portal_id: Some(62515),
        ..Filter::default()
    };
    let summary = queues
        .reprocessor()
        .run(request(false, filter), later())
        .await;

    assert_eq!((summary.moved, summary.skipped, summary.failed), (2, 3, 0));
    let moved: Vec<String> = queues
        .process_main_queue()
        .await
        .iter()
        .map(|m| body(m).to_owned())
        .collect();
    assert_eq!(moved, wanted.map(|e| e.to_json()).to_vec());
    let left: Vec<String> = queues
        .peek_dlq()
        .await
        .iter()
        .map(|m| attribute(m, Attr::MessageGroupId).unwrap())
        .collect();
    assert_eq!(left, ["62515-deal-8", "62515-company-7", "1-deal-7"]);
}

#[tokio::test]
async fn filter_reaches_a_match_behind_more_than_a_batch_of_skipped_messages() {
    // Released skipped messages would be the first ones handed out again; only holding them
    // for the run lets the reprocessor see past the first ten.
    let queues = Queues::create("deep").await;
    for object in 100..112 {
        queues.enqueue(&deal(object, object as i64)).await;
    }
    let target = deal(7, 500);
    queues.enqueue(&target).await;
    queues.poison_until_dead(13).await;

    let filter = Filter {
        object_id: Some("7".into()),
        ..Filter::default()
    };
    let summary = queues
        .reprocessor()
        .run(request(false, filter), later())
        .await;

    assert_eq!((summary.moved, summary.skipped, summary.failed), (1, 12, 0));
    assert_eq!(summary.stop_reason, StopReason::DlqEmpty);
    let moved = queues.process_main_queue().await;
    assert_eq!(moved.len(), 1);
    assert_eq!(body(&moved[0]), target.to_json());
    assert_eq!(queues.peek_dlq().await.len(), 12);
}

#[tokio::test]
async fn a_failed_send_leaves_the_message_and_its_later_group_members_in_the_dlq() {
    let queues = Queues::create("sendfail").await;
    let first = event(62515, "deal", 7, "deal.creation", 1);
    let second = deal(7, 2);
    let other = deal(8, 3);
    queues.enqueue(&first).await;
    queues.enqueue(&second).await;
    queues.enqueue(&other).await;
    queues.poison_until_dead(3).await;

    // Only deal 7's first message fails to send (its body alone says deal.creation).
    let faulty = FaultyQueue::new(queues.queue());
    faulty.fail_sends_containing(Some("deal.creation"));
    let summary = Reprocessor::new(Arc::new(faulty), queues.dlq())
        .run(ReprocessRequest::default(), later())
        .await;

    assert_eq!((summary.moved, summary.skipped, summary.failed), (1, 0, 2));
    let outcomes: Vec<(&str, Outcome)> = summary
        .messages
        .iter()
        .map(|m| (m.event_type.as_deref().unwrap(), m.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("deal.creation", Outcome::Failed),
            ("deal.propertyChange", Outcome::HeldBehindFailure),
            ("deal.propertyChange", Outcome::Moved),
        ]
    );
    let moved = queues.process_main_queue().await;
    assert_eq!(moved.len(), 1);
    assert_eq!(body(&moved[0]), other.to_json());
    let left: Vec<String> = queues
        .peek_dlq()
        .await
        .iter()
        .map(|m| body(m).to_owned())
        .collect();
    assert_eq!(
        left,
        [first.to_json(), second.to_json()],
        "both stay, in order"
    );
}

#[tokio::test]
async fn sending_to_a_missing_main_queue_fails_and_keeps_everything() {
    let queues = Queues::create("noqueue").await;
    queues.enqueue(&deal(7, 1)).await;
    queues.enqueue(&deal(8, 2)).await;
    queues.poison_until_dead(2).await;

    let missing = format!(
        "{}-missing.fifo",
        queues.queue_url.trim_end_matches(".fifo")
    );
    let missing = Arc::new(queue::SqsFifo::new(queues.client.clone(), missing));
    let summary = Reprocessor::new(missing, queues.dlq())
        .run(ReprocessRequest::default(), later())
        .await;

    assert_eq!((summary.moved, summary.skipped, summary.failed), (0, 0, 2));
    assert!(
        summary
            .messages
            .iter()
            .all(|m| m.outcome == Outcome::Failed)
    );
    assert_eq!(queues.peek_dlq().await.len(), 2);
    assert_eq!(queues.count(&queues.queue_url).await, 0);
}

#[tokio::test]
async fn a_rerun_after_a_crash_between_send_and_delete_does_not_duplicate() {
    let queues = Queues::create("crash").await;
    let poison = deal(7, 1);
    queues.enqueue(&poison).await;
    queues.poison_until_dead(1).await;

    let crashing = FaultyQueue::new(queues.dlq());
    crashing.fail_deletes(true);
    let first = Reprocessor::new(queues.queue(), Arc::new(crashing))
        .run(ReprocessRequest::default(), later())
        .await;
    assert_eq!(first.messages[0].outcome, Outcome::MovedNotDeleted);
    assert_eq!(queues.count(&queues.queue_url).await, 1, "sent once");
    assert_eq!(queues.count(&queues.dlq_url).await, 1, "still in the DLQ");

    // The main queue still holds the first copy. That matters on moto, which only de-duplicates
    // against messages still in the queue; real SQS remembers the id for 5 minutes even after
    // the copy was consumed.
    let rerun = queues
        .reprocessor()
        .run(ReprocessRequest::default(), later())
        .await;
    assert_eq!((rerun.moved, rerun.failed), (1, 0));
    assert_eq!(
        queues.count(&queues.dlq_url).await,
        0,
        "deleted by the rerun"
    );
    let processed = queues.process_main_queue().await;
    assert_eq!(
        processed.len(),
        1,
        "the rerun's send was dropped as a duplicate"
    );
    assert_eq!(body(&processed[0]), poison.to_json());
}
