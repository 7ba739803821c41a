//! Start-up configuration. `SyncSettings` is what the handler needs (pure values, easy to build
//! in tests); `Config` adds what `main` needs to build the clients and the edge. Both are read
//! once per cold start, and every error names the variable at fault (`events::ConfigError`).

use std::collections::BTreeMap;

use aws_sdk_partnercentralselling::types::Stage;
use events::{ConfigError, Env, SecretString};

/// Which Partner Central catalog to write to. No default: writing to the real `AWS` catalog
/// by accident would create real opportunities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    Aws,
    Sandbox,
}

impl Catalog {
    pub fn as_str(self) -> &'static str {
        match self {
            Catalog::Aws => "AWS",
            Catalog::Sandbox => "Sandbox",
        }
    }

    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        match value.trim() {
            "AWS" => Ok(Catalog::Aws),
            "Sandbox" => Ok(Catalog::Sandbox),
            other => Err(ConfigError::Invalid {
                name: "PARTNER_CENTRAL_CATALOG",
                reason: format!("{other:?} is neither AWS nor Sandbox"),
            }),
        }
    }
}

/// Which deals get an opportunity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncTrigger {
    /// The deal name contains `#AWS`, case-insensitively.
    NameTag,
    /// A boolean deal property is `true`.
    Property(String),
}

impl SyncTrigger {
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let value = value.trim();
        if value.is_empty() || value == "name-tag" {
            return Ok(SyncTrigger::NameTag);
        }
        match value.strip_prefix("property:").map(str::trim) {
            Some(name) if !name.is_empty() => Ok(SyncTrigger::Property(name.to_owned())),
            _ => Err(ConfigError::Invalid {
                name: "SYNC_TRIGGER",
                reason: format!("{value:?} is neither `name-tag` nor `property:<name>`"),
            }),
        }
    }
}

/// HubSpot's default sales pipeline mapped to Partner Central stages. `closedwon` becomes
/// `Launched` (the deal is won; the workload goes live).
pub const DEFAULT_STAGE_MAP: [(&str, &str); 7] = [
    ("appointmentscheduled", "Prospect"),
    ("qualifiedtobuy", "Qualified"),
    ("presentationscheduled", "Technical Validation"),
    ("decisionmakerboughtin", "Business Validation"),
    ("contractsent", "Committed"),
    ("closedwon", "Launched"),
    ("closedlost", "Closed Lost"),
];

/// Everything the handler needs besides its ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    pub catalog: Catalog,
    pub trigger: SyncTrigger,
    /// HubSpot `dealstage` internal value → Partner Central stage.
    pub stage_map: BTreeMap<String, String>,
    pub default_currency: String,
    /// Minimum days between today and TargetCloseDate when the deal's close date is missing
    /// or in the past.
    pub close_date_min_days: i64,
}

impl Default for SyncSettings {
    /// The Sandbox catalog with every other setting at its documented default.
    fn default() -> Self {
        SyncSettings::new(Catalog::Sandbox)
    }
}

impl SyncSettings {
    pub fn new(catalog: Catalog) -> Self {
        SyncSettings {
            catalog,
            trigger: SyncTrigger::NameTag,
            stage_map: DEFAULT_STAGE_MAP
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            default_currency: "USD".to_owned(),
            close_date_min_days: 30,
        }
    }

    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// `from_env` over any lookup, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::read(&Env::new(get))
    }

    fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let catalog = Catalog::parse(&env.required("PARTNER_CENTRAL_CATALOG")?)?;
        let mut settings = SyncSettings::new(catalog);
        if let Some(trigger) = env.optional("SYNC_TRIGGER") {
            settings.trigger = SyncTrigger::parse(&trigger)?;
        }
        if let Some(map) = env.optional("STAGE_MAP") {
            settings.stage_map.extend(parse_stage_map(&map)?);
        }
        if let Some(currency) = env.optional("DEFAULT_CURRENCY") {
            let currency = currency.to_ascii_uppercase();
            if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(ConfigError::Invalid {
                    name: "DEFAULT_CURRENCY",
                    reason: format!("{currency:?} is not an ISO 4217 code"),
                });
            }
            settings.default_currency = currency;
        }
        Ok(settings)
    }
}

/// `appointmentscheduled=Prospect,closedwon=Launched`: entries override the default map, so
/// custom pipeline stages can be added without repeating the defaults.
pub fn parse_stage_map(value: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut map = BTreeMap::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let invalid = |reason: String| ConfigError::Invalid {
            name: "STAGE_MAP",
            reason,
        };
        let (from, to) = entry.split_once('=').ok_or_else(|| {
            invalid(format!(
                "{entry:?} is not `hubspotStage=Partner Central Stage`"
            ))
        })?;
        let to = to.trim();
        let stage = Stage::values()
            .iter()
            .find(|s| s.eq_ignore_ascii_case(to))
            .ok_or_else(|| {
                invalid(format!(
                    "{to:?} is not one of {}",
                    Stage::values().join(", ")
                ))
            })?;
        map.insert(from.trim().to_owned(), (*stage).to_owned());
    }
    Ok(map)
}

/// Where the HubSpot token comes from. The token is a `SecretString`: `{:?}` shows it redacted.
#[derive(Debug, Clone)]
pub enum TokenSource {
    Inline(SecretString),
    SecretArn(String),
}

/// The processor binary's whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: SyncSettings,
    pub hubspot_token: TokenSource,
    pub hubspot_base_url: String,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub solution_id: Option<String>,
    /// The CloudWatch namespace of the function's EMF metrics.
    pub metrics_namespace: String,
}

pub const DEFAULT_HUBSPOT_BASE_URL: &str = "https://api.hubapi.com";

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(get);
        let settings = SyncSettings::read(&env)?;
        let hubspot_token = match (
            env.optional("HUBSPOT_ACCESS_TOKEN"),
            env.optional("HUBSPOT_SECRET_ARN"),
        ) {
            (Some(token), _) => TokenSource::Inline(token.into()),
            (None, Some(arn)) => TokenSource::SecretArn(arn),
            (None, None) => {
                return Err(ConfigError::Missing(
                    "HUBSPOT_ACCESS_TOKEN or HUBSPOT_SECRET_ARN",
                ));
            }
        };
        let role_arn = env.optional("PARTNER_CENTRAL_ROLE_ARN");
        let external_id = env.optional("PARTNER_CENTRAL_EXTERNAL_ID");
        if external_id.is_some() && role_arn.is_none() {
            return Err(ConfigError::Invalid {
                name: "PARTNER_CENTRAL_EXTERNAL_ID",
                reason: "set without PARTNER_CENTRAL_ROLE_ARN".to_owned(),
            });
        }
        Ok(Config {
            settings,
            hubspot_token,
            hubspot_base_url: env
                .optional("HUBSPOT_API_BASE_URL")
                .unwrap_or_else(|| DEFAULT_HUBSPOT_BASE_URL.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            role_arn,
            external_id,
            solution_id: env.optional("PARTNER_CENTRAL_SOLUTION_ID"),
            metrics_namespace: env
                .optional("METRICS_NAMESPACE")
                .unwrap_or_else(|| events::emf::DEFAULT_NAMESPACE.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use events::ExposeSecret;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn catalog_is_required_and_named() {
        assert_eq!(
            SyncSettings::from_lookup(env(&[])),
            Err(ConfigError::Missing("PARTNER_CENTRAL_CATALOG"))
        );
        let err =
            SyncSettings::from_lookup(env(&[("PARTNER_CENTRAL_CATALOG", "aws")])).unwrap_err();
        assert!(err.to_string().contains("PARTNER_CENTRAL_CATALOG"), "{err}");
        let s = SyncSettings::from_lookup(env(&[("PARTNER_CENTRAL_CATALOG", "AWS")])).unwrap();
        assert_eq!(s.catalog, Catalog::Aws);
        assert_eq!(s.trigger, SyncTrigger::NameTag);
        assert_eq!(s.default_currency, "USD");
        assert_eq!(s.stage_map["closedlost"], "Closed Lost");
    }

    #[test]
    fn trigger_stage_map_and_currency_overrides() {
        let s = SyncSettings::from_lookup(env(&[
            ("PARTNER_CENTRAL_CATALOG", "Sandbox"),
            ("SYNC_TRIGGER", "property:aws_co_sell"),
            (
                "STAGE_MAP",
                "appointmentscheduled=qualified, custom123 = Committed",
            ),
            ("DEFAULT_CURRENCY", "eur"),
        ]))
        .unwrap();
        assert_eq!(s.trigger, SyncTrigger::Property("aws_co_sell".into()));
        assert_eq!(s.stage_map["appointmentscheduled"], "Qualified");
        assert_eq!(s.stage_map["custom123"], "Committed");
        assert_eq!(s.stage_map["closedwon"], "Launched");
        assert_eq!(s.default_currency, "EUR");
        for (name, value) in [
            ("SYNC_TRIGGER", "property:"),
            ("SYNC_TRIGGER", "tag"),
            ("STAGE_MAP", "a=Won"),
            ("STAGE_MAP", "novalue"),
            ("DEFAULT_CURRENCY", "DOLLAR"),
        ] {
            let err = SyncSettings::from_lookup(env(&[
                ("PARTNER_CENTRAL_CATALOG", "AWS"),
                (name, value),
            ]))
            .unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn config_token_sources_and_defaults() {
        let base = [("PARTNER_CENTRAL_CATALOG", "Sandbox")];
        assert_eq!(
            Config::from_lookup(env(&base)).unwrap_err(),
            ConfigError::Missing("HUBSPOT_ACCESS_TOKEN or HUBSPOT_SECRET_ARN")
        );
        let c = Config::from_lookup(env(&[base[0], ("HUBSPOT_SECRET_ARN", "arn:s")])).unwrap();
        assert!(
            matches!(&c.hubspot_token, TokenSource::SecretArn(arn) if arn == "arn:s"),
            "{c:?}"
        );
        assert_eq!(c.hubspot_base_url, DEFAULT_HUBSPOT_BASE_URL);
        assert_eq!(c.role_arn, None);
        assert_eq!(c.metrics_namespace, events::emf::DEFAULT_NAMESPACE);
        let c = Config::from_lookup(env(&[
            base[0],
            ("HUBSPOT_ACCESS_TOKEN", "pat-secret"),
            ("HUBSPOT_SECRET_ARN", "arn:s"),
            ("HUBSPOT_API_BASE_URL", "http://127.0.0.1:9/"),
            ("PARTNER_CENTRAL_ROLE_ARN", "arn:aws:iam::1:role/r"),
            ("PARTNER_CENTRAL_EXTERNAL_ID", "ext"),
            ("PARTNER_CENTRAL_SOLUTION_ID", "S-1"),
            ("METRICS_NAMESPACE", "Test"),
        ]))
        .unwrap();
        assert!(
            matches!(&c.hubspot_token, TokenSource::Inline(t) if t.expose_secret() == "pat-secret"),
            "the inline token wins over the secret"
        );
        assert!(!format!("{c:?}").contains("pat-secret"));
        assert_eq!(c.metrics_namespace, "Test");
        assert_eq!(c.hubspot_base_url, "http://127.0.0.1:9");
        assert_eq!(c.external_id.as_deref(), Some("ext"));
        assert_eq!(c.solution_id.as_deref(), Some("S-1"));
        let err = Config::from_lookup(env(&[
            base[0],
            ("HUBSPOT_ACCESS_TOKEN", "t"),
            ("PARTNER_CENTRAL_EXTERNAL_ID", "ext"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("PARTNER_CENTRAL_EXTERNAL_ID"));
    }
}
