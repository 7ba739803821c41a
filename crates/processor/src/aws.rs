//! AWS wiring for `main`: the Partner Central SDK configuration (us-east-1, adaptive retries,
//! optional AssumeRole), the HubSpot token from Secrets Manager, and the queue that records held
//! up by the Partner Central quota are handed back to.
//!
//! Endpoints follow the SDK's standard variables, read by `aws-config` itself:
//! `AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING`, `AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or `AWS_ENDPOINT_URL` for all).

use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_partnercentralselling::config::SharedCredentialsProvider;
use edge::SecretError;
use events::{ExposeSecret, SecretString, SystemClock};
use queue::SqsFifo;

use crate::settings::{Config, TokenSource};
use crate::{HubSpotClient, PartnerCentralClient, Processor};

/// Partner Central Selling is a single-region service.
pub const PARTNER_CENTRAL_REGION: &str = "us-east-1";
pub const SESSION_NAME: &str = "hubspot-partner-central-sync";
/// Throttled reads are retried by the SDK (adaptive mode rate-limits the client after a
/// ThrottlingException); five attempts span several seconds of backoff. Writes are retried by
/// the Partner Central adapter itself, in its write slots.
pub const MAX_SDK_ATTEMPTS: u32 = 5;

/// The function's own configuration (its role, its region) — for Secrets Manager.
pub async fn function_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// Configuration for the Partner Central client: us-east-1, adaptive retries, and when
/// `role_arn` is set, credentials from `sts:AssumeRole` (with `external_id`). The provider is
/// wrapped by the SDK's identity cache, so the role is assumed once and refreshed before the
/// credentials expire, not on every call.
pub async fn partner_central_config(
    role_arn: Option<&str>,
    external_id: Option<&str>,
) -> SdkConfig {
    let base = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(PARTNER_CENTRAL_REGION))
        .retry_config(RetryConfig::adaptive().with_max_attempts(MAX_SDK_ATTEMPTS))
        .load()
        .await;
    let Some(role_arn) = role_arn else {
        return base;
    };
    let mut provider = AssumeRoleProvider::builder(role_arn)
        .session_name(SESSION_NAME)
        .configure(&base);
    if let Some(external_id) = external_id {
        provider = provider.external_id(external_id);
    }
    let provider = provider.build().await;
    base.into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

pub fn partner_central_client(config: &SdkConfig) -> aws_sdk_partnercentralselling::Client {
    aws_sdk_partnercentralselling::Client::new(config)
}

/// The processor `main` runs: HubSpot and Partner Central clients built from `config` (the
/// HubSpot token read from Secrets Manager when configured so), the system clock.
pub async fn build_processor(
    config: &Config,
) -> Result<Processor<HubSpotClient, PartnerCentralClient, SystemClock>, SecretError> {
    tracing::info!(
        catalog = config.settings.catalog.as_str(),
        assume_role = config.role_arn.is_some(),
        hubspot = config.hubspot_base_url.as_str(),
        "processor starting"
    );
    let own = function_config().await;
    let token = match &config.hubspot_token {
        TokenSource::Inline(token) => token.clone(),
        TokenSource::SecretArn(arn) => {
            let secrets = aws_sdk_secretsmanager::Client::new(&own);
            hubspot_token_from_secret(&secrets, arn).await?
        }
    };
    let pc_config =
        partner_central_config(config.role_arn.as_deref(), config.external_id.as_deref()).await;
    let mut crm = HubSpotClient::new(&config.hubspot_base_url, token);
    if let Some(portal_id) = config.hubspot_portal_id {
        crm = crm.with_portal_id(portal_id);
    }
    let processor = Processor::new(
        crm,
        PartnerCentralClient::new(
            partner_central_client(&pc_config),
            config.settings.catalog,
            config.solution_id.clone(),
            config.max_concurrency,
        ),
        SystemClock,
        config.settings.clone(),
    );
    Ok(match &config.queue_url {
        Some(url) => {
            processor.with_requeue(Arc::new(SqsFifo::new(aws_sdk_sqs::Client::new(&own), url)))
        }
        None => processor,
    })
}

/// The `accessToken` of the stack's secret document; missing or blank is
/// [`SecretError::MissingKey`].
pub async fn hubspot_token_from_secret(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<SecretString, SecretError> {
    edge::load_secret_document(client, arn)
        .await?
        .access_token
        .filter(|token| !token.expose_secret().trim().is_empty())
        .ok_or_else(|| SecretError::MissingKey {
            arn: arn.to_owned(),
            key: "accessToken",
        })
}
