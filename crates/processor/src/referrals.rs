//! AWS referrals (docs/architecture.md, "AWS referrals"). AWS sends a partner an engagement
//! invitation; the sync makes it one HubSpot deal, a person decides on the deal
//! (`aws_invitation_decision`), and the decision goes back to Partner Central:
//! StartEngagementByAcceptingInvitationTask (asynchronous, followed like the submission task;
//! on COMPLETE the new opportunity is linked to the deal and syncs both ways from then on) or
//! RejectEngagementInvitation with the reason. Answers given in the Partner Central console,
//! and invitations that expire, are mirrored in `aws_invitation_status`.
//!
//! Exactly one deal per invitation: invitation hints travel in the invitation's own message
//! group; the deal is looked up by `aws_invitation_id` before it is created, and that property
//! is unique in HubSpot, so a create racing another (another instance, the sweep) is refused
//! and the winner's deal is used. The deal is created without `aws_invitation_status`; the task
//! for its owner is created next and the status written last, so a crash in between is
//! finished by the next look at the invitation.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use events::{Clock, EventSource, SyncEvent};
use sha2::{Digest, Sha256};

use crate::Processor;
use crate::batch::DealCache;
use crate::domain::{AcceptTask, CrmRecord, DealSnapshot, Invitation, InvitationState, TaskState};
use crate::mapping::values;
use crate::outcome::Outcome;
use crate::ports::{Crm, CrmError, Opportunities, OpportunityError};
use crate::submission::uuid_shaped;
use crate::sync::{DealResult, Retry};

pub const INVITATION_ID: &str = "aws_invitation_id";
pub const INVITATION_STATUS: &str = "aws_invitation_status";
pub const INVITATION_EXPIRES_AT: &str = "aws_invitation_expires_at";
pub const INVITATION_DECISION: &str = "aws_invitation_decision";
pub const REJECTION_REASON: &str = "aws_invitation_rejection_reason";
/// RejectEngagementInvitation's documented reasons
/// (<https://docs.aws.amazon.com/partner-central/latest/APIReference/API_RejectEngagementInvitation.html>).
pub const REJECTION_REASONS: [&str; 5] = [
    "Customer problem unclear",
    "Next steps unclear",
    "Unable to support",
    "Duplicate of partner referral",
    "Other",
];
/// `aws_invitation_status` values of deals the sweep looks at every time.
pub const OPEN_INVITATION_STATUSES: [&str; 2] = ["pending", "accepting"];
/// The task is due this long before the invitation expires.
const TASK_LEAD: chrono::Duration = chrono::Duration::hours(24);
const FOLLOW_MARGIN: Duration = Duration::from_secs(2);
/// A referral deal still without `aws_invitation_status` this long after its creation was
/// abandoned by its creator (a crash between the create and the status): finish it.
const UNFINISHED_AFTER: chrono::Duration = chrono::Duration::minutes(5);
const FOLLOW_PAUSE: Duration = Duration::from_millis(500);

/// What the referral step decided for a deal that carries an invitation.
pub(crate) enum ReferralStep {
    Done(DealResult),
    /// The invitation was accepted: the deal is linked to this opportunity; sync it as such.
    Linked(String, Option<&'static str>),
}

fn result(outcome: Outcome, detail: impl Into<String>) -> DealResult {
    DealResult::new(outcome, None, Some(detail.into()))
}

/// Deterministic accept token: the same invitation and attempt always send the same token.
pub fn accept_token(catalog: &str, invitation_id: &str, failed_before: usize) -> String {
    let digest = Sha256::digest(
        format!("hubspot-referral|{catalog}|{invitation_id}|{failed_before}").as_bytes(),
    );
    uuid_shaped(&digest)
}

fn team_lines(invitation: &Invitation) -> String {
    let mut lines: Vec<String> = invitation
        .sender_contacts
        .iter()
        .map(|m| {
            let name = format!("{} {}", m.first_name, m.last_name);
            [m.role.as_str(), name.trim(), m.email.as_str()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|l| !l.is_empty())
        .collect();
    lines.sort();
    lines.join("\n")
}

fn domain_of(website: &str) -> Option<String> {
    let host = website
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split(['/', '?', '#'])
        .next()?
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    (!host.is_empty() && host.contains('.')).then_some(host)
}

fn iso(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl<C: Crm, O: Opportunities, K: Clock> Processor<C, O, K> {
    /// An invitation hint: the invitation's deal is made when it is pending and has none, then
    /// the deal is handed a hint (its own sync mirrors the status and carries out decisions).
    pub(crate) async fn sync_invitation(
        &self,
        event: &SyncEvent,
        invitation_id: &str,
        cache: &DealCache,
        deadline: Instant,
    ) -> DealResult {
        match self
            .invitation_step(event, invitation_id, cache, deadline)
            .await
        {
            Ok(r) => r,
            Err(e) if e.quota => result(Outcome::Deferred, e.reason),
            // HubSpot refuses the deal itself (a currency the portal lacks, an owner or stage
            // that does not exist): no deal to show it on. Logged and acknowledged; the next
            // sweep tries again once the configuration is fixed.
            Err(e) if e.reason.starts_with("HubSpot rejected the request") => {
                tracing::error!(
                    invitation_id,
                    error = e.reason.as_str(),
                    "AWS referral: HubSpot refused its deal; check REFERRAL_* and the portal"
                );
                result(Outcome::DataError, e.reason)
            }
            Err(e) => result(Outcome::TransientError, e.reason),
        }
    }

    async fn invitation_step(
        &self,
        event: &SyncEvent,
        invitation_id: &str,
        cache: &DealCache,
        deadline: Instant,
    ) -> Result<DealResult, Retry> {
        let Some(invitation) = self
            .opportunities
            .invitation(invitation_id)
            .await
            .map_err(crate::sync::pc_retry)?
        else {
            return Ok(result(
                Outcome::NotFound,
                format!("invitation {invitation_id} not found"),
            ));
        };
        if !invitation.is_opportunity {
            return Ok(result(
                Outcome::Skipped,
                format!("invitation {invitation_id} is not an opportunity invitation"),
            ));
        }
        let properties: Vec<String> = [INVITATION_ID, INVITATION_STATUS, "dealname", "createdate"]
            .map(str::to_owned)
            .to_vec();
        let mut received = None;
        let mut ours = false;
        let deal = match self
            .crm
            .find_deal(INVITATION_ID, invitation_id, &properties)
            .await?
        {
            Some(deal) => deal,
            None if invitation.state == Some(InvitationState::Pending)
                && invitation.expires_at.is_none_or(|e| e > self.clock.now()) =>
            {
                let (deal, created) = self.create_referral_deal(&invitation, &properties).await?;
                ours = created;
                received = created.then_some("received");
                deal
            }
            None => {
                return Ok(result(
                    Outcome::Skipped,
                    format!(
                        "invitation {invitation_id} is {:?} and has no deal: nothing to decide",
                        invitation.state
                    ),
                ));
            }
        };
        // The deal's creator finishes it (task, then status). Anyone else leaves an unfinished
        // deal to its creator, unless the creator has clearly stopped (crashed) long ago.
        let abandoned = deal
            .prop("createdate")
            .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
            .is_some_and(|c| self.clock.now() - c.with_timezone(&chrono::Utc) > UNFINISHED_AFTER);
        if deal.prop(INVITATION_STATUS).is_none() && (ours || abandoned) {
            self.finish_referral_deal(&deal, &invitation).await?;
        }
        let hint = SyncEvent::deal_hint(
            EventSource::Aws,
            event.portal_id,
            &deal.id,
            &event.correlation_id,
            event.occurred_at,
            self.clock.now().timestamp_millis(),
        );
        let note = self
            .send_hints(&[hint], cache, deadline)
            .await
            .map_err(Retry::new)?;
        let mut r = result(
            if received.is_some() {
                Outcome::Received
            } else {
                Outcome::Forwarded
            },
            format!("invitation {invitation_id}: deal {} ({note})", deal.id),
        );
        r.referral = received;
        Ok(r)
    }

    /// The deal for a pending invitation (see the module docs for why it is exactly one).
    /// The deal and whether this call created it.
    async fn create_referral_deal(
        &self,
        invitation: &Invitation,
        properties: &[String],
    ) -> Result<(CrmRecord, bool), Retry> {
        let referral = &self.settings.referrals;
        let (pipeline, stage) = match (&referral.pipeline, &referral.stage) {
            (Some(p), Some(s)) => (p.clone(), s.clone()),
            (pipeline, stage) => {
                let (pipeline, first_stage) =
                    self.crm.pipeline_first_stage(pipeline.as_deref()).await?;
                (pipeline, stage.clone().unwrap_or(first_stage))
            }
        };
        let company = match invitation.website.as_deref().and_then(domain_of) {
            Some(domain) => {
                let mut props = BTreeMap::new();
                if let Some(name) = &invitation.company_name {
                    props.insert("name".to_owned(), name.clone());
                }
                if let Some(site) = &invitation.website {
                    props.insert("website".to_owned(), site.clone());
                }
                Some(self.crm.company_for_domain(&domain, &props).await?)
            }
            None => None,
        };
        let title = invitation
            .project_title
            .clone()
            .or_else(|| invitation.engagement_title.clone())
            .unwrap_or_else(|| format!("AWS referral {}", invitation.id));
        let mut description = invitation.business_problem.clone().unwrap_or_default();
        if let Some(message) = &invitation.message {
            description = format!("{description}\n\nAWS's message: {message}");
        }
        let mut props: BTreeMap<String, String> = [
            ("dealname", values::truncate_clean(&title, 255)),
            ("pipeline", pipeline),
            ("dealstage", stage),
            ("description", description.trim().to_owned()),
            (INVITATION_ID, invitation.id.clone()),
            ("aws_team", team_lines(invitation)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if let Some((amount, currency)) = &invitation.expected_spend {
            props.insert("amount".to_owned(), amount.clone());
            props.insert("deal_currency_code".to_owned(), currency.clone());
        }
        if let Some(date) = &invitation.target_completion_date {
            props.insert("closedate".to_owned(), date.clone());
        }
        if let Some(expires) = invitation.expires_at {
            props.insert(INVITATION_EXPIRES_AT.to_owned(), iso(expires));
        }
        if let Some(owner) = &referral.owner_id {
            props.insert("hubspot_owner_id".to_owned(), owner.clone());
        }
        match self.crm.create_deal(&props, company.as_deref()).await {
            Ok(id) => {
                tracing::info!(
                    invitation_id = invitation.id.as_str(),
                    deal_id = id.as_str(),
                    "AWS referral received: deal created"
                );
                Ok((CrmRecord { id, properties: props }, true))
            }
            // Another instance or the sweep made it first: use theirs.
            Err(CrmError::Duplicate(reason)) => self
                .crm
                .find_deal(INVITATION_ID, &invitation.id, properties)
                .await?
                .map(|deal| (deal, false))
                .ok_or_else(|| {
                    Retry::new(format!(
                        "invitation {}: HubSpot says a deal has it ({reason}) but none is found yet",
                        invitation.id
                    ))
                }),
            Err(e) => Err(e.into()),
        }
    }

    /// The owner's task and, last, `aws_invitation_status` (marks the deal complete).
    async fn finish_referral_deal(
        &self,
        deal: &CrmRecord,
        invitation: &Invitation,
    ) -> Result<(), Retry> {
        // A task made by an attempt that failed afterwards (before the status) is not made twice.
        let has_task = self.crm.deal_task_count(&deal.id).await? > 0;
        if invitation.state == Some(InvitationState::Pending) && !has_task {
            let now = self.clock.now();
            let due = invitation
                .expires_at
                .map(|e| (e - TASK_LEAD).max(now))
                .unwrap_or(now + TASK_LEAD);
            let expires = invitation
                .expires_at
                .map(|e| format!(" before {}", iso(e)))
                .unwrap_or_default();
            let subject = format!(
                "Accept or reject the AWS referral \"{}\"",
                deal.prop("dealname").unwrap_or(&invitation.id)
            );
            let body = format!(
                "AWS referred this opportunity to us (invitation {}). Decide{expires}: set \"AWS invitation decision\" (aws_invitation_decision) to accept or reject; when rejecting, pick a reason in aws_invitation_rejection_reason. An unanswered invitation expires.",
                invitation.id
            );
            self.crm
                .create_deal_task(
                    &deal.id,
                    &subject,
                    &body,
                    due,
                    self.settings.referrals.owner_id.as_deref(),
                )
                .await?;
        }
        let status = invitation
            .state
            .map_or("pending", InvitationState::as_property);
        let mut props = BTreeMap::new();
        props.insert(INVITATION_STATUS.to_owned(), status.to_owned());
        self.crm.update_deal(&deal.id, &props).await?;
        Ok(())
    }

    /// A deal that carries an invitation and no opportunity yet: mirror the invitation's state
    /// and carry out the decision.
    pub(crate) async fn referral_step(
        &self,
        snapshot: &mut DealSnapshot,
        invitation_id: &str,
        deadline: Instant,
    ) -> Result<ReferralStep, Retry> {
        let Some(invitation) = self
            .opportunities
            .invitation(invitation_id)
            .await
            .map_err(crate::sync::pc_retry)?
        else {
            let reason = format!("AWS invitation {invitation_id} does not exist (any more)");
            return self.referral_error(snapshot, reason, None).await;
        };
        let tasks = self
            .opportunities
            .accept_tasks(invitation_id)
            .await
            .map_err(crate::sync::pc_retry)?;
        let decision = snapshot
            .deal
            .prop(INVITATION_DECISION)
            .map(str::to_ascii_lowercase);
        let now = self.clock.now();
        let state = match invitation.state {
            Some(InvitationState::Pending) if invitation.expires_at.is_some_and(|e| e <= now) => {
                Some(InvitationState::Expired)
            }
            other => other,
        };
        let pending = state == Some(InvitationState::Pending);
        match tasks.first() {
            Some(task) if task.state != TaskState::Failed => {
                return self
                    .follow_accept(snapshot, &invitation, task.clone(), deadline)
                    .await;
            }
            // A failed acceptance stays shown until a person decides again: accept anew (after
            // the failure is shown: a new attempt below, with a new token) or reject.
            Some(task)
                if pending
                    && decision.as_deref() != Some("reject")
                    && (decision.as_deref() != Some("accept")
                        || !self.failure_shown(snapshot, task)) =>
            {
                let reason = accept_failure(task);
                self.mirror(snapshot, &invitation, "pending", Some(reason.clone()), None)
                    .await?;
                return Ok(ReferralStep::Done(result(Outcome::DataError, reason)));
            }
            _ => {}
        }
        let auto = self.settings.referrals.auto_accept;
        match (state, decision.as_deref()) {
            (Some(InvitationState::Pending), Some("accept")) => {
                self.accept(snapshot, &invitation, &tasks, deadline).await
            }
            // Auto-accept, unless an earlier attempt was refused (shown; a person decides then).
            (Some(InvitationState::Pending), None)
                if auto && snapshot.deal.prop("aws_sync_status") != Some("error") =>
            {
                self.accept(snapshot, &invitation, &tasks, deadline).await
            }
            (Some(InvitationState::Pending), Some("reject")) => {
                self.reject(snapshot, &invitation).await
            }
            // Not finished by the invitation's own look yet (task, status): that look does it.
            (Some(InvitationState::Pending), _)
                if snapshot.deal.prop(INVITATION_STATUS).is_none() =>
            {
                Ok(ReferralStep::Done(result(
                    Outcome::Skipped,
                    format!("AWS referral {invitation_id}: its deal is being made"),
                )))
            }
            (Some(InvitationState::Pending), _) => {
                self.mirror(snapshot, &invitation, "pending", None, None)
                    .await?;
                Ok(ReferralStep::Done(result(
                    Outcome::Skipped,
                    format!("AWS referral {invitation_id} waits for a decision"),
                )))
            }
            (Some(other), decided) => {
                let status = other.as_property();
                // A decision that can no longer be carried out is explained, never retried.
                // The same answer given elsewhere (or ours, seen again) needs no explanation.
                let same = matches!(
                    (other, decided),
                    (InvitationState::Accepted, Some("accept"))
                        | (InvitationState::Rejected, Some("reject"))
                );
                let explanation = decided.filter(|d| !d.is_empty() && !same).map(|d| {
                    format!(
                        "the decision \"{d}\" was not sent: AWS invitation {invitation_id} is already {status} (answered in Partner Central, or expired)"
                    )
                });
                let counted = (snapshot.deal.prop(INVITATION_STATUS) != Some(status)).then_some(
                    match other {
                        InvitationState::Expired => "expired",
                        InvitationState::Rejected => "rejected",
                        _ => "accepted",
                    },
                );
                // A rejection moves the deal to the lost stage once (also when our own move
                // failed after the rejection went through: the status is not written then).
                let stage = (other == InvitationState::Rejected
                    && snapshot.deal.prop(INVITATION_STATUS) != Some("rejected"))
                .then(|| self.settings.referrals.rejected_stage.clone())
                .flatten();
                self.mirror(snapshot, &invitation, status, explanation.clone(), stage)
                    .await?;
                let mut r = result(
                    if explanation.is_some() {
                        Outcome::DataError
                    } else {
                        Outcome::Unchanged
                    },
                    explanation
                        .unwrap_or_else(|| format!("AWS invitation {invitation_id} is {status}")),
                );
                r.referral = counted;
                Ok(ReferralStep::Done(r))
            }
            (None, _) => Ok(ReferralStep::Done(result(
                Outcome::Skipped,
                format!("AWS invitation {invitation_id} has a status this version does not know"),
            ))),
        }
    }

    fn failure_shown(&self, snapshot: &DealSnapshot, task: &AcceptTask) -> bool {
        snapshot
            .deal
            .prop("aws_sync_error")
            .is_some_and(|e| e.contains(&task.id))
    }

    async fn accept(
        &self,
        snapshot: &mut DealSnapshot,
        invitation: &Invitation,
        tasks: &[AcceptTask],
        deadline: Instant,
    ) -> Result<ReferralStep, Retry> {
        let failed = tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .count();
        let token = accept_token(self.settings.catalog.as_str(), &invitation.id, failed);
        match self
            .opportunities
            .start_accept(&invitation.id, &token)
            .await
        {
            Ok(task) => {
                tracing::info!(
                    invitation_id = invitation.id.as_str(),
                    task_id = task.id.as_str(),
                    "accepting the AWS referral"
                );
                self.follow_accept(snapshot, invitation, task, deadline)
                    .await
            }
            // Refused: answered elsewhere or expired meanwhile, or the token was used.
            Err(OpportunityError::Conflict(reason) | OpportunityError::Invalid(reason)) => {
                self.refused(snapshot, invitation, "accept", &reason).await
            }
            Err(e) => Err(crate::sync::pc_retry(e)),
        }
    }

    async fn follow_accept(
        &self,
        snapshot: &mut DealSnapshot,
        invitation: &Invitation,
        mut task: AcceptTask,
        deadline: Instant,
    ) -> Result<ReferralStep, Retry> {
        let until = (Instant::now() + self.settings.submission_follow)
            .min(deadline.checked_sub(FOLLOW_MARGIN).unwrap_or(deadline));
        loop {
            match task.state {
                TaskState::Complete => {
                    let Some(opportunity) = task.opportunity_id.clone() else {
                        let reason = format!(
                            "AWS accepted invitation {} (task {}) without naming the opportunity; set aws_opportunity_id by hand",
                            invitation.id, task.id
                        );
                        return self.referral_error(snapshot, reason, None).await;
                    };
                    let counted = (snapshot.deal.prop(INVITATION_STATUS) != Some("accepted"))
                        .then_some("accepted");
                    let mut props = BTreeMap::new();
                    props.insert(INVITATION_STATUS.to_owned(), "accepted".to_owned());
                    props.insert("aws_opportunity_id".to_owned(), opportunity.clone());
                    self.write_back(snapshot, props, false).await?;
                    tracing::info!(
                        invitation_id = invitation.id.as_str(),
                        opportunity_id = opportunity.as_str(),
                        "AWS referral accepted: deal linked"
                    );
                    return Ok(ReferralStep::Linked(opportunity, counted));
                }
                TaskState::Failed => {
                    let reason = accept_failure(&task);
                    self.mirror(snapshot, invitation, "pending", Some(reason.clone()), None)
                        .await?;
                    return Ok(ReferralStep::Done(result(Outcome::DataError, reason)));
                }
                TaskState::InProgress if Instant::now() + FOLLOW_PAUSE > until => {
                    self.mirror(snapshot, invitation, "accepting", None, None)
                        .await?;
                    return Ok(ReferralStep::Done(result(
                        Outcome::Accepting,
                        format!(
                            "accept task {} is still running at AWS; the deal's next sync finishes it",
                            task.id
                        ),
                    )));
                }
                TaskState::InProgress => {
                    tokio::time::sleep(FOLLOW_PAUSE).await;
                    let tasks = self
                        .opportunities
                        .accept_tasks(&invitation.id)
                        .await
                        .map_err(crate::sync::pc_retry)?;
                    if let Some(now) = tasks.into_iter().find(|t| t.id == task.id) {
                        task = now;
                    }
                }
            }
        }
    }

    async fn reject(
        &self,
        snapshot: &mut DealSnapshot,
        invitation: &Invitation,
    ) -> Result<ReferralStep, Retry> {
        let reason = snapshot
            .deal
            .prop(REJECTION_REASON)
            .and_then(|r| REJECTION_REASONS.iter().find(|v| v.eq_ignore_ascii_case(r)))
            .copied()
            .unwrap_or("Other");
        match self
            .opportunities
            .reject_invitation(&invitation.id, reason)
            .await
        {
            Ok(()) => {
                let stage = self.settings.referrals.rejected_stage.clone();
                if snapshot.deal.prop("aws_sync_status") == Some("error") {
                    let mut clear = BTreeMap::new();
                    clear.insert("aws_sync_status".to_owned(), String::new());
                    clear.insert("aws_sync_error".to_owned(), String::new());
                    self.write_back(snapshot, clear, false).await?;
                }
                self.mirror(snapshot, invitation, "rejected", None, stage)
                    .await?;
                let mut r = result(
                    Outcome::Updated,
                    format!("AWS invitation {} rejected: {reason}", invitation.id),
                );
                r.referral = Some("rejected");
                Ok(ReferralStep::Done(r))
            }
            Err(OpportunityError::Conflict(why) | OpportunityError::Invalid(why)) => {
                self.refused(snapshot, invitation, "reject", &why).await
            }
            Err(e) => Err(crate::sync::pc_retry(e)),
        }
    }

    /// AWS refused to `verb` the invitation: its state as AWS holds it now, with the
    /// explanation, on the deal (never retried).
    async fn refused(
        &self,
        snapshot: &mut DealSnapshot,
        invitation: &Invitation,
        verb: &str,
        reason: &str,
    ) -> Result<ReferralStep, Retry> {
        let now = self.opportunities.invitation(&invitation.id).await;
        let status = now
            .ok()
            .flatten()
            .and_then(|i| i.state)
            .map_or("pending", InvitationState::as_property);
        let explanation = format!(
            "AWS refused to {verb} invitation {}: {reason}",
            invitation.id
        );
        self.mirror(
            snapshot,
            invitation,
            status,
            Some(explanation.clone()),
            None,
        )
        .await?;
        Ok(ReferralStep::Done(result(Outcome::DataError, explanation)))
    }

    /// The invitation's state on the deal (only what differs is written). `error` puts the
    /// explanation in `aws_sync_error` and clears the spent decision; `stage` moves the deal (a
    /// rejected referral).
    async fn mirror(
        &self,
        snapshot: &mut DealSnapshot,
        invitation: &Invitation,
        status: &str,
        error: Option<String>,
        stage: Option<String>,
    ) -> Result<(), Retry> {
        let mut props = BTreeMap::new();
        props.insert(INVITATION_STATUS.to_owned(), status.to_owned());
        if let Some(expires) = invitation.expires_at {
            props.insert(INVITATION_EXPIRES_AT.to_owned(), iso(expires));
        }
        // Without an error, an explanation shown stays until the deal is linked or rejected by
        // us: our own write-back (the cleared decision echoes as a webhook) must not erase it.
        if let Some(text) = error {
            // The decision was spent: a person decides again if there is still a choice.
            if snapshot.deal.prop(INVITATION_DECISION).is_some() {
                props.insert(INVITATION_DECISION.to_owned(), String::new());
            }
            props.insert("aws_sync_status".to_owned(), "error".to_owned());
            props.insert(
                "aws_sync_error".to_owned(),
                values::truncate_clean(&text, 2000),
            );
        }
        if let Some(stage) = stage {
            props.insert("dealstage".to_owned(), stage);
        }
        self.write_back(snapshot, props, false).await
    }

    /// An error on the referral deal; `decision` replaces `aws_invitation_decision` (empty
    /// clears it, so a person decides again).
    async fn referral_error(
        &self,
        snapshot: &mut DealSnapshot,
        reason: String,
        decision: Option<&str>,
    ) -> Result<ReferralStep, Retry> {
        let mut props = BTreeMap::new();
        props.insert("aws_sync_status".to_owned(), "error".to_owned());
        props.insert(
            "aws_sync_error".to_owned(),
            values::truncate_clean(&reason, 2000),
        );
        if let Some(d) = decision {
            props.insert(INVITATION_DECISION.to_owned(), d.to_owned());
        }
        self.write_back(snapshot, props, false).await?;
        Ok(ReferralStep::Done(result(Outcome::DataError, reason)))
    }
}

/// A FAILED accept task as the deal shows it (its id marks it as shown).
fn accept_failure(task: &AcceptTask) -> String {
    format!(
        "accepting the AWS referral failed (task {}): {} {}",
        task.id,
        task.reason_code.as_deref().unwrap_or("no reason code"),
        task.message.as_deref().unwrap_or("")
    )
    .trim()
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_come_from_websites() {
        assert_eq!(
            domain_of("https://www.Example.com/about").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            domain_of("shop.example.co.uk").as_deref(),
            Some("shop.example.co.uk")
        );
        assert_eq!(domain_of("not a site"), None);
        assert_eq!(domain_of(""), None);
    }

    #[test]
    fn accept_tokens_are_stable_per_attempt() {
        let t = accept_token("Sandbox", "engi-1", 0);
        assert_eq!(t, accept_token("Sandbox", "engi-1", 0));
        assert_ne!(t, accept_token("Sandbox", "engi-1", 1));
        assert_ne!(t, accept_token("AWS", "engi-1", 0));
        assert_eq!(t.len(), 36);
    }
}
