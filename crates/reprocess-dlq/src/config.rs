//! The binary's settings, read once at start-up from the environment.

use events::{ConfigError, Env};

/// | variable | required | meaning |
/// |---|---|---|
/// | `QUEUE_URL` | yes | main FIFO queue the messages go back to |
/// | `DLQ_URL` | yes | FIFO dead-letter queue drained |
/// | `METRICS_NAMESPACE` | no | CloudWatch namespace of the EMF metrics (default `HubSpotPartnerCentralSync`) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub queue_url: String,
    pub dlq_url: String,
    pub metrics_namespace: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// `from_env` over any lookup, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(lookup);
        Ok(Config {
            queue_url: env.required("QUEUE_URL")?,
            dlq_url: env.required("DLQ_URL")?,
            metrics_namespace: env
                .optional("METRICS_NAMESPACE")
                .unwrap_or_else(|| events::emf::DEFAULT_NAMESPACE.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn both_queue_urls_are_required() {
        assert_eq!(config(&[]), Err(ConfigError::Missing("QUEUE_URL")));
        assert_eq!(
            config(&[("QUEUE_URL", "q")]),
            Err(ConfigError::Missing("DLQ_URL"))
        );
        assert_eq!(
            config(&[("QUEUE_URL", "q"), ("DLQ_URL", " ")]),
            Err(ConfigError::Missing("DLQ_URL"))
        );
        assert_eq!(
            ConfigError::Missing("DLQ_URL").to_string(),
            "environment variable DLQ_URL is required and must not be empty"
        );
    }

    #[test]
    fn namespace_defaults() {
        let c = config(&[("QUEUE_URL", "q"), ("DLQ_URL", "d")]).unwrap();
        assert_eq!(
            c,
            Config {
                queue_url: "q".into(),
                dlq_url: "d".into(),
                metrics_namespace: "HubSpotPartnerCentralSync".into(),
            }
        );
        let c = config(&[
            ("QUEUE_URL", "q"),
            ("DLQ_URL", "d"),
            ("METRICS_NAMESPACE", "X"),
        ])
        .unwrap();
        assert_eq!(c.metrics_namespace, "X");
    }
}
