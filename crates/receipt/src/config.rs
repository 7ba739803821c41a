//! `Config::from_env()`: the receipt Lambda's configuration contract (README, "Configuration").

use events::signature::DEFAULT_MAX_AGE_MS;
use events::{AcceptedVersions, ConfigError, Env, SecretString};

use crate::filter::EventFilter;

pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Under HubSpot's 5 s timeout, with room for the answer to travel back.
pub const DEFAULT_REQUEST_BUDGET_MS: u64 = 4_000;
pub const DEFAULT_SYNCED_EVENT_TYPES: &str = "deal.*,company.*,note.*";

/// Where the HubSpot client secret(s) come from.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// `HUBSPOT_CLIENT_SECRET` (+ `HUBSPOT_CLIENT_SECRET_PREVIOUS`), for local use and tests.
    Plain {
        current: SecretString,
        previous: Option<SecretString>,
    },
    /// `HUBSPOT_SECRET_ARN`: a Secrets Manager secret read once per cold start.
    SecretsManager { arn: String },
    /// `SIGNATURE_VERIFICATION=disabled`: local use only; every request logs a warning.
    Disabled,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub queue_url: String,
    pub secret: SecretSource,
    pub public_url: Option<String>,
    pub max_age_ms: i64,
    /// `SIGNATURE_VERSIONS`, default `v3` (v1/v2 carry no timestamp and can be replayed).
    pub signature_versions: AcceptedVersions,
    /// `REQUEST_BUDGET_MS` (default 4000): every request is answered within it.
    pub request_budget: std::time::Duration,
    /// `REJECTED_QUEUE_URL`: where events that cannot become sync events are kept (the DLQ).
    pub rejected_queue_url: Option<String>,
    pub max_body_bytes: usize,
    pub synced: EventFilter,
    pub metrics_namespace: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `get`, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(get);
        let get = |name: &str| env.optional(name);
        let queue_url = env.required("QUEUE_URL")?;

        let verification = get("SIGNATURE_VERIFICATION").unwrap_or_else(|| "enabled".into());
        let secret = match verification.as_str() {
            "disabled" => SecretSource::Disabled,
            "enabled" => match (get("HUBSPOT_CLIENT_SECRET"), get("HUBSPOT_SECRET_ARN")) {
                (Some(current), _) => SecretSource::Plain {
                    current: current.into(),
                    previous: get("HUBSPOT_CLIENT_SECRET_PREVIOUS").map(Into::into),
                },
                (None, Some(arn)) => SecretSource::SecretsManager { arn },
                // Fail closed: without a secret every forged request would be accepted.
                (None, None) => {
                    return Err(ConfigError::Missing(
                        "HUBSPOT_CLIENT_SECRET or HUBSPOT_SECRET_ARN (or SIGNATURE_VERIFICATION=disabled, for local use only)",
                    ));
                }
            },
            other => {
                return Err(ConfigError::Invalid {
                    name: "SIGNATURE_VERIFICATION",
                    reason: format!("expected `enabled` or `disabled`, got `{other}`"),
                });
            }
        };

        let max_age_ms = match get("SIGNATURE_MAX_AGE_SECS") {
            None => DEFAULT_MAX_AGE_MS,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|s| *s > 0)
                .map(|s| i64::from(s) * 1000)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "SIGNATURE_MAX_AGE_SECS",
                    reason: format!("expected a positive number of seconds, got `{v}`"),
                })?,
        };
        let max_body_bytes =
            match get("MAX_BODY_BYTES") {
                None => DEFAULT_MAX_BODY_BYTES,
                Some(v) => v.parse::<usize>().ok().filter(|b| *b > 0).ok_or_else(|| {
                    ConfigError::Invalid {
                        name: "MAX_BODY_BYTES",
                        reason: format!("expected a positive number of bytes, got `{v}`"),
                    }
                })?,
            };
        let signature_versions = match get("SIGNATURE_VERSIONS") {
            None => AcceptedVersions::default(),
            Some(v) => AcceptedVersions::parse(&v).map_err(|reason| ConfigError::Invalid {
                name: "SIGNATURE_VERSIONS",
                reason,
            })?,
        };
        let request_budget_ms = env.parsed("REQUEST_BUDGET_MS", DEFAULT_REQUEST_BUDGET_MS)?;
        if !(100..=4_500).contains(&request_budget_ms) {
            return Err(ConfigError::Invalid {
                name: "REQUEST_BUDGET_MS",
                reason: format!(
                    "{request_budget_ms} ms is outside 100..=4500: HubSpot waits 5 s for an answer"
                ),
            });
        }
        let public_url = get("WEBHOOK_PUBLIC_URL");
        if let Some(url) = &public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::Invalid {
                name: "WEBHOOK_PUBLIC_URL",
                reason: "must be the full URL HubSpot calls, starting with https://".into(),
            });
        }
        let synced = EventFilter::parse(
            &get("SYNCED_EVENT_TYPES").unwrap_or_else(|| DEFAULT_SYNCED_EVENT_TYPES.into()),
        )
        .map_err(|reason| ConfigError::Invalid {
            name: "SYNCED_EVENT_TYPES",
            reason,
        })?;
        Ok(Config {
            queue_url,
            secret,
            public_url,
            max_age_ms,
            signature_versions,
            request_budget: std::time::Duration::from_millis(request_budget_ms),
            rejected_queue_url: get("REJECTED_QUEUE_URL"),
            max_body_bytes,
            synced,
            metrics_namespace: get("METRICS_NAMESPACE")
                .unwrap_or_else(|| events::emf::DEFAULT_NAMESPACE.into()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn fails_closed_without_a_secret() {
        assert_eq!(config(&[]).unwrap_err(), ConfigError::Missing("QUEUE_URL"));
        let err = config(&[("QUEUE_URL", "q")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("HUBSPOT_CLIENT_SECRET or HUBSPOT_SECRET_ARN"),
            "{err}"
        );
        let c = config(&[("QUEUE_URL", "q"), ("SIGNATURE_VERIFICATION", "disabled")]).unwrap();
        assert!(matches!(c.secret, SecretSource::Disabled));
        assert!(config(&[("QUEUE_URL", "q"), ("SIGNATURE_VERIFICATION", "off")]).is_err());
    }

    #[test]
    fn defaults_and_overrides() {
        let c = config(&[
            ("QUEUE_URL", "q"),
            ("HUBSPOT_CLIENT_SECRET", "s"),
            ("HUBSPOT_CLIENT_SECRET_PREVIOUS", "p"),
        ])
        .unwrap();
        let SecretSource::Plain { current, previous } = &c.secret else {
            panic!("expected a plain secret, got {:?}", c.secret);
        };
        use events::ExposeSecret as _;
        assert_eq!(current.expose_secret(), "s");
        assert_eq!(previous.as_ref().map(|p| p.expose_secret()), Some("p"));
        assert_eq!((c.max_age_ms, c.max_body_bytes), (300_000, 1_048_576));
        assert_eq!(c.metrics_namespace, "HubSpotPartnerCentralSync");
        assert!(!format!("{c:?}").contains("\"s\""));
        let c = config(&[
            ("QUEUE_URL", "q"),
            (
                "HUBSPOT_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:x",
            ),
            ("SIGNATURE_MAX_AGE_SECS", "60"),
            ("MAX_BODY_BYTES", "1000"),
            (
                "WEBHOOK_PUBLIC_URL",
                "https://hooks.example.com/webhook/hubspot",
            ),
        ])
        .unwrap();
        assert!(matches!(c.secret, SecretSource::SecretsManager { .. }));
        assert_eq!((c.max_age_ms, c.max_body_bytes), (60_000, 1000));
        assert!(
            config(&[
                ("QUEUE_URL", "q"),
                ("HUBSPOT_CLIENT_SECRET", "s"),
                ("SIGNATURE_MAX_AGE_SECS", "-1")
            ])
            .is_err()
        );
        assert!(
            config(&[
                ("QUEUE_URL", "q"),
                ("HUBSPOT_CLIENT_SECRET", "s"),
                ("MAX_BODY_BYTES", "lots")
            ])
            .is_err()
        );
        assert!(
            config(&[
                ("QUEUE_URL", "q"),
                ("HUBSPOT_CLIENT_SECRET", "s"),
                ("WEBHOOK_PUBLIC_URL", "example.com")
            ])
            .is_err()
        );
    }

    #[test]
    fn signature_versions_default_to_v3_and_are_validated() {
        let base = [("QUEUE_URL", "q"), ("HUBSPOT_CLIENT_SECRET", "s")];
        let c = config(&base).unwrap();
        assert_eq!(c.signature_versions, events::AcceptedVersions::V3_ONLY);
        let legacy = config(&[base[0], base[1], ("SIGNATURE_VERSIONS", "v3,v2,v1")]).unwrap();
        assert_eq!(legacy.signature_versions, events::AcceptedVersions::ALL);
        let err = config(&[base[0], base[1], ("SIGNATURE_VERSIONS", "v4")]).unwrap_err();
        assert!(err.to_string().contains("SIGNATURE_VERSIONS"), "{err}");
    }
}
