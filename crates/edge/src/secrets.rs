//! The stack's Secrets Manager secret, read once per cold start. Each function takes only the
//! value it needs from the document.

use aws_sdk_secretsmanager::error::DisplayErrorContext;
use events::SecretDocument;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read secret {arn}: {reason}")]
    Unreadable { arn: String, reason: String },
    #[error("secret {arn}: {reason}")]
    Malformed { arn: String, reason: String },
    #[error("secret {arn} has no `{key}`")]
    MissingKey { arn: String, key: &'static str },
}

pub async fn load_secret_document(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<SecretDocument, SecretError> {
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| SecretError::Unreadable {
            arn: arn.to_owned(),
            reason: DisplayErrorContext(&e).to_string(),
        })?;
    SecretDocument::parse(output.secret_string().unwrap_or_default()).map_err(|reason| {
        SecretError::Malformed {
            arn: arn.to_owned(),
            reason,
        }
    })
}
