//! The EventBridge events the Partner Central fake emits, driven through the real SDK client:
//! the envelope, which change emits which detail-type, and best-effort / at-least-once
//! delivery.

use sandbox::partner_central::{AwsReview, AwsSummaryChange};
use serde_json::{Value, json};
use tokio::sync::mpsc::error::TryRecvError;

use crate::common::events::{detail_type, drain, identifier, next_event};
use crate::common::partner_central::{Spec, create_valid, last_modified, unthrottled};
use crate::common::submission::{DELAY, create_submittable, fake_with_clock, start};

#[tokio::test]
async fn a_create_emits_opportunity_created_in_eventbridge_s_envelope() {
    let (fake, _clock) = fake_with_clock().await;
    let client = fake.client();
    let mut events = fake.subscribe_events();
    let (id, _) = create_valid(&client, "created").await;
    let event = next_event(&mut events).await;
    let arn = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let event_id = event["id"].as_str().unwrap();
    let parsed = uuid::Uuid::parse_str(event_id).unwrap();
    assert_eq!(parsed.get_version_num(), 4, "{event_id}");
    let mut without_id = event.clone();
    without_id["id"] = Value::Null;
    assert_eq!(
        without_id,
        json!({
            "version": "0",
            "id": null,
            "detail-type": "Opportunity Created",
            "source": "aws.partnercentral-selling",
            "account": "111122223333",
            // The fake's clock, whole seconds.
            "time": "2030-06-15T09:00:00Z",
            "region": "us-east-1",
            "resources": [arn],
            "detail": {
                "schemaVersion": "1",
                "catalog": "Sandbox",
                "opportunity": { "identifier": id },
            },
        })
    );
    assert_eq!(fake.emitted_events(), vec![event]);

    // An idempotent replay creates nothing and announces nothing.
    create_valid(&client, "created").await;
    assert_eq!(events.try_recv().unwrap_err(), TryRecvError::Empty);
}

#[tokio::test]
async fn every_change_of_the_opportunity_or_its_aws_side_emits_opportunity_updated() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut events = fake.subscribe_events();
    let id = create_submittable(&client, &Spec::valid(), "changes").await;
    let mut spec = Spec::valid();
    spec.next_steps = Some("Send the proposal".into());
    spec.update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .unwrap();
    // Associating the same solution again is a no-op: no event.
    client
        .associate_opportunity()
        .catalog("Sandbox")
        .opportunity_identifier(&id)
        .related_entity_type("Solutions".into())
        .related_entity_identifier("S-0000001")
        .send()
        .await
        .unwrap();
    let types: Vec<String> = drain(&mut events)
        .iter()
        .map(|e| format!("{} {}", detail_type(e), identifier(e)))
        .collect();
    assert_eq!(
        types,
        [
            format!("Opportunity Created {id}"),
            format!("Opportunity Updated {id}"), // AssociateOpportunity
            format!("Opportunity Updated {id}"), // UpdateOpportunity
        ]
    );

    // Starting the task changes nothing yet; its end does, with no client read needed.
    start(&client, &id, "changes").send().await.unwrap();
    assert_eq!(events.try_recv().unwrap_err(), TryRecvError::Empty);
    clock.advance(DELAY);
    let submitted = next_event(&mut events).await;
    assert_eq!(detail_type(&submitted), "Opportunity Updated");
    assert_eq!(submitted["time"], "2030-06-15T09:00:02Z");

    fake.review(&id, AwsReview::StartReview).unwrap();
    fake.review(&id, AwsReview::Approve).unwrap();
    fake.set_aws_summary(
        &id,
        AwsSummaryChange {
            stage: Some("Technical Validation".into()),
            ..AwsSummaryChange::default()
        },
    )
    .unwrap();
    let rest: Vec<String> = drain(&mut events)
        .iter()
        .map(|e| detail_type(e).to_owned())
        .collect();
    assert_eq!(rest, ["Opportunity Updated"; 3]);
    assert_eq!(fake.emitted_events().len(), 7);
    assert_eq!(fake.dropped_events(), 0);
}

#[tokio::test]
async fn a_failed_submission_is_announced_too() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    // No solution associated: the task fails.
    let (id, _) = create_valid(&client, "failing").await;
    let mut events = fake.subscribe_events();
    start(&client, &id, "failing").send().await.unwrap();
    clock.advance(DELAY);
    let event = next_event(&mut events).await;
    assert_eq!(detail_type(&event), "Opportunity Updated");
    assert_eq!(identifier(&event), id);
}

#[tokio::test]
async fn delivery_is_best_effort_and_at_least_once() {
    let fake = unthrottled().await;
    let client = fake.client();
    let mut first = fake.subscribe_events();
    let mut second = fake.subscribe_events();

    fake.drop_next_events(1);
    let (lost, _) = create_valid(&client, "lost").await;
    let (kept, _) = create_valid(&client, "kept").await;
    for events in [&mut first, &mut second] {
        let got: Vec<String> = drain(events)
            .iter()
            .map(|e| identifier(e).to_owned())
            .collect();
        assert_eq!(
            got,
            std::slice::from_ref(&kept),
            "the event of {lost} was dropped"
        );
    }
    assert_eq!(fake.dropped_events(), 1);
    let emitted: Vec<String> = fake
        .emitted_events()
        .iter()
        .map(|e| identifier(e).to_owned())
        .collect();
    assert_eq!(emitted, [lost, kept]);

    fake.duplicate_next_events(1);
    create_valid(&client, "twice").await;
    let twice = drain(&mut first);
    assert_eq!(twice.len(), 2);
    assert_eq!(
        twice[0], twice[1],
        "a retry repeats the same envelope and id"
    );
    assert_eq!(drain(&mut second).len(), 2);

    // A closed receiver is forgotten; the others keep receiving.
    drop(second);
    fake.set_event_delivery(false);
    create_valid(&client, "off").await;
    assert_eq!(first.try_recv().unwrap_err(), TryRecvError::Empty);
    fake.set_event_delivery(true);
    create_valid(&client, "on").await;
    assert_eq!(drain(&mut first).len(), 1);
    assert_eq!(fake.dropped_events(), 2);
    assert_eq!(fake.emitted_events().len(), 5);
}
