//! One deal made to match in Partner Central: read HubSpot, map, find or create the
//! opportunity, diff, write, write back. Level-triggered: nothing here depends on which event
//! arrived, so duplicates and reordering converge to the same state.

use std::collections::BTreeMap;

use events::Clock;
use sha2::{Digest, Sha256};

use crate::Processor;
use crate::domain::{DealSnapshot, ExistingOpportunity};
use crate::mapping::{self, Desired, OWN_NOTE_PREFIX, values};
use crate::outcome::Outcome;
use crate::ports::{Crm, CrmError, Opportunities, OpportunityError};
use crate::reconcile::reconcile;

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
}

impl DealResult {
    fn new(
        outcome: Outcome,
        opportunity_id: Option<String>,
        detail: impl Into<Option<String>>,
    ) -> Self {
        DealResult {
            outcome,
            opportunity_id,
            detail: detail.into(),
            writes: 0,
        }
    }
}

/// A failure that must send the record back to the queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Retry(pub String);

impl From<CrmError> for Retry {
    fn from(e: CrmError) -> Self {
        Retry(e.to_string())
    }
}

/// Deterministic CreateOpportunity token: the same deal in the same portal and catalog always
/// sends the same token, so a retried create cannot make a second opportunity. UUID-shaped.
pub fn client_token(catalog: &str, portal_id: u64, deal_id: &str) -> String {
    let digest = Sha256::digest(
        format!("hubspot-partner-central|{catalog}|{portal_id}|{deal_id}").as_bytes(),
    );
    let h = hex::encode(&digest[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl<C: Crm, O: Opportunities, K: Clock> Processor<C, O, K> {
    pub(crate) async fn sync_deal(
        &self,
        portal_id: u64,
        deal_id: &str,
    ) -> Result<DealResult, Retry> {
        let properties = mapping::deal_properties(&self.settings.trigger);
        let Some(deal) = self.crm.get_deal(deal_id, &properties).await? else {
            return Ok(DealResult::new(
                Outcome::NotFound,
                None,
                format!("deal {deal_id} not found"),
            ));
        };
        let linked = deal.prop("aws_opportunity_id").map(str::to_owned);
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
        let snapshot = DealSnapshot {
            deal,
            company,
            contacts,
            notes,
        };

        let today = self.clock.today();
        let desired = match mapping::desired_opportunity(&snapshot, &self.settings, today) {
            Ok(d) => d,
            Err(e) => return self.data_error(&snapshot, linked, e.to_string()).await,
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
                self.sync_existing(&snapshot, id, &desired, 0, false, false)
                    .await
            }
            None => self.create_or_adopt(&snapshot, portal_id, &desired).await,
        }
    }

    async fn create_or_adopt(
        &self,
        snapshot: &DealSnapshot,
        portal_id: u64,
        desired: &Desired,
    ) -> Result<DealResult, Retry> {
        let deal_id = snapshot.deal.id();
        let fields = &desired.fields;
        // A previous attempt may have created the opportunity and then failed to write its id
        // back to the deal: find it by PartnerOpportunityIdentifier before creating.
        let company = Some(fields.account.company_name.as_str()).filter(|n| !n.is_empty());
        if let Some(id) = self
            .opportunities
            .find_by_partner_id(deal_id, company)
            .await
            .map_err(pc_retry)?
        {
            tracing::info!(
                deal_id,
                opportunity_id = id.as_str(),
                "adopting an opportunity created earlier"
            );
            return self
                .sync_existing(snapshot, id, desired, 0, false, true)
                .await;
        }
        let token = client_token(self.settings.catalog.as_str(), portal_id, deal_id);
        let created = match self.opportunities.create(fields, &token).await {
            Ok(created) => created,
            Err(OpportunityError::Conflict(reason)) => {
                // Same token, different body: an earlier attempt created it while the deal
                // looked different. It must exist; look without the company filter.
                match self
                    .opportunities
                    .find_by_partner_id(deal_id, None)
                    .await
                    .map_err(pc_retry)?
                {
                    Some(id) => {
                        return self
                            .sync_existing(snapshot, id, desired, 0, false, true)
                            .await;
                    }
                    None => {
                        return self
                            .data_error(
                                snapshot,
                                None,
                                format!("CreateOpportunity conflict: {reason}"),
                            )
                            .await;
                    }
                }
            }
            Err(e @ OpportunityError::Invalid(_)) => {
                return self.data_error(snapshot, None, e.to_string()).await;
            }
            Err(e) => return Err(pc_retry(e)),
        };
        let mut result = DealResult::new(Outcome::Created, Some(created.id.clone()), None);
        result.writes = 1 + self.associate(&created.id, true).await?;
        self.write_back(
            snapshot,
            status_props(
                &created.id,
                &fields.project.title,
                "synced",
                "",
                "Pending Submission",
            ),
            true,
        )
        .await?;
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

    async fn sync_existing(
        &self,
        snapshot: &DealSnapshot,
        id: String,
        desired: &Desired,
        attempt: u32,
        // The title note was already created by an earlier attempt of this call: `snapshot`
        // was read before it, so it cannot be found there.
        mut title_noted: bool,
        // The deal is not linked yet (an opportunity created earlier is being adopted).
        adopting: bool,
    ) -> Result<DealResult, Retry> {
        let mut fields = desired.fields.clone();
        let existing = match self.opportunities.get(&id).await {
            Ok(e) => e,
            Err(OpportunityError::NotFound(_)) => {
                let reason = format!(
                    "aws_opportunity_id {id} does not exist in the {} catalog; clear it to create a new opportunity",
                    self.settings.catalog.as_str()
                );
                return self.data_error(snapshot, Some(id), reason).await;
            }
            Err(e @ OpportunityError::Invalid(_)) => {
                return self.data_error(snapshot, Some(id), e.to_string()).await;
            }
            Err(e) => return Err(pc_retry(e)),
        };
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
        let title = existing.fields.project.title.clone();
        let today = self.clock.today();
        for kept in reconcile(&existing, &mut fields, desired.close_date_clamped, today) {
            tracing::info!(
                opportunity_id = id.as_str(),
                review = review.as_str(),
                kept,
                "deal value not applied"
            );
        }
        if existing.is_read_only() {
            let reason =
                format!("opportunity {id} is {review} by AWS and read-only until the review ends");
            self.write_back(
                snapshot,
                status_props(&id, &title, "blocked", &reason, &review),
                false,
            )
            .await?;
            return Ok(DealResult::new(Outcome::Blocked, Some(id), reason));
        }
        if existing.fields == fields {
            let writes = self.associate(&id, adopting).await?;
            self.write_back(
                snapshot,
                status_props(&id, &title, "synced", "", &review),
                false,
            )
            .await?;
            let mut result = DealResult::new(Outcome::Unchanged, Some(id), None);
            result.writes = writes;
            return Ok(result);
        }
        match self.opportunities.update(&existing, &fields).await {
            Ok(()) => {
                let writes = 1 + self.associate(&id, adopting).await?;
                self.write_back(
                    snapshot,
                    status_props(&id, &fields.project.title, "synced", "", &review),
                    true,
                )
                .await?;
                let mut result = DealResult::new(Outcome::Updated, Some(id), None);
                result.writes = writes;
                Ok(result)
            }
            Err(OpportunityError::Conflict(reason)) if attempt + 1 < MAX_CONFLICT_RETRIES => {
                tracing::info!(
                    opportunity_id = id.as_str(),
                    reason,
                    attempt,
                    "update conflict: re-reading"
                );
                Box::pin(self.sync_existing(
                    snapshot,
                    id,
                    desired,
                    attempt + 1,
                    title_noted,
                    adopting,
                ))
                .await
            }
            Err(OpportunityError::Conflict(reason)) => Err(Retry(format!(
                "opportunity {id} kept changing during {MAX_CONFLICT_RETRIES} update attempts: {reason}"
            ))),
            Err(e @ OpportunityError::Invalid(_)) => {
                self.data_error(snapshot, Some(id), e.to_string()).await
            }
            Err(e) => Err(pc_retry(e)),
        }
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
        snapshot: &DealSnapshot,
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
    async fn write_back(
        &self,
        snapshot: &DealSnapshot,
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
        Ok(())
    }
}

fn status_props(
    id: &str,
    title: &str,
    status: &str,
    error: &str,
    review: &str,
) -> BTreeMap<String, String> {
    [
        ("aws_opportunity_id", id),
        ("aws_opportunity_title", title),
        ("aws_sync_status", status),
        ("aws_sync_error", error),
        ("aws_review_status", review),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn pc_retry(e: OpportunityError) -> Retry {
    Retry(e.to_string())
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
