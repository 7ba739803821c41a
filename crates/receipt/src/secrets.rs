//! The HubSpot client secret(s), resolved once per cold start from the configuration.

use edge::SecretError;
use events::{ClientSecrets, ExposeSecret as _};

use crate::config::SecretSource;

/// `None` when verification is disabled (local use only).
pub async fn client_secrets(
    source: &SecretSource,
    aws: &aws_config::SdkConfig,
) -> Result<Option<ClientSecrets>, SecretError> {
    match source {
        SecretSource::Plain { current, previous } => {
            Ok(Some(ClientSecrets::new(current.clone(), previous.clone())))
        }
        SecretSource::SecretsManager { arn } => {
            let client = aws_sdk_secretsmanager::Client::new(aws);
            let doc = edge::load_secret_document(&client, arn).await?;
            let current = doc
                .client_secret
                .filter(|s| !s.expose_secret().is_empty())
                .ok_or_else(|| SecretError::MissingKey {
                    arn: arn.clone(),
                    key: "clientSecret",
                })?;
            Ok(Some(ClientSecrets::new(
                current,
                doc.previous_client_secret,
            )))
        }
        SecretSource::Disabled => Ok(None),
    }
}
