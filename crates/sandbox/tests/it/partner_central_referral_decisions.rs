//! Declining, expiring and racing AWS referrals through the real SDK client: the reason rules
//! of RejectEngagementInvitation, decisions refused once an invitation is answered or expired,
//! an acceptance task overtaken by the console or by expiry, the expiry event, the console
//! controls and the account's quotas.

use std::time::Duration;

use aws_sdk_partnercentralselling::operation::reject_engagement_invitation::RejectEngagementInvitationError;
use aws_sdk_partnercentralselling::types::{InvitationStatus, ReasonCode, TaskStatus};
use sandbox::partner_central::{
    NewInvitation, PartnerCentralConfig, PartnerCentralFake, SandboxError,
    sdk_client_without_retries,
};
use serde_json::Value;

use crate::common::events::{detail_type, drain, next_event};
use crate::common::partner_central::{clock, fields};
use crate::common::referrals::{accept, accept_task_of, get, status};
use crate::common::submission::{DELAY, fake_with_clock};

fn reject(
    client: &aws_sdk_partnercentralselling::Client,
    invitation: &str,
    reason: &str,
) -> aws_sdk_partnercentralselling::operation::reject_engagement_invitation::builders::RejectEngagementInvitationFluentBuilder
{
    client
        .reject_engagement_invitation()
        .catalog("Sandbox")
        .identifier(invitation)
        .rejection_reason(reason)
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(detail_type).collect()
}

#[tokio::test]
async fn a_rejection_records_the_reason_and_hides_aws_s_data() {
    let (fake, _clock) = fake_with_clock().await;
    let client = fake.client();
    let mut events = fake.subscribe_events();
    let invitation = fake.invite(NewInvitation::default());

    reject(&client, &invitation, "Customer problem unclear")
        .send()
        .await
        .unwrap();
    let out = get(&client, &invitation).await;
    assert_eq!(out.status(), Some(&InvitationStatus::Rejected));
    assert_eq!(out.rejection_reason(), Some("Customer problem unclear"));
    assert!(out.payload().is_none(), "data inaccessible after rejection");
    assert_eq!(fake.write_count("RejectEngagementInvitation"), 1);
    assert_eq!(
        kinds(&drain(&mut events)),
        vec![
            "Engagement Invitation Created",
            "Engagement Invitation Rejected"
        ]
    );

    // Decided: neither a second answer nor an acceptance.
    let twice = reject(&client, &invitation, "Other")
        .send()
        .await
        .unwrap_err();
    let twice = twice.into_service_error();
    assert!(twice.is_conflict_exception(), "{twice:?}");
    assert!(
        format!("{twice:?}").contains("is REJECTED; only a PENDING invitation can be rejected")
    );
    let accepted = accept(&client, &invitation, "late")
        .send()
        .await
        .unwrap_err();
    assert!(accepted.into_service_error().is_conflict_exception());
    assert!(drain(&mut events).is_empty());
}

#[tokio::test]
async fn the_reason_is_required_printable_and_at_most_80_characters() {
    let (fake, _clock) = fake_with_clock().await;
    let client = fake.client();
    let invitation = fake.invite(NewInvitation::default());
    let refused = |error: aws_sdk_partnercentralselling::error::SdkError<
        RejectEngagementInvitationError,
    >| match error.into_service_error() {
        RejectEngagementInvitationError::ValidationException(v) => fields(&v),
        other => panic!("expected ValidationException, got {other:?}"),
    };

    let long = reject(&client, &invitation, &"x".repeat(81))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(long),
        vec![(
            "RejectionReason".to_owned(),
            "INVALID_STRING_FORMAT".to_owned()
        )]
    );
    let missing = client
        .reject_engagement_invitation()
        .catalog("Sandbox")
        .identifier(&invitation)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(missing),
        vec![(
            "RejectionReason".to_owned(),
            "REQUIRED_FIELD_MISSING".to_owned()
        )]
    );
    let bad_id = reject(&client, "engi-NOT-AN-ID", "Other")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused(bad_id),
        vec![("Identifier".to_owned(), "INVALID_STRING_FORMAT".to_owned())]
    );
    let unknown = reject(&client, "engi-0000000000000", "Other")
        .send()
        .await
        .unwrap_err();
    assert!(
        unknown
            .into_service_error()
            .is_resource_not_found_exception(),
        "an unknown invitation"
    );
    assert_eq!(
        status(&client, &invitation).await,
        InvitationStatus::Pending
    );

    // The documented values are examples, not an enum: the pattern is the rule.
    reject(&client, &invitation, "We do not cover this region")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(&client, &invitation).await.rejection_reason(),
        Some("We do not cover this region")
    );
}

#[tokio::test]
async fn an_overdue_invitation_is_expired_for_every_reader_and_announced_once() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut events = fake.subscribe_events();
    let invitation = fake.invite(NewInvitation {
        expires_in: Duration::from_secs(3600),
        ..NewInvitation::default()
    });
    assert_eq!(
        detail_type(&next_event(&mut events).await),
        "Engagement Invitation Created"
    );

    clock.advance(Duration::from_secs(3599));
    assert_eq!(
        status(&client, &invitation).await,
        InvitationStatus::Pending
    );
    clock.advance(Duration::from_secs(1));
    // Nobody reads: the background tick expires it and announces it.
    let expired = next_event(&mut events).await;
    assert_eq!(detail_type(&expired), "Engagement Invitation Expired");
    assert_eq!(
        expired["detail"]["engagementInvitation"]["id"],
        invitation.as_str()
    );
    assert_eq!(expired["time"], "2030-06-15T10:00:00Z");

    assert_eq!(
        status(&client, &invitation).await,
        InvitationStatus::Expired
    );
    let pending = client
        .list_engagement_invitations()
        .catalog("Sandbox")
        .participant_type(aws_sdk_partnercentralselling::types::ParticipantType::Receiver)
        .status(InvitationStatus::Pending)
        .send()
        .await
        .unwrap();
    assert!(pending.engagement_invitation_summaries().is_empty());
    let accepted = accept(&client, &invitation, "too-late")
        .send()
        .await
        .unwrap_err();
    let accepted = accepted.into_service_error();
    assert!(accepted.is_conflict_exception(), "{accepted:?}");
    assert!(format!("{accepted:?}").contains("is EXPIRED"));
    let rejected = reject(&client, &invitation, "Other")
        .send()
        .await
        .unwrap_err();
    assert!(rejected.into_service_error().is_conflict_exception());
    assert_eq!(
        fake.expire_invitation(&invitation),
        Err(SandboxError::InvitationNotPending {
            id: invitation.clone(),
            status: "EXPIRED".to_owned(),
        })
    );

    clock.advance(Duration::from_secs(3600));
    get(&client, &invitation).await;
    tokio::time::sleep(Duration::from_millis(120)).await;
    let expiries = fake
        .emitted_events()
        .iter()
        .filter(|e| detail_type(e) == "Engagement Invitation Expired")
        .count();
    assert_eq!(expiries, 1, "announced once");
    assert!(drain(&mut events).is_empty());
}

#[tokio::test]
async fn a_running_acceptance_fails_when_the_invitation_is_answered_or_expires_meanwhile() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();

    // Answered in the console while the task runs.
    let console = fake.invite(NewInvitation::default());
    accept(&client, &console, "race-1").send().await.unwrap();
    let created = fake.answer_in_console(&console, true).unwrap();
    let created = created.expect("the console creates the opportunity at once");
    assert_eq!(fake.origin(&created).as_deref(), Some("AWS Referral"));

    // Expires before the task would end.
    let short = fake.invite(NewInvitation {
        expires_in: Duration::from_secs(1),
        ..NewInvitation::default()
    });
    accept(&client, &short, "race-2").send().await.unwrap();

    clock.advance(DELAY);
    for (invitation, now) in [(&console, "ACCEPTED"), (&short, "EXPIRED")] {
        let task = accept_task_of(&client, invitation).await;
        assert_eq!(task.task_status(), Some(&TaskStatus::Failed), "{task:?}");
        assert_eq!(
            task.reason_code(),
            Some(&ReasonCode::EngagementInvitationConflict)
        );
        assert_eq!(task.opportunity_id(), None);
        let message = task.message().unwrap();
        assert!(message.contains(&format!("is {now}")), "{message}");
    }
    assert_eq!(fake.opportunities().len(), 1, "only the console's");
}

#[tokio::test]
async fn the_console_controls_answer_only_pending_invitations() {
    let (fake, _clock) = fake_with_clock().await;
    let mut events = fake.subscribe_events();
    let declined = fake.invite(NewInvitation::default());
    assert_eq!(fake.answer_in_console(&declined, false), Ok(None));
    let output = fake.invitation(&declined).unwrap();
    assert_eq!(output["Status"], "REJECTED");
    assert_eq!(output["RejectionReason"], "Other");

    let accepted = fake.invite(NewInvitation::default());
    let id = fake.answer_in_console(&accepted, true).unwrap().unwrap();
    assert_eq!(fake.invitation(&accepted).unwrap()["Status"], "ACCEPTED");
    assert!(fake.opportunity(&id).is_some());
    assert_eq!(
        kinds(&drain(&mut events)),
        vec![
            "Engagement Invitation Created",
            "Engagement Invitation Rejected",
            "Engagement Invitation Created",
            "Engagement Invitation Accepted",
            "Opportunity Created",
        ]
    );

    assert_eq!(
        fake.answer_in_console(&accepted, false),
        Err(SandboxError::InvitationNotPending {
            id: accepted.clone(),
            status: "ACCEPTED".to_owned(),
        })
    );
    assert_eq!(
        fake.expire_invitation("engi-0000000000000"),
        Err(SandboxError::UnknownInvitation(
            "engi-0000000000000".to_owned()
        ))
    );
    let open = fake.invite(NewInvitation::default());
    fake.expire_invitation(&open).unwrap();
    assert_eq!(fake.invitation(&open).unwrap()["Status"], "EXPIRED");
    assert_eq!(fake.invitation("engi-0000000000000"), None);
}

#[tokio::test]
async fn referral_calls_count_on_the_account_s_quotas() {
    let fake = PartnerCentralFake::start_with(PartnerCentralConfig::default().with_clock(clock()))
        .await
        .unwrap();
    let client = sdk_client_without_retries(&fake.base_url());
    let first = fake.invite(NewInvitation::default());
    let second = fake.invite(NewInvitation::default());
    reject(&client, &first, "Other").send().await.unwrap();
    // One write per second for the whole account: the next write in the same second waits.
    let throttled = accept(&client, &second, "quota").send().await.unwrap_err();
    assert!(
        throttled.into_service_error().is_throttling_exception(),
        "writes share the 1/s quota"
    );
    for _ in 0..10 {
        get(&client, &second).await;
    }
    let read = client
        .get_engagement_invitation()
        .catalog("Sandbox")
        .identifier(&second)
        .send()
        .await
        .unwrap_err();
    assert!(read.into_service_error().is_throttling_exception());
    assert_eq!(fake.throttled_calls(), (1, 1));
}
