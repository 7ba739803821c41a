//! Reads the HubSpot client secret(s) from Secrets Manager, once per cold start.

use events::{ClientSecrets, SecretDocument};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read secret {arn}: {reason}")]
    Unreadable { arn: String, reason: String },
    #[error("secret {arn} has no `clientSecret`")]
    NoClientSecret { arn: String },
    #[error("secret {arn}: {reason}")]
    Malformed { arn: String, reason: String },
}

pub async fn load_client_secrets(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<ClientSecrets, SecretError> {
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| SecretError::Unreadable {
            arn: arn.to_owned(),
            reason: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
        })?;
    let text = output.secret_string().unwrap_or_default();
    let doc = SecretDocument::parse(text).map_err(|reason| SecretError::Malformed {
        arn: arn.to_owned(),
        reason,
    })?;
    let current =
        doc.client_secret
            .filter(|s| !s.is_empty())
            .ok_or_else(|| SecretError::NoClientSecret {
                arn: arn.to_owned(),
            })?;
    Ok(ClientSecrets::new(current, doc.previous_client_secret))
}
