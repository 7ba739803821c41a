//! One deal made to match in Partner Central: read HubSpot, map, find or create the
//! opportunity, submit it when asked, diff, write, write back. Level-triggered: nothing here
//! depends on which event arrived, so duplicates and reordering converge to the same state.
//!
//! The opportunity's life (docs/architecture.md, "Submission and review"): a draft (`Pending
//! Submission`) is kept equal to the deal; when the submit trigger fires it is checked, brought
//! up to date and submitted with StartEngagementFromOpportunityTask, whose task is followed; AWS's
//! review then decides what may still be written (see [`crate::reconcile`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use events::Clock;
use sha2::{Digest, Sha256};

use crate::Processor;
use crate::domain::{AwsSummary, DealSnapshot, ExistingOpportunity, SubmissionTask, TaskState};
use crate::mapping::{self, Desired, OWN_NOTE_PREFIX, values};
use crate::outcome::Outcome;
use crate::ports::{Crm, CrmError, Opportunities, OpportunityError};
use crate::reconcile::reconcile;
use crate::referrals::{INVITATION_ID, ReferralStep};
use crate::settings::{INVOLVEMENT_PROPERTY, SUBMIT_PROPERTY, SubmitTrigger};
use crate::submission::{self, uuid_shaped};

/// UpdateOpportunity attempts when `LastModifiedDate` keeps moving under us.
pub const MAX_CONFLICT_RETRIES: u32 = 3;
/// HubSpot text properties hold far more, but an error longer than this helps nobody.
const SYNC_ERROR_MAX: usize = 2000;

/// What syncing one deal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealResult {
    pub outcome: Outcome,
    pub opportunity_id: Option<String>,
    pub detail: Option<String>,
    /// Successful Partner Central writes (create, update, associate).
    pub writes: u64,
    /// What happened to an AWS referral, when this result is one (`ReferralOutcome` metric):
    /// `received`, `accepted`, `rejected`, `expired`.
    pub referral: Option<&'static str>,
}

impl DealResult {
    pub(crate) fn new(
        outcome: Outcome,
        opportunity_id: Option<String>,
        detail: impl Into<Option<String>>,
    ) -> Self {
        DealResult {
            outcome,
            opportunity_id,
            detail: detail.into(),
            writes: 0,
            referral: None,
        }
    }
}

/// The submission task is followed until this long before the record's deadline.
const FOLLOW_MARGIN: Duration = Duration::from_secs(2);
/// First and longest pause between two looks at a running submission task.
const FOLLOW_FIRST_PAUSE: Duration = Duration::from_millis(500);
const FOLLOW_MAX_PAUSE: Duration = Duration::from_secs(4);

/// A failure that must send the record back to the queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Retry {
    pub reason: String,
    /// The partner account's Partner Central quota refused a call (still throttled after the
    /// retries, or the 24-hour quota is spent): the event is handed back, never failed for it.
    pub quota: bool,
}

impl Retry {
    pub fn new(reason: impl Into<String>) -> Self {
        Retry {
            reason: reason.into(),
            quota: false,
        }
    }
}

impl From<CrmError> for Retry {
    fn from(e: CrmError) -> Self {
        Retry::new(e.to_string())
    }
}

/// What the submission step found: a FAILED task to keep showing (the draft still follows
/// the deal), or an ordinary step.
enum SubmissionStep {
    Failed(Box<ExistingOpportunity>, SubmissionTask),
    Step(Step),
}

/// What an opportunity step decided: the record's result, or go on with the opportunity as it
/// is now and the writes made so far.
enum Step {
    Done(DealResult),
    Continue(Box<ExistingOpportunity>, u64),
}

/// Deterministic CreateOpportunity token: the same deal in the same portal and catalog always
/// sends the same token, so a retried create cannot make a second opportunity. UUID-shaped.
pub fn client_token(catalog: &str, portal_id: u64, deal_id: &str) -> String {
    let digest = Sha256::digest(
        format!("hubspot-partner-central|{catalog}|{portal_id}|{deal_id}").as_bytes(),
    );
    uuid_shaped(&digest)
}

impl<C: Crm, O: Opportunities, K: Clock> Processor<C, O, K> {
    /// `deadline`: when this record must be done (the batch's stop time); a submission task
    /// is followed only until shortly before it.
    pub(crate) async fn sync_deal(
        &self,
        portal_id: u64,
        deal_id: &str,
        deadline: Instant,
    ) -> Result<DealResult, Retry> {
        let properties = mapping::deal_properties(&self.settings.trigger);
        let Some(deal) = self.crm.get_deal(deal_id, &properties).await? else {
            return Ok(DealResult::new(
                Outcome::NotFound,
                None,
                format!("deal {deal_id} not found"),
            ));
        };
        let mut linked = deal.prop("aws_opportunity_id").map(str::to_owned);
        let mut deal = deal;
        let mut referral = None;
        // An AWS referral not accepted yet: its invitation decides what happens.
        if let (None, Some(invitation_id)) = (&linked, deal.prop(INVITATION_ID).map(str::to_owned))
        {
            let mut snapshot = DealSnapshot {
                deal,
                company: None,
                contacts: Vec::new(),
                notes: Vec::new(),
            };
            match self
                .referral_step(&mut snapshot, &invitation_id, deadline)
                .await?
            {
                ReferralStep::Done(r) => return Ok(r),
                ReferralStep::Linked(id, counted) => {
                    linked = Some(id);
                    referral = counted;
                    deal = snapshot.deal;
                }
            }
        }
        let mut result = self
            .sync_deal_mapped(portal_id, deal, linked, deadline)
            .await?;
        result.referral = result.referral.or(referral);
        Ok(result)
    }

    async fn sync_deal_mapped(
        &self,
        portal_id: u64,
        deal: crate::domain::Deal,
        linked: Option<String>,
        deadline: Instant,
    ) -> Result<DealResult, Retry> {
        let deal_id = deal.id().to_owned();
        let deal_id = deal_id.as_str();
        if linked.is_none() && !mapping::is_triggered(&deal.record, &self.settings.trigger) {
            return Ok(DealResult::new(
                Outcome::Skipped,
                None,
                "deal is not marked for AWS".to_owned(),
            ));
        }
        let company = match deal.company_ids.first() {
            Some(id) => self.crm.get_company(id).await?,
            None => None,
        };
        let contacts = self.crm.get_contacts(&deal.contact_ids).await?;
        let notes = self.crm.get_notes(&deal.note_ids).await?;
        let mut snapshot = DealSnapshot {
            deal,
            company,
            contacts,
            notes,
        };

        let today = self.clock.today();
        let desired = match mapping::desired_opportunity(&snapshot, &self.settings, today) {
            Ok(d) => d,
            Err(e) => return self.data_error(&mut snapshot, linked, e.to_string()).await,
        };
        for adjustment in &desired.adjustments {
            tracing::info!(
                deal_id,
                adjustment = adjustment.as_str(),
                "mapping adjusted a value"
            );
        }
        match linked {
            Some(id) => {
                self.sync_linked(&mut snapshot, id, &desired, deadline, false)
                    .await
            }
            None => {
                self.create_or_adopt(&mut snapshot, portal_id, &desired, deadline)
                    .await
            }
        }
    }

    async fn create_or_adopt(
        &self,
        snapshot: &mut DealSnapshot,
        portal_id: u64,
        desired: &Desired,
        deadline: Instant,
    ) -> Result<DealResult, Retry> {
        let deal_id = snapshot.deal.id().to_owned();
        let fields = &desired.fields;
        // A deal that asks for submission but could not pass it costs no call at all.
        if submission::wants_submission(&self.settings, snapshot, desired, None) {
            let missing = submission::missing_for_submission(
                snapshot,
                desired,
                &submission::submission(&self.settings, snapshot),
                self.opportunities.has_solution(),
                self.clock.today(),
            );
            if !missing.is_empty() {
                let reason = missing_text(&missing, None);
                return self.data_error(snapshot, None, reason).await;
            }
        }
        // A previous attempt may have created the opportunity and then failed to write its id
        // back to the deal: find it by PartnerOpportunityIdentifier before creating.
        let company = Some(fields.account.company_name.as_str()).filter(|n| !n.is_empty());
        if let Some(id) = self
            .opportunities
            .find_by_partner_id(&deal_id, company)
            .await
            .map_err(pc_retry)?
        {
            tracing::info!(
                deal_id,
                opportunity_id = id.as_str(),
                "adopting an opportunity created earlier"
            );
            return self
                .sync_linked(snapshot, id, desired, deadline, true)
                .await;
        }
        let token = client_token(self.settings.catalog.as_str(), portal_id, &deal_id);
        let mut fields = fields.clone();
        if fields.life_cycle.stage == "Launched" {
            // Launched needs AWS's approval first; the draft starts at the stage before it,
            // with a date an open stage may carry.
            fields.life_cycle.stage = "Committed".to_owned();
            fields.project.sales_activities = mapping::sales_activities("Committed");
            fields
                .life_cycle
                .target_close_date
                .clone_from(&desired.open_close_date);
        }
        let created = match self.opportunities.create(&fields, &token).await {
            Ok(created) => created,
            Err(OpportunityError::Conflict(reason)) => {
                // Same token, different body: an earlier attempt created it while the deal
                // looked different. It must exist; look without the company filter.
                return match self
                    .opportunities
                    .find_by_partner_id(&deal_id, None)
                    .await
                    .map_err(pc_retry)?
                {
                    Some(id) => {
                        self.sync_linked(snapshot, id, desired, deadline, true)
                            .await
                    }
                    None => {
                        self.data_error(
                            snapshot,
                            None,
                            format!("CreateOpportunity conflict: {reason}"),
                        )
                        .await
                    }
                };
            }
            Err(e @ OpportunityError::Invalid(_)) => {
                return self.data_error(snapshot, None, e.to_string()).await;
            }
            Err(e) => return Err(pc_retry(e)),
        };
        let writes = 1 + self.associate(&created.id, true).await?;
        self.write_back(
            snapshot,
            status_props(
                &created.id,
                &fields.project.title,
                "synced",
                "",
                "Pending Submission",
                "",
            ),
            true,
        )
        .await?;
        let mut result = DealResult::new(Outcome::Created, Some(created.id.clone()), None);
        result.writes = writes;
        if submission::wants_submission(&self.settings, snapshot, desired, None) {
            let mut submitted = self
                .sync_linked(snapshot, created.id, desired, deadline, false)
                .await?;
            submitted.writes += writes;
            return Ok(submitted);
        }
        Ok(result)
    }

    /// Associates the solution while the deal is not linked yet (create or adopt). It must
    /// happen before the write-back links the deal: linked deals take the update path, which
    /// never associates, so a failure after linking would be lost.
    async fn associate(&self, id: &str, unlinked: bool) -> Result<u64, Retry> {
        if !unlinked {
            return Ok(0);
        }
        let called = self
            .opportunities
            .associate_solution(id)
            .await
            .map_err(pc_retry)?;
        Ok(u64::from(called))
    }

    /// A linked deal (or one being adopted): finish or start a submission while the
    /// opportunity is a draft, then send what its review state allows and report the state.
    async fn sync_linked(
        &self,
        snapshot: &mut DealSnapshot,
        id: String,
        desired: &Desired,
        deadline: Instant,
        adopting: bool,
    ) -> Result<DealResult, Retry> {
        let existing = match self.read_opportunity(snapshot, &id).await? {
            Step::Continue(existing, _) => *existing,
            Step::Done(result) => return Ok(result),
        };
        let (step, failure) = self
            .submission_step(snapshot, existing, desired, deadline)
            .await?;
        let existing = match step {
            Step::Continue(existing, _) => *existing,
            Step::Done(result) => return Ok(result),
        };
        let (existing, writes) = match self
            .update_to_match(snapshot, existing, desired, adopting)
            .await?
        {
            Step::Continue(existing, writes) => (*existing, writes),
            Step::Done(result) => return Ok(result),
        };
        self.report_state(snapshot, &existing, writes, None, failure.as_ref())
            .await
    }

    async fn read_opportunity(&self, snapshot: &mut DealSnapshot, id: &str) -> Result<Step, Retry> {
        match self.opportunities.get(id).await {
            Ok(e) => Ok(Step::Continue(Box::new(e), 0)),
            Err(OpportunityError::NotFound(_)) => {
                let reason = format!(
                    "aws_opportunity_id {id} does not exist in the {} catalog; clear it to create a new opportunity",
                    self.settings.catalog.as_str()
                );
                Ok(Step::Done(
                    self.data_error(snapshot, Some(id.to_owned()), reason)
                        .await?,
                ))
            }
            Err(e @ OpportunityError::Invalid(_)) => Ok(Step::Done(
                self.data_error(snapshot, Some(id.to_owned()), e.to_string())
                    .await?,
            )),
            Err(e) => Err(pc_retry(e)),
        }
    }

    /// While the opportunity is a draft: a task already started (by an earlier attempt, another
    /// instance, or the partner's console) is looked up before anything else and finished; a
    /// FAILED one is returned to be shown on the deal while the draft goes on following it;
    /// otherwise, if the trigger asks for it, the deal is checked, the draft brought up to date
    /// and one task started.
    async fn submission_step(
        &self,
        snapshot: &mut DealSnapshot,
        existing: ExistingOpportunity,
        desired: &Desired,
        deadline: Instant,
    ) -> Result<(Step, Option<SubmissionTask>), Retry> {
        let step = self
            .submission(snapshot, existing, desired, deadline)
            .await?;
        Ok(match step {
            SubmissionStep::Failed(existing, task) => (Step::Continue(existing, 0), Some(task)),
            SubmissionStep::Step(step) => (step, None),
        })
    }

    async fn submission(
        &self,
        snapshot: &mut DealSnapshot,
        existing: ExistingOpportunity,
        desired: &Desired,
        deadline: Instant,
    ) -> Result<SubmissionStep, Retry> {
        let draft = existing
            .review_status
            .as_deref()
            .is_none_or(|s| s == "Pending Submission");
        if !draft || self.settings.submit_trigger == SubmitTrigger::Off {
            return Ok(SubmissionStep::Step(Step::Continue(Box::new(existing), 0)));
        }
        // A task may exist whatever the deal says (a crash before the write-back, the console):
        // look whenever a submission is asked for or the deal shows one under way or failed.
        let status = snapshot.deal.prop("aws_sync_status");
        let ticked = submission::is_checked(snapshot.deal.prop(SUBMIT_PROPERTY));
        let look = ticked
            || matches!(status, Some("submitting" | "error"))
            || submission::wants_submission(&self.settings, snapshot, desired, None);
        if !look {
            return Ok(SubmissionStep::Step(Step::Continue(Box::new(existing), 0)));
        }
        let tasks = self
            .opportunities
            .submission_tasks(&existing.id)
            .await
            .map_err(pc_retry)?;
        let latest = tasks.first().cloned();
        match &latest {
            Some(task) if task.state == TaskState::InProgress => {
                return self
                    .follow(snapshot, existing, task.clone(), deadline, 0)
                    .await
                    .map(|r| SubmissionStep::Step(Step::Done(r)));
            }
            Some(task) if task.state == TaskState::Complete => {
                // Submitted: the review status moved on; read it.
                return self
                    .read_opportunity(snapshot, &existing.id)
                    .await
                    .map(SubmissionStep::Step);
            }
            // A failure stays on the deal (aws_submit cleared once) while the draft goes on
            // following the deal, until a person submits again by ticking aws_submit while the
            // failure is shown. Ticked but not shown yet: the tick is the request that failed.
            Some(task) if !ticked || !submission::failure_shown(snapshot, task) => {
                return Ok(SubmissionStep::Failed(Box::new(existing), task.clone()));
            }
            _ => {}
        }
        if !submission::wants_submission(&self.settings, snapshot, desired, latest.as_ref()) {
            return Ok(SubmissionStep::Step(Step::Continue(Box::new(existing), 0)));
        }
        let submission = submission::submission(&self.settings, snapshot);
        // Linked before a solution was configured: it is associated once the rest passes.
        let associate = existing.solutions.is_empty() && self.opportunities.has_solution();
        let has_solution = !existing.solutions.is_empty() || associate;
        let missing = submission::missing_for_submission(
            snapshot,
            desired,
            &submission,
            has_solution,
            self.clock.today(),
        );
        if !missing.is_empty() {
            let reason = missing_text(&missing, latest.as_ref());
            return self
                .data_error(snapshot, Some(existing.id.clone()), reason)
                .await
                .map(|r| SubmissionStep::Step(Step::Done(r)));
        }
        // AWS reviews what the opportunity holds: bring the draft up to date first.
        let (existing, mut writes) = match self
            .update_to_match(snapshot, existing, desired, associate)
            .await?
        {
            Step::Continue(existing, writes) => (*existing, writes),
            done @ Step::Done(_) => return Ok(SubmissionStep::Step(done)),
        };
        let attempt = tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .count();
        let token =
            submission::submission_token(self.settings.catalog.as_str(), &existing.id, attempt);
        let task = match self
            .opportunities
            .start_submission(&existing.id, &submission, &token)
            .await
        {
            Ok(task) => {
                writes += 1;
                tracing::info!(
                    opportunity_id = existing.id.as_str(),
                    task_id = task.id.as_str(),
                    involvement = submission.involvement_type.as_str(),
                    visibility = submission.visibility.as_str(),
                    "submission started"
                );
                task
            }
            Err(OpportunityError::Conflict(reason)) => {
                // Another instance (or the console) started a task first, or this token was
                // used with other choices: follow what exists.
                let tasks = self
                    .opportunities
                    .submission_tasks(&existing.id)
                    .await
                    .map_err(pc_retry)?;
                match tasks.into_iter().next() {
                    Some(task) if task.state != TaskState::Failed => task,
                    _ => {
                        return Err(Retry::new(format!(
                            "submission of {} refused: {reason}",
                            existing.id
                        )));
                    }
                }
            }
            Err(e @ OpportunityError::Invalid(_)) => {
                // Refused outright: shown like a FAILED task, and not asked again on every
                // event (aws_submit cleared).
                let reason = format!("submission to AWS refused: {e}");
                let mut result = self
                    .submission_refused(snapshot, &existing, &reason)
                    .await?;
                result.writes += writes;
                return Ok(SubmissionStep::Step(Step::Done(result)));
            }
            Err(e) => return Err(pc_retry(e)),
        };
        self.follow(snapshot, existing, task, deadline, writes)
            .await
            .map(|r| SubmissionStep::Step(Step::Done(r)))
    }

    /// Looks at a submission task until it ends or this record's follow budget is spent. A
    /// task still running then leaves the deal `submitting` and the record acknowledged: the
    /// deal's next sync looks the task up again.
    async fn follow(
        &self,
        snapshot: &mut DealSnapshot,
        existing: ExistingOpportunity,
        mut task: SubmissionTask,
        deadline: Instant,
        writes: u64,
    ) -> Result<DealResult, Retry> {
        let until = (Instant::now() + self.settings.submission_follow)
            .min(deadline.checked_sub(FOLLOW_MARGIN).unwrap_or(deadline));
        let mut pause = Duration::ZERO;
        loop {
            match task.state {
                TaskState::Complete => {
                    let existing = match self.read_opportunity(snapshot, &existing.id).await? {
                        Step::Continue(existing, _) => *existing,
                        Step::Done(result) => return Ok(result),
                    };
                    return self
                        .report_state(snapshot, &existing, writes, Some(Outcome::Submitted), None)
                        .await;
                }
                TaskState::Failed => {
                    let mut result = self.report_failure(snapshot, &existing, &task).await?;
                    result.writes += writes;
                    return Ok(result);
                }
                TaskState::InProgress if Instant::now() + pause > until => {
                    let reason = format!(
                        "submission task {} is still running at AWS; the next sync of this deal finishes it",
                        task.id
                    );
                    self.write_back(
                        snapshot,
                        status_props(
                            &existing.id,
                            &existing.fields.project.title,
                            "submitting",
                            "",
                            existing.review_status.as_deref().unwrap_or(""),
                            "",
                        ),
                        writes > 0,
                    )
                    .await?;
                    let mut result =
                        DealResult::new(Outcome::Submitting, Some(existing.id), reason);
                    result.writes = writes;
                    return Ok(result);
                }
                TaskState::InProgress => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).clamp(FOLLOW_FIRST_PAUSE, FOLLOW_MAX_PAUSE);
                    let tasks = self
                        .opportunities
                        .submission_tasks(&existing.id)
                        .await
                        .map_err(pc_retry)?;
                    if let Some(now) = tasks.into_iter().find(|t| t.id == task.id) {
                        task = now;
                    }
                }
            }
        }
    }

    /// A FAILED task on the deal: AWS's reason code and message, and `aws_submit` cleared so a
    /// person can submit again after fixing the deal.
    async fn report_failure(
        &self,
        snapshot: &mut DealSnapshot,
        existing: &ExistingOpportunity,
        task: &SubmissionTask,
    ) -> Result<DealResult, Retry> {
        tracing::warn!(
            opportunity_id = existing.id.as_str(),
            task_id = task.id.as_str(),
            reason_code = task.reason_code.as_deref().unwrap_or(""),
            "submission task failed"
        );
        self.submission_refused(snapshot, existing, &submission::failure_text(task))
            .await
    }

    /// A submission AWS would not take, on the deal (`error`), with `aws_submit` cleared.
    async fn submission_refused(
        &self,
        snapshot: &mut DealSnapshot,
        existing: &ExistingOpportunity,
        reason: &str,
    ) -> Result<DealResult, Retry> {
        let mut props = BTreeMap::new();
        props.insert("aws_sync_status".to_owned(), "error".to_owned());
        props.insert(
            "aws_sync_error".to_owned(),
            values::truncate_clean(reason, SYNC_ERROR_MAX),
        );
        if submission::is_checked(snapshot.deal.prop(SUBMIT_PROPERTY)) {
            props.insert(SUBMIT_PROPERTY.to_owned(), "false".to_owned());
        }
        self.write_back(snapshot, props, false).await?;
        Ok(DealResult::new(
            Outcome::DataError,
            Some(existing.id.clone()),
            reason.to_owned(),
        ))
    }

    /// Sends what the review state allows of the deal's current values (with the optimistic
    /// concurrency retry) and returns the opportunity as Partner Central holds it afterwards.
    async fn update_to_match(
        &self,
        snapshot: &mut DealSnapshot,
        mut existing: ExistingOpportunity,
        desired: &Desired,
        adopting: bool,
    ) -> Result<Step, Retry> {
        // The title note was already created by an earlier attempt: `snapshot` was read before
        // it, so it cannot be found there.
        let mut title_noted = false;
        let mut attempt = 0;
        loop {
            let mut fields = desired.fields.clone();
            let review = existing.review_status.clone().unwrap_or_default();
            if existing.title_is_frozen() && !existing.fields.project.title.is_empty() {
                let wanted = std::mem::replace(
                    &mut fields.project.title,
                    existing.fields.project.title.clone(),
                );
                if wanted != existing.fields.project.title && !title_noted {
                    self.note_frozen_title(snapshot, &existing, &wanted).await?;
                    title_noted = true;
                }
            }
            let today = self.clock.today();
            for kept in reconcile(
                &existing,
                &mut fields,
                desired.close_date_clamped,
                &desired.open_close_date,
                today,
            ) {
                tracing::info!(
                    opportunity_id = existing.id.as_str(),
                    review = review.as_str(),
                    kept,
                    "deal value not applied"
                );
            }
            if existing.is_read_only() || existing.fields == fields {
                let writes = self.associate(&existing.id, adopting).await?;
                return Ok(Step::Continue(Box::new(existing), writes));
            }
            match self.opportunities.update(&existing, &fields).await {
                Ok(()) => {
                    let writes = 1 + self.associate(&existing.id, adopting).await?;
                    // The status after the write, not before it: a fix sent under Action
                    // Required puts the opportunity back into review.
                    return Ok(match self.read_opportunity(snapshot, &existing.id).await? {
                        Step::Continue(now, _) => Step::Continue(now, writes),
                        done @ Step::Done(_) => done,
                    });
                }
                Err(OpportunityError::Conflict(reason)) if attempt + 1 < MAX_CONFLICT_RETRIES => {
                    tracing::info!(
                        opportunity_id = existing.id.as_str(),
                        reason,
                        attempt,
                        "update conflict: re-reading"
                    );
                    attempt += 1;
                    existing = match self.read_opportunity(snapshot, &existing.id).await? {
                        Step::Continue(now, _) => *now,
                        done @ Step::Done(_) => return Ok(done),
                    };
                }
                Err(OpportunityError::Conflict(reason)) => {
                    return Err(Retry::new(format!(
                        "opportunity {} kept changing during {MAX_CONFLICT_RETRIES} update attempts: {reason}",
                        existing.id
                    )));
                }
                Err(e @ OpportunityError::Invalid(_)) => {
                    return self
                        .data_error(snapshot, Some(existing.id.clone()), e.to_string())
                        .await
                        .map(Step::Done);
                }
                Err(e) => return Err(pc_retry(e)),
            }
        }
    }

    /// The deal shows the opportunity's state as Partner Central holds it now.
    async fn report_state(
        &self,
        snapshot: &mut DealSnapshot,
        existing: &ExistingOpportunity,
        writes: u64,
        outcome: Option<Outcome>,
        failure: Option<&SubmissionTask>,
    ) -> Result<DealResult, Retry> {
        let id = existing.id.as_str();
        let review = existing.review_status.clone().unwrap_or_default();
        let comments = review_comments(existing);
        let draft = review.is_empty() || review == "Pending Submission";
        let (status, message, state_outcome) = match review.as_str() {
            _ if draft && failure.is_some() => (
                "error",
                failure.map(submission::failure_text).unwrap_or_default(),
                Outcome::DataError,
            ),
            "Submitted" | "In review" => (
                "blocked",
                format!(
                    "AWS is reviewing opportunity {id} ({review}); edits to this deal are sent when the review ends"
                ),
                Outcome::Blocked,
            ),
            "Action Required" => (
                "action_required",
                format!(
                    "AWS asks for changes to opportunity {id} (see aws_review_comments); only the address, website, close date, spend and business problem can be sent"
                ),
                Outcome::ActionRequired,
            ),
            "Rejected" => (
                "rejected",
                format!(
                    "AWS rejected opportunity {id} (see aws_review_comments); it is final and nothing more is sent"
                ),
                Outcome::Rejected,
            ),
            _ => ("synced", String::new(), Outcome::Unchanged),
        };
        let mut props = status_props(
            id,
            &existing.fields.project.title,
            status,
            &message,
            &review,
            &comments,
        );
        if status == "error" && submission::is_checked(snapshot.deal.prop(SUBMIT_PROPERTY)) {
            // The failure is shown for the first time: the tick that asked for it is spent.
            props.insert(SUBMIT_PROPERTY.to_owned(), "false".to_owned());
        }
        if !draft {
            // AWS's side exists once the opportunity was submitted. It is extra information:
            // when it cannot be read (a role without GetAwsOpportunitySummary, a refusal) the
            // deal still gets its status, and the next sync tries again. Only the quota holds
            // the record back (handed back to the queue, never failed).
            match self.opportunities.aws_summary(id).await {
                Ok(Some(summary)) => props.extend(aws_side_props(&summary)),
                Ok(None) => {}
                Err(e @ OpportunityError::Throttled(_)) => return Err(pc_retry(e)),
                Err(e) => tracing::warn!(
                    opportunity_id = id,
                    error = %e,
                    "AWS's summary could not be read; the deal keeps its AWS-side values"
                ),
            }
        }
        self.write_back(snapshot, props, writes > 0).await?;
        let outcome = outcome.unwrap_or(if writes > 0 {
            Outcome::Updated
        } else {
            state_outcome
        });
        let mut result = DealResult::new(
            outcome,
            Some(id.to_owned()),
            Some(message).filter(|m| !m.is_empty()),
        );
        result.writes = writes;
        Ok(result)
    }

    /// The title cannot follow a rename after submission; say so on the deal, once per name.
    async fn note_frozen_title(
        &self,
        snapshot: &DealSnapshot,
        existing: &ExistingOpportunity,
        wanted: &str,
    ) -> Result<(), Retry> {
        let text = format!(
            "{OWN_NOTE_PREFIX} this deal's title would now be \"{wanted}\", but opportunity {} keeps its title \"{}\" because AWS does not allow a title change after submission.",
            existing.id, existing.fields.project.title
        );
        // Note bodies are HTML: read back, markup-like text (`<phase 2>`) is gone if HubSpot
        // stored it raw and decoded if it escaped it; whitespace is collapsed either way. A
        // miss here would add a note per event (and, with note subscriptions, loop).
        let as_markup = values::plain_text(&text);
        let as_text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if snapshot.notes.iter().any(|n| {
            let body = values::plain_text(&n.body);
            body == as_markup || body == as_text
        }) {
            return Ok(());
        }
        self.crm
            .create_deal_note(snapshot.deal.id(), &text, self.clock.now())
            .await?;
        Ok(())
    }

    async fn data_error(
        &self,
        snapshot: &mut DealSnapshot,
        opportunity_id: Option<String>,
        reason: String,
    ) -> Result<DealResult, Retry> {
        let reason = values::truncate_clean(&reason, SYNC_ERROR_MAX);
        let mut props = BTreeMap::new();
        props.insert("aws_sync_status".to_owned(), "error".to_owned());
        props.insert("aws_sync_error".to_owned(), reason.clone());
        self.write_back(snapshot, props, false).await?;
        Ok(DealResult::new(Outcome::DataError, opportunity_id, reason))
    }

    /// Diff before write: PATCH only properties that differ, so our own write-back (which
    /// HubSpot echoes as `deal.propertyChange` webhooks) settles after one round.
    /// `aws_last_synced_at` is only stamped together with a real change or after a Partner
    /// Central write, never alone, otherwise every echo would cause another echo.
    pub(crate) async fn write_back(
        &self,
        snapshot: &mut DealSnapshot,
        mut props: BTreeMap<String, String>,
        wrote_opportunity: bool,
    ) -> Result<(), Retry> {
        let deal = &snapshot.deal;
        props.retain(|name, value| deal.prop(name).unwrap_or("") != value.trim());
        if props.is_empty() && !wrote_opportunity {
            return Ok(());
        }
        if props.get("aws_sync_status").map(String::as_str) != Some("error") {
            props.insert(
                "aws_last_synced_at".to_owned(),
                self.clock
                    .now()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            );
        }
        self.crm.update_deal(deal.id(), &props).await?;
        // Later steps of this sync diff against what the deal holds now.
        snapshot.deal.record.properties.extend(props);
        Ok(())
    }
}

fn status_props(
    id: &str,
    title: &str,
    status: &str,
    error: &str,
    review: &str,
    comments: &str,
) -> BTreeMap<String, String> {
    [
        ("aws_opportunity_id", id),
        ("aws_opportunity_title", title),
        ("aws_sync_status", status),
        ("aws_sync_error", error),
        ("aws_review_status", review),
        ("aws_review_comments", comments),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// `Insights.EngagementScore` values, the options of the `aws_engagement_score` dropdown.
pub const ENGAGEMENT_SCORES: [&str; 3] = ["High", "Medium", "Low"];

/// AWS's side on the deal. Members AWS left empty clear the property, except
/// `aws_involvement_type`, a person's input before submission: it only ever takes AWS's value.
fn aws_side_props(summary: &AwsSummary) -> BTreeMap<String, String> {
    // Sorted: AWS's order may change between reads, and a different order must not count as
    // a change of the deal.
    let mut team: Vec<String> = summary
        .team
        .iter()
        .map(|m| {
            let name = format!("{} {}", m.first_name, m.last_name);
            [m.role.as_str(), name.trim(), m.email.as_str()]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .filter(|line| !line.is_empty())
        .collect();
    team.sort();
    // `aws_engagement_score` is a HubSpot dropdown: a value it does not offer would fail the
    // whole write-back.
    let score = summary
        .engagement_score
        .clone()
        .filter(|s| ENGAGEMENT_SCORES.contains(&s.as_str()));
    let mut props: BTreeMap<String, String> = [
        ("aws_seller_stage", summary.stage.clone()),
        ("aws_seller_next_steps", summary.next_steps.clone()),
        ("aws_engagement_score", score),
        ("aws_team", Some(team.join("\n"))),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.unwrap_or_default()))
    .collect();
    if let Some(involvement) = summary
        .involvement_type
        .as_deref()
        .filter(|v| !v.is_empty())
    {
        props.insert(INVOLVEMENT_PROPERTY.to_owned(), involvement.to_owned());
    }
    props
}

pub(crate) fn pc_retry(e: OpportunityError) -> Retry {
    Retry {
        quota: matches!(e, OpportunityError::Throttled(_)),
        reason: e.to_string(),
    }
}

/// AWS's review comments and reason code, as `aws_review_comments` shows them (Action Required
/// and Rejected; empty otherwise).
fn review_comments(existing: &ExistingOpportunity) -> String {
    if !matches!(
        existing.review_status.as_deref(),
        Some("Action Required" | "Rejected")
    ) {
        return String::new();
    }
    let comments = existing.review_comments.as_deref().unwrap_or("").trim();
    match existing.review_status_reason.as_deref().map(str::trim) {
        Some(reason) if !reason.is_empty() && !comments.is_empty() => {
            format!("{comments} (reason: {reason})")
        }
        Some(reason) if !reason.is_empty() => format!("reason: {reason}"),
        _ => comments.to_owned(),
    }
}

/// The pre-submission check's verdict, with the last failed task when there is one (its id
/// keeps that failure marked as reported).
fn missing_text(missing: &[String], latest: Option<&SubmissionTask>) -> String {
    let mut text = format!("not submitted to AWS: fill in {}", missing.join("; "));
    if let Some(task) = latest.filter(|t| t.state == TaskState::Failed) {
        text.push_str(&format!(
            " (the previous {})",
            submission::failure_text(task)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_are_stable_and_distinct() {
        let t = client_token("Sandbox", 62515, "7");
        assert_eq!(t, client_token("Sandbox", 62515, "7"));
        assert_eq!(t.len(), 36);
        assert_eq!(t.matches('-').count(), 4);
        assert_ne!(t, client_token("AWS", 62515, "7"));
        assert_ne!(t, client_token("Sandbox", 62516, "7"));
        assert_ne!(t, client_token("Sandbox", 62515, "8"));
    }
}
