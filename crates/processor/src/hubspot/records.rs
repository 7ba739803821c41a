//! Records the sync creates in HubSpot for an AWS referral: the deal (with its company), the
//! company when none has the customer's domain, and a to-do task for the deal's owner; plus the
//! lookups they need (one record by a property's value, the default deal pipeline).
//! CRM objects API: <https://developers.hubspot.com/docs/api/crm/understanding-the-crm>;
//! associations on create: <https://developers.hubspot.com/docs/api/crm/associations>;
//! pipelines: <https://developers.hubspot.com/docs/api/crm/pipelines>.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{HubSpotClient, record, results};
use crate::domain::CrmRecord;
use crate::ports::CrmError;

/// HubSpot-defined association type ids.
const DEAL_TO_COMPANY: u32 = 5;
const TASK_TO_DEAL: u32 = 216;

/// A unique-value property already holds the value: HubSpot answers 409 Conflict, or a 400
/// validation error whose message says the value is already used.
pub(super) fn is_duplicate(status: StatusCode, error: &Value) -> bool {
    if status == StatusCode::CONFLICT {
        return true;
    }
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    status == StatusCode::BAD_REQUEST
        && (message.contains("already has that value") || message.contains("unique"))
}

fn association(to: &str, type_id: u32) -> Value {
    json!({
        "to": {"id": to},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    })
}

impl HubSpotClient {
    /// The first record of `kind` whose `property` equals `value` (CRM search).
    pub(super) async fn find_one(
        &self,
        kind: &str,
        property: &str,
        value: &str,
        properties: &[String],
    ) -> Result<Option<CrmRecord>, CrmError> {
        let body = json!({
            "filterGroups": [{"filters": [{"propertyName": property, "operator": "EQ", "value": value}]}],
            "properties": properties,
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": 1,
        });
        let path = format!("/crm/v3/objects/{kind}/search");
        let answer = self.call(Method::POST, &path, Some(&body)).await?;
        Ok(answer
            .as_ref()
            .and_then(|v| results(v).first().and_then(record)))
    }

    pub(super) async fn create_deal_record(
        &self,
        properties: &BTreeMap<String, String>,
        company_id: Option<&str>,
    ) -> Result<String, CrmError> {
        let associations: Vec<Value> = company_id
            .map(|c| association(c, DEAL_TO_COMPANY))
            .into_iter()
            .collect();
        let body = json!({"properties": properties, "associations": associations});
        self.create("deals", &body).await
    }

    pub(super) async fn company_by_domain(
        &self,
        domain: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<String, CrmError> {
        if let Some(found) = self
            .find_one("companies", "domain", domain, &["domain".to_owned()])
            .await?
        {
            return Ok(found.id);
        }
        let mut properties = properties.clone();
        properties.insert("domain".to_owned(), domain.to_owned());
        self.create("companies", &json!({"properties": properties}))
            .await
    }

    pub(super) async fn create_task(
        &self,
        deal_id: &str,
        subject: &str,
        body: &str,
        due: DateTime<Utc>,
        owner_id: Option<&str>,
    ) -> Result<(), CrmError> {
        let mut properties = json!({
            "hs_task_subject": subject,
            "hs_task_body": body,
            "hs_timestamp": due.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH",
            "hs_task_type": "TODO",
        });
        if let Some(owner) = owner_id {
            properties["hubspot_owner_id"] = json!(owner);
        }
        let request = json!({
            "properties": properties,
            "associations": [association(deal_id, TASK_TO_DEAL)],
        });
        self.create("tasks", &request).await.map(|_| ())
    }

    pub(super) async fn first_stage(
        &self,
        wanted: Option<&str>,
    ) -> Result<(String, String), CrmError> {
        let answer = self
            .call(Method::GET, "/crm/v3/pipelines/deals", None)
            .await?
            .ok_or_else(|| CrmError::Rejected("deal pipelines: 404".to_owned()))?;
        let pipelines = results(&answer);
        let pipeline = match wanted {
            Some(id) => pipelines
                .iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
                .ok_or_else(|| CrmError::Rejected(format!("deal pipeline {id} does not exist")))?,
            None => pipelines
                .iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some("default"))
                .or_else(|| pipelines.first())
                .ok_or_else(|| CrmError::Rejected("the portal has no deal pipeline".to_owned()))?,
        };
        let id = pipeline
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        let stage = pipeline
            .get("stages")
            .and_then(Value::as_array)
            .and_then(|stages| {
                stages
                    .iter()
                    .min_by_key(|s| s.get("displayOrder").and_then(Value::as_i64).unwrap_or(0))
            })
            .and_then(|s| s.get("id").and_then(Value::as_str))
            .ok_or_else(|| CrmError::Rejected(format!("deal pipeline {id} has no stage")))?
            .to_owned();
        Ok((id, stage))
    }

    /// POST a new record; its id.
    async fn create(&self, kind: &str, body: &Value) -> Result<String, CrmError> {
        let path = format!("/crm/v3/objects/{kind}");
        let answer = self
            .call(Method::POST, &path, Some(body))
            .await?
            .ok_or_else(|| CrmError::Rejected(format!("POST {path}: 404")))?;
        record(&answer)
            .map(|r| r.id)
            .ok_or_else(|| CrmError::Transient(format!("POST {path}: unexpected answer {answer}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_recognised() {
        assert!(is_duplicate(StatusCode::CONFLICT, &Value::Null));
        let unique = json!({"message": "Property values were not valid: aws_invitation_id already has that value"});
        assert!(is_duplicate(StatusCode::BAD_REQUEST, &unique));
        let other = json!({"message": "Property values were not valid: amount"});
        assert!(!is_duplicate(StatusCode::BAD_REQUEST, &other));
        assert!(!is_duplicate(StatusCode::NOT_FOUND, &Value::Null));
    }
}
