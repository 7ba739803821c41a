//! One HTTP request → one operation: protocol checks, injected faults, quotas, then the
//! operation itself, and the call log.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value};

use super::limits::Class;
use super::protocol::{self, AwsError};
use super::{CallRecord, PartnerCentralFault, Shared, ops};
use crate::lock;

fn class_of(operation: &str) -> Option<Class> {
    match operation {
        "GetOpportunity"
        | "ListOpportunities"
        | "ListEngagementFromOpportunityTasks"
        | "GetAwsOpportunitySummary"
        | "ListEngagementInvitations"
        | "GetEngagementInvitation"
        | "ListEngagementByAcceptingInvitationTasks" => Some(Class::Read),
        "CreateOpportunity"
        | "UpdateOpportunity"
        | "AssociateOpportunity"
        | "StartEngagementFromOpportunityTask"
        | "StartEngagementByAcceptingInvitationTask"
        | "RejectEngagementInvitation" => Some(Class::Write),
        _ => None,
    }
}

fn fault_error(fault: PartnerCentralFault) -> AwsError {
    match fault {
        PartnerCentralFault::Throttling => AwsError::Throttling("Rate exceeded".to_owned()),
        PartnerCentralFault::InternalServer => {
            AwsError::Internal("An internal error occurred (injected by the sandbox)".to_owned())
        }
        PartnerCentralFault::AccessDenied => AwsError::AccessDenied(
            "User is not authorized to perform this action (injected by the sandbox)".to_owned(),
        ),
        PartnerCentralFault::Conflict => AwsError::Conflict(
            "The opportunity was modified by another request (injected by the sandbox)".to_owned(),
        ),
    }
}

struct Served {
    operation: String,
    catalog: Option<String>,
    result: Result<ops::Outcome, AwsError>,
}

fn serve(shared: &Shared, headers: &HeaderMap, raw: &Bytes) -> Served {
    let mut served = Served {
        operation: String::new(),
        catalog: None,
        result: Err(AwsError::Internal(String::new())),
    };
    let operation = match protocol::operation(headers) {
        Ok(operation) => operation,
        Err(error) => {
            served.result = Err(error);
            return served;
        }
    };
    served.operation.clone_from(&operation);
    let injected = {
        let mut control = lock(&shared.control);
        let position = control
            .faults
            .iter()
            .position(|f| f.operation.as_deref().is_none_or(|op| op == operation));
        position.map(|i| control.faults.remove(i).fault)
    };
    if let Some(fault) = injected {
        served.result = Err(fault_error(fault));
        return served;
    }
    let body: Map<String, Value> = match serde_json::from_slice(raw) {
        Ok(Value::Object(body)) => body,
        _ => {
            served.result = Err(AwsError::Serialization(
                "Request body must be a JSON object".to_owned(),
            ));
            return served;
        }
    };
    served.catalog = body
        .get("Catalog")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(class) = class_of(&operation) else {
        served.result = Err(AwsError::UnknownOperation(format!(
            "The sandbox does not implement {operation}"
        )));
        return served;
    };
    let now = shared.clock.now();
    let admitted = {
        let mut control = lock(&shared.control);
        let admitted = control.quotas.try_take(class, now);
        match (admitted, class) {
            (true, Class::Write) => control.admitted_writes.push(now),
            (true, Class::Read) => {}
            (false, Class::Write) => *control.throttled.entry("write").or_default() += 1,
            (false, Class::Read) => *control.throttled.entry("read").or_default() += 1,
        }
        admitted
    };
    served.result = if admitted {
        ops::run(shared, &operation, &body)
    } else {
        Err(AwsError::Throttling("Rate exceeded".to_owned()))
    };
    served
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let served = serve(&shared, &headers, &body);
    let mut control = lock(&shared.control);
    let (response, opportunity_id, error) = match &served.result {
        Ok(outcome) => {
            if outcome.wrote {
                *control.writes.entry(served.operation.clone()).or_default() += 1;
            }
            if outcome.created {
                control.created += 1;
            }
            (
                protocol::success(&outcome.body),
                outcome.opportunity_id.clone(),
                None,
            )
        }
        Err(error) => (
            protocol::failure(error),
            None,
            Some(error.type_name().to_owned()),
        ),
    };
    control.calls.push(CallRecord {
        operation: served.operation,
        catalog: served.catalog,
        opportunity_id,
        error,
    });
    response
}
