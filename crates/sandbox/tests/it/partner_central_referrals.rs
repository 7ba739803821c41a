//! AWS referrals through the real SDK client: AWS invites (the fake's handle), the partner
//! lists and reads the invitation, accepts it with the asynchronous task, and gets an
//! `AWS Referral` opportunity; the EventBridge events along the way; listing and paging.

use std::time::Duration;

use aws_sdk_partnercentralselling::types::{
    CountryCode, CurrencyCode, EngagementInvitationPayloadType, Industry, InvitationStatus,
    OpportunityEngagementInvitationSort, OpportunityEngagementInvitationSortName,
    OpportunityOrigin, ParticipantType, PaymentFrequency, ReceiverResponsibility, ReviewStatus,
    SortOrder, Stage, TaskStatus,
};
use chrono::{TimeZone, Utc};
use sandbox::partner_central::{DEFAULT_INVITATION_LIFETIME, NewInvitation};
use serde_json::json;

use crate::common::events::{detail_type, drain};
use crate::common::partner_central::{Spec, fields, last_modified, refused_update};
use crate::common::referrals::{accept, accept_task_of, get, is_invitation_id, payload, status};
use crate::common::submission::{DELAY, fake_with_clock, is_task_id};

#[tokio::test]
async fn an_invitation_is_listed_pending_and_read_with_its_payload() {
    let (fake, _clock) = fake_with_clock().await;
    let client = fake.client();
    let id = fake.invite(NewInvitation::default());
    assert!(is_invitation_id(&id), "{id}");
    assert_eq!(fake.invitation_ids(), vec![id.clone()]);

    let listed = client
        .list_engagement_invitations()
        .catalog("Sandbox")
        .participant_type(ParticipantType::Receiver)
        .payload_type(EngagementInvitationPayloadType::OpportunityInvitation)
        .status(InvitationStatus::Pending)
        .send()
        .await
        .unwrap();
    let summaries = listed.engagement_invitation_summaries();
    assert_eq!(summaries.len(), 1, "{listed:?}");
    let summary = &summaries[0];
    assert_eq!(summary.id(), id);
    assert_eq!(summary.status(), Some(&InvitationStatus::Pending));
    assert_eq!(summary.participant_type(), Some(&ParticipantType::Receiver));
    assert_eq!(summary.sender_company_name(), Some("Amazon Web Services"));
    assert_eq!(
        summary.engagement_title(),
        Some("Brightline Retail e-commerce migration")
    );
    assert!(summary.engagement_id().unwrap().starts_with("eng-"));

    let out = get(&client, &id).await;
    assert_eq!(out.id(), id);
    assert_eq!(out.catalog(), "Sandbox");
    assert_eq!(out.status(), Some(&InvitationStatus::Pending));
    assert_eq!(
        out.payload_type(),
        Some(&EngagementInvitationPayloadType::OpportunityInvitation)
    );
    assert_eq!(out.sender_company_name(), Some("Amazon Web Services"));
    assert_eq!(
        out.invitation_message(),
        Some("AWS would like to co-sell with you on this retail migration.")
    );
    assert_eq!(out.rejection_reason(), None);
    let receiver = out.receiver().unwrap().as_account().unwrap();
    assert_eq!(receiver.aws_account_id(), "111122223333");
    let sent = Utc.with_ymd_and_hms(2030, 6, 15, 9, 0, 0).unwrap();
    assert_eq!(out.invitation_date().unwrap().secs(), sent.timestamp());
    let lifetime = i64::try_from(DEFAULT_INVITATION_LIFETIME.as_secs()).unwrap();
    assert_eq!(
        out.expiration_date().unwrap().secs(),
        sent.timestamp() + lifetime,
        "15 days"
    );

    let invitation = payload(&out);
    let customer = invitation.customer().unwrap();
    assert_eq!(customer.company_name(), "Brightline Retail Group");
    assert_eq!(customer.website_url(), "https://www.brightlineretail.com");
    assert_eq!(customer.industry(), &Industry::Retail);
    assert_eq!(customer.country_code(), &CountryCode::Us);
    let project = invitation.project().unwrap();
    assert_eq!(project.title(), "E-commerce platform migration to AWS");
    assert_eq!(project.target_completion_date(), "2030-12-31");
    assert!(project.business_problem().starts_with("Brightline's"));
    let spend = &project.expected_customer_spend()[0];
    assert_eq!(spend.amount(), "25000");
    assert_eq!(spend.currency_code(), &CurrencyCode::Usd);
    assert_eq!(spend.frequency(), &PaymentFrequency::Monthly);
    assert_eq!(spend.target_company(), "AWS");
    let sender = &invitation.sender_contacts()[0];
    assert_eq!(sender.email(), "maria.gonzalez@amazon.com");
    assert_eq!(sender.first_name(), Some("Maria"));
    assert_eq!(sender.phone(), Some("+12065550100"));
    assert_eq!(
        invitation.receiver_responsibilities(),
        &[ReceiverResponsibility::CoSellFacilitator]
    );

    // The ARN names it too, and the handle shows the same output.
    let by_arn = get(&client, out.arn().unwrap()).await;
    assert_eq!(by_arn.id(), id);
    assert_eq!(fake.invitation(&id).unwrap()["Id"], json!(id));
    // The partner sent nothing: SENDER lists nothing.
    let sent_by_partner = client
        .list_engagement_invitations()
        .catalog("Sandbox")
        .participant_type(ParticipantType::Sender)
        .send()
        .await
        .unwrap();
    assert!(sent_by_partner.engagement_invitation_summaries().is_empty());
    // Another catalog is another world.
    let aws = client
        .list_engagement_invitations()
        .catalog("AWS")
        .participant_type(ParticipantType::Receiver)
        .send()
        .await
        .unwrap();
    assert!(aws.engagement_invitation_summaries().is_empty());
}

#[tokio::test]
async fn accepting_runs_a_task_that_creates_an_aws_referral_opportunity() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut events = fake.subscribe_events();
    let invitation = fake.invite(NewInvitation::default());

    let started = accept(&client, &invitation, "accept-1")
        .send()
        .await
        .unwrap();
    let task_id = started.task_id().unwrap().to_owned();
    assert!(is_task_id(&task_id), "{started:?}");
    assert_eq!(started.task_status(), Some(&TaskStatus::InProgress));
    assert_eq!(
        started.engagement_invitation_id(),
        Some(invitation.as_str())
    );
    assert_eq!(started.opportunity_id(), None);
    assert!(started.task_arn().unwrap().ends_with(&task_id));
    assert!(
        started
            .task_arn()
            .unwrap()
            .contains(":catalog/Sandbox/engagement-by-accepting-invitation-task/")
    );

    clock.advance(DELAY - Duration::from_millis(1));
    let running = accept_task_of(&client, &invitation).await;
    assert_eq!(running.task_status(), Some(&TaskStatus::InProgress));
    assert_eq!(
        status(&client, &invitation).await,
        InvitationStatus::Pending,
        "accepted only when the task completes"
    );
    assert!(fake.opportunities().is_empty());

    clock.advance(Duration::from_millis(1));
    let done = accept_task_of(&client, &invitation).await;
    assert_eq!(done.task_status(), Some(&TaskStatus::Complete));
    assert_eq!(done.reason_code(), None);
    assert_eq!(done.task_id(), Some(task_id.as_str()));
    assert!(done.resource_snapshot_job_id().is_some());
    let id = done
        .opportunity_id()
        .expect("OpportunityId on COMPLETE")
        .to_owned();
    assert_eq!(
        status(&client, &invitation).await,
        InvitationStatus::Accepted
    );

    let opportunity = client
        .get_opportunity()
        .catalog("Sandbox")
        .identifier(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(fake.origin(&id).as_deref(), Some("AWS Referral"));
    assert_eq!(opportunity.partner_opportunity_identifier(), None);
    let account = opportunity.customer().unwrap().account().unwrap();
    assert_eq!(account.company_name(), "Brightline Retail Group");
    assert_eq!(account.industry(), Some(&Industry::Retail));
    assert_eq!(
        account.address().unwrap().country_code(),
        Some(&CountryCode::Us)
    );
    let project = opportunity.project().unwrap();
    assert_eq!(
        project.title(),
        Some("E-commerce platform migration to AWS")
    );
    assert!(
        project
            .customer_business_problem()
            .unwrap()
            .starts_with("Brightline's")
    );
    assert_eq!(project.expected_customer_spend()[0].amount(), "25000");
    let lifecycle = opportunity.life_cycle().unwrap();
    assert_eq!(lifecycle.review_status(), Some(&ReviewStatus::Approved));
    assert_eq!(lifecycle.stage(), Some(&Stage::Prospect));
    assert_eq!(lifecycle.target_close_date(), Some("2030-12-31"));
    let summary = client
        .get_aws_opportunity_summary()
        .catalog("Sandbox")
        .related_opportunity_identifier(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(summary.origin(), Some(&OpportunityOrigin::AwsReferral));
    assert_eq!(fake.engagement_id(&id), done_engagement(&fake, &invitation));
    assert_eq!(fake.create_count(), 0, "not a CreateOpportunity call");
    assert_eq!(
        fake.write_count("StartEngagementByAcceptingInvitationTask"),
        1
    );

    let delivered = drain(&mut events);
    let kinds: Vec<&str> = delivered.iter().map(detail_type).collect();
    assert_eq!(
        kinds,
        vec![
            "Engagement Invitation Created",
            "Engagement Invitation Accepted",
            "Opportunity Created"
        ]
    );
    let arn = get(&client, &invitation).await.arn().unwrap().to_owned();
    assert_eq!(
        arn,
        format!(
            "arn:aws:partnercentral:us-east-1:111122223333:catalog/Sandbox/engagement-invitation/{invitation}"
        )
    );
    for event in &delivered[..2] {
        assert_eq!(event["source"], "aws.partnercentral-selling");
        assert_eq!(event["resources"], json!([arn]));
        assert_eq!(
            event["detail"],
            json!({
                "schemaVersion": "1",
                "catalog": "Sandbox",
                "engagementInvitation": { "id": invitation },
            })
        );
    }
    assert_eq!(
        delivered[2]["detail"]["opportunity"]["identifier"],
        json!(id)
    );
    assert_eq!(delivered[1]["time"], "2030-06-15T09:00:02Z");
}

#[tokio::test]
async fn the_accepted_referral_takes_the_partner_s_full_updates() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let invitation = fake.invite(NewInvitation::default());
    accept(&client, &invitation, "accept").send().await.unwrap();
    clock.advance(DELAY);
    let id = accept_task_of(&client, &invitation)
        .await
        .opportunity_id()
        .unwrap()
        .to_owned();
    let address = fake.opportunity(&id).unwrap()["Customer"]["Account"]["Address"].clone();
    assert_eq!(
        address,
        json!({ "CountryCode": "US", "StreetAddress": "2021 7th Ave", "City": "Seattle",
                "StateOrRegion": "Washington", "PostalCode": "98101" }),
        "the address the invitation hides"
    );

    // The partner's full replacement: AWS's customer and project as they are, its own fields.
    let referral = NewInvitation::default();
    let mut spec = Spec::valid();
    spec.company = referral.customer_company_name.clone();
    spec.website = Some(referral.customer_website.clone());
    spec.industry = Some(referral.customer_industry.clone());
    spec.title = Some(referral.project_title.clone());
    spec.problem = Some(referral.business_problem.clone());
    spec.close_date = Some(referral.target_completion_date.clone());
    spec.spends[0].amount = "25000".to_owned();
    spec.partner_id = None;
    spec.update(&client, &id, last_modified(&client, &id).await)
        .send()
        .await
        .unwrap();
    let lifecycle = fake.opportunity(&id).unwrap()["LifeCycle"].clone();
    assert_eq!(lifecycle["Stage"], "Qualified");
    assert_eq!(lifecycle["ReviewStatus"], "Approved");

    // Approved: AWS's title stays.
    spec.title = Some("Brightline replatforming".to_owned());
    let refused = refused_update(&client, &id, &spec).await;
    assert_eq!(
        fields(&refused),
        vec![(
            "Project.Title".to_owned(),
            "ACTION_NOT_PERMITTED".to_owned()
        )]
    );
}

/// The engagement an invitation belongs to, from its output.
fn done_engagement(
    fake: &sandbox::partner_central::PartnerCentralFake,
    invitation: &str,
) -> Option<String> {
    fake.invitation(invitation)?["EngagementId"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn the_client_token_is_idempotent_and_one_acceptance_runs_at_a_time() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let invitation = fake.invite(NewInvitation::default());
    let other = fake.invite(NewInvitation::default());

    let first = accept(&client, &invitation, "idem").send().await.unwrap();
    let replay = accept(&client, &invitation, "idem").send().await.unwrap();
    assert_eq!(replay.task_id(), first.task_id());
    assert_eq!(replay.task_status(), Some(&TaskStatus::InProgress));

    let reused = accept(&client, &other, "idem").send().await.unwrap_err();
    let reused = reused.into_service_error();
    assert!(reused.is_conflict_exception(), "{reused:?}");
    assert!(
        format!("{reused:?}").contains("Conflicting client token"),
        "{reused:?}"
    );

    let second = accept(&client, &invitation, "idem-2")
        .send()
        .await
        .unwrap_err();
    let second = second.into_service_error();
    assert!(second.is_conflict_exception(), "{second:?}");
    assert!(format!("{second:?}").contains("already being accepted"));

    let declined = client
        .reject_engagement_invitation()
        .catalog("Sandbox")
        .identifier(&invitation)
        .rejection_reason("Other")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(declined.is_conflict_exception(), "{declined:?}");
    assert!(format!("{declined:?}").contains("is being accepted by task"));

    clock.advance(DELAY);
    let done = accept(&client, &invitation, "idem").send().await.unwrap();
    assert_eq!(done.task_id(), first.task_id());
    assert_eq!(done.task_status(), Some(&TaskStatus::Complete));
    assert!(
        done.opportunity_id().is_some(),
        "the replay shows the outcome"
    );
    assert_eq!(fake.opportunities().len(), 1);
    assert_eq!(
        fake.write_count("StartEngagementByAcceptingInvitationTask"),
        1,
        "replays write nothing"
    );

    let again = accept(&client, &invitation, "idem-3")
        .send()
        .await
        .unwrap_err();
    let again = again.into_service_error();
    assert!(again.is_conflict_exception(), "{again:?}");
    assert!(
        format!("{again:?}").contains("is ACCEPTED; only a PENDING invitation can be accepted"),
        "{again:?}"
    );
}

#[tokio::test]
async fn invitations_and_tasks_are_filtered_sorted_and_paged() {
    let (fake, clock) = fake_with_clock().await;
    let client = fake.client();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(fake.invite(NewInvitation::default()));
        clock.advance(Duration::from_secs(60));
    }
    let page = |token: Option<String>| {
        client
            .list_engagement_invitations()
            .catalog("Sandbox")
            .participant_type(ParticipantType::Receiver)
            .sort(
                OpportunityEngagementInvitationSort::builder()
                    .sort_by(OpportunityEngagementInvitationSortName::InvitationDate)
                    .sort_order(SortOrder::Ascending)
                    .build()
                    .unwrap(),
            )
            .max_results(2)
            .set_next_token(token)
            .send()
    };
    let first = page(None).await.unwrap();
    let second = page(first.next_token().map(str::to_owned)).await.unwrap();
    assert_eq!(second.next_token(), None);
    let listed: Vec<&str> = first
        .engagement_invitation_summaries()
        .iter()
        .chain(second.engagement_invitation_summaries())
        .map(|s| s.id())
        .collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());

    // Newest first without Sort; the status filter.
    accept(&client, &ids[0], "a").send().await.unwrap();
    accept(&client, &ids[2], "b").send().await.unwrap();
    clock.advance(DELAY);
    let pending = client
        .list_engagement_invitations()
        .catalog("Sandbox")
        .participant_type(ParticipantType::Receiver)
        .status(InvitationStatus::Pending)
        .send()
        .await
        .unwrap();
    let pending: Vec<&str> = pending
        .engagement_invitation_summaries()
        .iter()
        .map(|s| s.id())
        .collect();
    assert_eq!(pending, vec![ids[1].as_str()]);
    let tasks = client
        .list_engagement_by_accepting_invitation_tasks()
        .catalog("Sandbox")
        .task_status(TaskStatus::Complete)
        .send()
        .await
        .unwrap();
    let of: Vec<&str> = tasks
        .task_summaries()
        .iter()
        .filter_map(|t| t.engagement_invitation_id())
        .collect();
    assert_eq!(of, vec![ids[2].as_str(), ids[0].as_str()], "newest first");
    let opportunity = tasks.task_summaries()[0].opportunity_id().unwrap();
    let by_opportunity = client
        .list_engagement_by_accepting_invitation_tasks()
        .catalog("Sandbox")
        .opportunity_identifier(opportunity)
        .send()
        .await
        .unwrap();
    assert_eq!(by_opportunity.task_summaries().len(), 1);
    assert_eq!(
        by_opportunity.task_summaries()[0].engagement_invitation_id(),
        Some(ids[2].as_str())
    );
}
