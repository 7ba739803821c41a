//! What the reconciliation and AWS's side need from Partner Central: AWS's summary of a
//! submitted opportunity (GetAwsOpportunitySummary) and the opportunities modified since a
//! time (ListOpportunities filtered on LastModifiedDate,
//! <https://docs.aws.amazon.com/partner-central/latest/APIReference/API_ListOpportunities.html>).
//! Both are reads: each call (each page) takes a token from this instance's read share.

use aws_sdk_partnercentralselling::operation::get_aws_opportunity_summary::GetAwsOpportunitySummaryError;
use aws_sdk_partnercentralselling::operation::list_opportunities::ListOpportunitiesError;
use aws_sdk_partnercentralselling::types::LastModifiedDate;
use chrono::{DateTime, Utc};

use super::{LIST_PAGE_SIZE, PartnerCentralClient, classify};
use crate::domain::{AwsSummary, AwsTeamMember, ListedOpportunity};
use crate::ports::OpportunityError;

impl PartnerCentralClient {
    pub(super) async fn summary(&self, id: &str) -> Result<Option<AwsSummary>, OpportunityError> {
        self.reads.acquire().await;
        let out = match self
            .client
            .get_aws_opportunity_summary()
            .catalog(self.catalog())
            .related_opportunity_identifier(id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                return match classify(e, validation!(GetAwsOpportunitySummaryError)) {
                    OpportunityError::NotFound(_) => Ok(None),
                    other => Err(other),
                };
            }
        };
        let text = |s: Option<&str>| {
            s.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let life_cycle = out.life_cycle();
        Ok(Some(AwsSummary {
            stage: life_cycle
                .and_then(|l| l.stage())
                .map(|s| s.as_str().to_owned()),
            next_steps: text(life_cycle.and_then(|l| l.next_steps())),
            engagement_score: out
                .insights()
                .and_then(|i| i.engagement_score())
                .map(|s| s.as_str().to_owned()),
            team: out
                .opportunity_team()
                .iter()
                .map(|m| AwsTeamMember {
                    role: m
                        .business_title()
                        .map(|t| t.as_str().to_owned())
                        .unwrap_or_default(),
                    first_name: m.first_name().unwrap_or_default().trim().to_owned(),
                    last_name: m.last_name().unwrap_or_default().trim().to_owned(),
                    email: m.email().unwrap_or_default().trim().to_owned(),
                })
                .collect(),
            involvement_type: out.involvement_type().map(|t| t.as_str().to_owned()),
        }))
    }

    pub(super) async fn modified(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<ListedOpportunity>, OpportunityError> {
        let window = LastModifiedDate::builder()
            .after_last_modified_date(aws_smithy_types::DateTime::from_millis(
                since.timestamp_millis(),
            ))
            .build();
        let mut pages = self
            .client
            .list_opportunities()
            .catalog(self.catalog())
            .last_modified_date(window)
            .into_paginator()
            .page_size(LIST_PAGE_SIZE)
            .send();
        let mut found = Vec::new();
        loop {
            // Each page is one read.
            self.reads.acquire().await;
            let Some(page) = pages.next().await else {
                return Ok(found);
            };
            let page = page.map_err(|e| classify(e, validation!(ListOpportunitiesError)))?;
            found.extend(page.opportunity_summaries().iter().filter_map(|s| {
                Some(ListedOpportunity {
                    id: s.id()?.to_owned(),
                    partner_id: s
                        .partner_opportunity_identifier()
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned),
                })
            }));
        }
    }
}
