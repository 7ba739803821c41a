//! HubSpot CRM search for the reconciliation sweep
//! (<https://developers.hubspot.com/docs/api/crm/search>): filter groups are OR'ed, filters in a
//! group AND'ed; at most 200 results per page and 10 000 reachable by paging one query; search
//! has its own limit of 5 requests per second per account and sends no rate-limit headers.
//!
//! One query finds both kinds of deal the sweep wants (waiting on the sync, or modified in the
//! window), sorted by id; past 10 000 results it starts again above the last id seen.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use super::{HubSpotClient, record, results};
use crate::domain::CrmRecord;
use crate::ports::CrmError;

/// Results per search page (HubSpot's maximum).
pub const SEARCH_PAGE_SIZE: usize = 200;
/// Results one query can page through.
pub const SEARCH_MAX_RESULTS: usize = 10_000;
/// Pause between two searches: HubSpot allows 5 search requests per second per account.
pub const SEARCH_PAUSE: Duration = Duration::from_millis(250);

/// The search body: deals whose property holds one of its `waiting` values, or modified at or
/// after `since`; `above` restarts the scan above an id once a query's 10 000 results are used
/// up. One filter group per condition (HubSpot allows five).
pub fn reconcile_query(
    waiting: &[(&str, &[&str])],
    since: DateTime<Utc>,
    properties: &[String],
    above: Option<&str>,
    after: Option<&str>,
) -> Value {
    let id_floor =
        above.map(|id| json!({"propertyName": "hs_object_id", "operator": "GT", "value": id}));
    let group = |filter: Value| {
        let mut filters = vec![filter];
        filters.extend(id_floor.clone());
        json!({ "filters": filters })
    };
    let mut groups: Vec<Value> = waiting
        .iter()
        .map(|(property, values)| {
            group(json!({"propertyName": property, "operator": "IN", "values": values}))
        })
        .collect();
    groups.push(group(json!({
        "propertyName": "hs_lastmodifieddate",
        "operator": "GTE",
        "value": since.timestamp_millis().to_string(),
    })));
    let mut body = json!({
        "filterGroups": groups,
        "properties": properties,
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": SEARCH_PAGE_SIZE,
    });
    if let Some(after) = after {
        body["after"] = json!(after);
    }
    body
}

impl HubSpotClient {
    pub(super) async fn search_reconcile(
        &self,
        waiting: &[(&str, &[&str])],
        since: DateTime<Utc>,
        properties: &[String],
    ) -> Result<Vec<CrmRecord>, CrmError> {
        let mut found: Vec<CrmRecord> = Vec::new();
        let mut above: Option<String> = None;
        let mut after: Option<String> = None;
        let mut in_query = 0;
        let mut first = true;
        loop {
            if !first {
                tokio::time::sleep(SEARCH_PAUSE).await;
            }
            first = false;
            let body = reconcile_query(
                waiting,
                since,
                properties,
                above.as_deref(),
                after.as_deref(),
            );
            let value = self
                .call(Method::POST, "/crm/v3/objects/deals/search", Some(&body))
                .await?
                .ok_or_else(|| CrmError::Rejected("deal search: 404".to_owned()))?;
            let page: Vec<CrmRecord> = results(&value).iter().filter_map(record).collect();
            in_query += page.len();
            found.extend(page);
            let next = value.pointer("/paging/next/after").and_then(|a| match a {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
            // `after` is HubSpot's offset into the query's results: past 10 000 it is refused.
            let offset = next.as_deref().and_then(|n| n.parse::<usize>().ok());
            match next {
                None => return Ok(found),
                Some(next)
                    if offset.unwrap_or(in_query) + SEARCH_PAGE_SIZE <= SEARCH_MAX_RESULTS =>
                {
                    after = Some(next);
                }
                Some(_) => {
                    // This query's window is used up: a new one above the last id seen.
                    above = found.last().map(|r| r.id.clone());
                    after = None;
                    in_query = 0;
                }
            }
        }
    }

    pub(super) async fn account_portal_id(&self) -> Result<u64, CrmError> {
        let value = self
            .call(Method::GET, "/account-info/v3/details", None)
            .await?
            .ok_or_else(|| CrmError::Rejected("account-info: 404".to_owned()))?;
        value
            .get("portalId")
            .and_then(|p| p.as_u64().or_else(|| p.as_str()?.parse().ok()))
            .ok_or_else(|| CrmError::Rejected(format!("account-info without portalId: {value}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_has_one_or_group_per_condition_and_the_restart_floor() {
        let since = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap_or_default();
        let props = vec!["dealname".to_owned()];
        let waiting: [(&str, &[&str]); 2] = [
            ("aws_sync_status", &["blocked", "submitting"]),
            ("aws_invitation_status", &["pending"]),
        ];
        let q = reconcile_query(&waiting, since, &props, None, None);
        let groups = q["filterGroups"].as_array().cloned().unwrap_or_default();
        assert_eq!(groups.len(), 3);
        assert_eq!(
            groups[0]["filters"][0]["values"],
            json!(["blocked", "submitting"])
        );
        assert_eq!(
            groups[1]["filters"][0]["propertyName"],
            "aws_invitation_status"
        );
        assert_eq!(groups[2]["filters"][0]["value"], "1700000000000");
        assert_eq!(q["limit"], 200);
        assert!(q.get("after").is_none());
        let q = reconcile_query(&waiting, since, &props, Some("42"), Some("200"));
        assert_eq!(q["after"], "200");
        for g in q["filterGroups"].as_array().cloned().unwrap_or_default() {
            assert_eq!(g["filters"][1]["propertyName"], "hs_object_id");
            assert_eq!(g["filters"][1]["value"], "42");
        }
    }
}
