//! Deal pipelines: the portal's one pipeline, HubSpot's default "Sales Pipeline" (id
//! `default`), served by the CRM pipelines API (`GET /crm/v3/pipelines/deals`, one pipeline
//! and its stages; <https://developers.hubspot.com/docs/api/crm/pipelines>). Its stage ids are
//! also the options of the `dealstage` enumeration, so a deal written with a stage outside the
//! pipeline is refused (400 `INVALID_OPTION`), and `pipeline` only takes `default`; a deal
//! created without `pipeline` is put in the default one, as the deals guide says
//! (<https://developers.hubspot.com/docs/api/crm/deals>).
//!
//! Stage metadata is as HubSpot returns it: strings, `probability` a decimal from `0.0` to
//! `1.0` and `isClosed` `"true"` / `"false"`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Shared, errors};

/// The default pipeline's id.
pub(crate) const DEFAULT_PIPELINE: &str = "default";

/// One stage of the default pipeline: id, label, win probability, closed?
struct Stage {
    id: &'static str,
    label: &'static str,
    probability: &'static str,
    closed: bool,
}

const fn stage(
    id: &'static str,
    label: &'static str,
    probability: &'static str,
    closed: bool,
) -> Stage {
    Stage {
        id,
        label,
        probability,
        closed,
    }
}

/// HubSpot's default sales pipeline, in display order.
const DEFAULT_STAGES: [Stage; 7] = [
    stage(
        "appointmentscheduled",
        "Appointment Scheduled",
        "0.2",
        false,
    ),
    stage("qualifiedtobuy", "Qualified To Buy", "0.4", false),
    stage(
        "presentationscheduled",
        "Presentation Scheduled",
        "0.6",
        false,
    ),
    stage(
        "decisionmakerboughtin",
        "Decision Maker Bought-In",
        "0.8",
        false,
    ),
    stage("contractsent", "Contract Sent", "0.9", false),
    stage("closedwon", "Closed Won", "1.0", true),
    stage("closedlost", "Closed Lost", "0.0", true),
];

/// The stage ids `dealstage` accepts.
pub(crate) fn stage_ids() -> Vec<String> {
    DEFAULT_STAGES.iter().map(|s| s.id.to_owned()).collect()
}

/// HubSpot's built-in pipeline and stages carry the epoch as their creation time.
const BUILT_IN: &str = "1970-01-01T00:00:00Z";

fn stages_json() -> Vec<Value> {
    DEFAULT_STAGES
        .iter()
        .zip(0..)
        .map(|(s, order)| {
            json!({
                "label": s.label,
                "displayOrder": order,
                "metadata": { "isClosed": s.closed.to_string(), "probability": s.probability },
                "id": s.id,
                "createdAt": BUILT_IN,
                "updatedAt": BUILT_IN,
                "archived": false,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            })
        })
        .collect()
}

fn pipeline_json() -> Value {
    json!({
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "id": DEFAULT_PIPELINE,
        "stages": stages_json(),
        "createdAt": BUILT_IN,
        "updatedAt": BUILT_IN,
        "archived": false,
    })
}

/// Only deals have pipelines in this portal.
fn deals_only(object_type: &str) -> Result<(), Box<Response>> {
    match object_type {
        "deals" | "deal" | "0-3" => Ok(()),
        other => Err(Box::new(errors::error(
            StatusCode::NOT_FOUND,
            "OBJECT_NOT_FOUND",
            format!("The sandbox HubSpot fake has no pipelines for {other}"),
            Vec::new(),
        ))),
    }
}

fn unknown_pipeline(id: &str) -> Response {
    errors::error(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        format!("Unable to find pipeline {id}"),
        Vec::new(),
    )
}

/// `GET /crm/v3/pipelines/{objectType}`
pub(crate) async fn list(
    State(_shared): State<Arc<Shared>>,
    Path(object_type): Path<String>,
) -> Response {
    match deals_only(&object_type) {
        Ok(()) => Json(json!({ "results": [pipeline_json()] })).into_response(),
        Err(response) => *response,
    }
}

/// `GET /crm/v3/pipelines/{objectType}/{pipelineId}`
pub(crate) async fn one(
    State(_shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
) -> Response {
    if let Err(response) = deals_only(&object_type) {
        return *response;
    }
    if id == DEFAULT_PIPELINE {
        Json(pipeline_json()).into_response()
    } else {
        unknown_pipeline(&id)
    }
}

/// `GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages`
pub(crate) async fn stages(
    State(_shared): State<Arc<Shared>>,
    Path((object_type, id)): Path<(String, String)>,
) -> Response {
    if let Err(response) = deals_only(&object_type) {
        return *response;
    }
    if id == DEFAULT_PIPELINE {
        Json(json!({ "results": stages_json() })).into_response()
    } else {
        unknown_pipeline(&id)
    }
}
