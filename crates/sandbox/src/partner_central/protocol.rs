//! The awsJson1_0 wire protocol: `POST /`, `X-Amz-Target: AWSPartnerCentralSelling.<Op>`,
//! `Content-Type: application/x-amz-json-1.0`, errors as `{"__type": .., "message": ..}`.
//!
//! Member names follow the SDK's deserializers (`protocol_serde/shape_validation_exception*.rs`):
//! ValidationException carries `Message`, `Reason` and `ErrorList[{FieldName, Message, Code}]`
//! in PascalCase; the generic error parser reads `__type` and `message`/`Message`.

use aws_sdk_partnercentralselling::types::{
    ValidationExceptionErrorCode, ValidationExceptionReason,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) const TARGET_PREFIX: &str = "AWSPartnerCentralSelling.";
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// The one endpoint is `partnercentral-selling.us-east-1.api.aws`
/// (<https://docs.aws.amazon.com/partner-central/latest/developer-guide/selling-regions.html>);
/// the SDK's service model signs SigV4 for the name `partnercentral-selling`.
pub(crate) const SIGNING_NAME: &str = "partnercentral-selling";
pub(crate) const REGION: &str = "us-east-1";

/// `ErrorList[].Code`.
pub(crate) type Code = ValidationExceptionErrorCode;

/// ValidationException `Reason`: which pass rejected the request.
pub(crate) type Reason = ValidationExceptionReason;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub code: Code,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, code: Code, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Every error the fake answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AwsError {
    Validation {
        reason: Reason,
        errors: Vec<FieldError>,
    },
    Conflict(String),
    Throttling(String),
    NotFound(String),
    AccessDenied(String),
    Internal(String),
    /// Body is not JSON: the SDK never sends that, hand-rolled clients might.
    Serialization(String),
    UnknownOperation(String),
    /// No SigV4 `Authorization` header at all.
    MissingAuthentication,
    /// SigV4 header present but scoped to the wrong service or region.
    InvalidSignature(String),
}

impl AwsError {
    pub(crate) fn validation(reason: Reason, errors: Vec<FieldError>) -> Self {
        Self::Validation { reason, errors }
    }

    pub(crate) fn field(
        reason: Reason,
        field: &str,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation {
            reason,
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    /// The `__type`, which is also the SDK error variant name.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "ValidationException",
            Self::Conflict(_) => "ConflictException",
            Self::Throttling(_) => "ThrottlingException",
            Self::NotFound(_) => "ResourceNotFoundException",
            Self::AccessDenied(_) => "AccessDeniedException",
            Self::Internal(_) => "InternalServerException",
            Self::Serialization(_) => "SerializationException",
            Self::UnknownOperation(_) => "UnknownOperationException",
            Self::MissingAuthentication => "MissingAuthenticationTokenException",
            Self::InvalidSignature(_) => "InvalidSignatureException",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Validation { .. } | Self::Serialization(_) | Self::UnknownOperation(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Throttling(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::AccessDenied(_) | Self::MissingAuthentication | Self::InvalidSignature(_) => {
                StatusCode::FORBIDDEN
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Validation { errors, .. } => {
                let details: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                format!(
                    "{} validation error(s) detected: {}",
                    errors.len(),
                    details.join("; ")
                )
            }
            Self::MissingAuthentication => "Missing Authentication Token".to_owned(),
            Self::Conflict(m)
            | Self::Throttling(m)
            | Self::NotFound(m)
            | Self::AccessDenied(m)
            | Self::Internal(m)
            | Self::Serialization(m)
            | Self::UnknownOperation(m)
            | Self::InvalidSignature(m) => m.clone(),
        }
    }

    pub(crate) fn body(&self) -> Value {
        let message = self.message();
        let mut body = json!({
            "__type": self.type_name(),
            "message": message,
            "Message": message,
        });
        if let Self::Validation { reason, errors } = self {
            body["Reason"] = json!(reason.as_str());
            body["ErrorList"] = errors
                .iter()
                .map(|e| json!({ "FieldName": e.field, "Message": e.message, "Code": e.code.as_str() }))
                .collect();
        }
        body
    }
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn respond(status: StatusCode, body: &Value, error_type: Option<&'static str>) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        headers.insert("x-amzn-requestid", id);
    }
    if let Some(error_type) = error_type {
        headers.insert("x-amzn-errortype", HeaderValue::from_static(error_type));
    }
    response
}

pub(crate) fn success(body: &Value) -> Response {
    respond(StatusCode::OK, body, None)
}

pub(crate) fn failure(error: &AwsError) -> Response {
    respond(error.status(), &error.body(), Some(error.type_name()))
}

/// Checks the protocol envelope and returns the operation name.
pub(crate) fn operation(headers: &HeaderMap) -> Result<String, AwsError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    check_signature(header("authorization"))?;
    let target = header("x-amz-target").unwrap_or_default();
    let Some(operation) = target.strip_prefix(TARGET_PREFIX) else {
        return Err(AwsError::UnknownOperation(format!(
            "X-Amz-Target must be {TARGET_PREFIX}<Operation>, got \"{target}\""
        )));
    };
    let content_type = header("content-type").unwrap_or_default();
    if !content_type.starts_with(CONTENT_TYPE) {
        return Err(AwsError::Serialization(format!(
            "Content-Type must be {CONTENT_TYPE}, got \"{content_type}\""
        )));
    }
    Ok(operation.to_owned())
}

/// SigV4 is not verified (static test credentials), but its scope is: a client signing for
/// the wrong service name or region would fail against the real endpoint.
fn check_signature(authorization: Option<&str>) -> Result<(), AwsError> {
    let Some(authorization) = authorization else {
        return Err(AwsError::MissingAuthentication);
    };
    let scope = authorization
        .split("Credential=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_default();
    // Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request
    let parts: Vec<&str> = scope.split('/').collect();
    match parts.as_slice() {
        [_, _, region, service, "aws4_request"]
            if *region == REGION && *service == SIGNING_NAME =>
        {
            Ok(())
        }
        _ => Err(AwsError::InvalidSignature(format!(
            "Credential scope must be <key>/<date>/{REGION}/{SIGNING_NAME}/aws4_request, got \"{scope}\""
        ))),
    }
}
