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

/// When an opportunity is submitted to AWS (StartEngagementFromOpportunityTask).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitTrigger {
    /// The deal's checkbox property `aws_submit` is true.
    Property,
    /// Automatically, once the mapped Partner Central stage is at least this one.
    Stage(String),
    /// Never: the partner submits in the Partner Central console.
    Off,
}

/// The deal property a person ticks to submit (and the sync clears after a failed task).
pub const SUBMIT_PROPERTY: &str = "aws_submit";
/// The deal property holding the involvement type: a person's choice before submission, AWS's
/// value (mirrored by the sync) after.
pub const INVOLVEMENT_PROPERTY: &str = "aws_involvement_type";

/// Stages in the order a deal moves through them; `Closed Lost` is not on this ladder.
pub const STAGE_ORDER: [&str; 6] = [
    "Prospect",
    "Qualified",
    "Technical Validation",
    "Business Validation",
    "Committed",
    "Launched",
];

/// The position of a Partner Central stage on [`STAGE_ORDER`] (`None` for Closed Lost).
pub fn stage_rank(stage: &str) -> Option<usize> {
    STAGE_ORDER.iter().position(|s| *s == stage)
}

impl SubmitTrigger {
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let value = value.trim();
        let invalid = |reason: String| ConfigError::Invalid {
            name: "SUBMIT_TRIGGER",
            reason,
        };
        match value {
            "" | "property" => return Ok(SubmitTrigger::Property),
            "off" => return Ok(SubmitTrigger::Off),
            _ => {}
        }
        let Some(stage) = value.strip_prefix("stage:").map(str::trim) else {
            return Err(invalid(format!(
                "{value:?} is none of `property`, `stage:<Partner Central stage>`, `off`"
            )));
        };
        // Launched cannot be submitted (AWS approves before launch); Prospect is below the
        // Qualified minimum for submission.
        let submittable = &STAGE_ORDER[1..5];
        submittable
            .iter()
            .find(|s| s.eq_ignore_ascii_case(stage))
            .map(|s| SubmitTrigger::Stage((*s).to_owned()))
            .ok_or_else(|| {
                invalid(format!(
                    "stage {stage:?} is not one of {}",
                    submittable.join(", ")
                ))
            })
    }
}

/// `AwsSubmission.InvolvementType` values.
pub const INVOLVEMENT_TYPES: [&str; 2] = ["Co-Sell", "For Visibility Only"];
/// `AwsSubmission.Visibility` values.
pub const VISIBILITIES: [&str; 2] = ["Full", "Limited"];

/// How long one record follows a submission task before it acknowledges the message with the
/// deal left `submitting` (the next sync of the deal picks the task up again).
pub const DEFAULT_SUBMISSION_FOLLOW: std::time::Duration = std::time::Duration::from_secs(10);

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
    pub submit_trigger: SubmitTrigger,
    /// `aws_involvement_type` when the deal leaves it empty.
    pub default_involvement_type: String,
    /// `aws_visibility` when the deal leaves it empty.
    pub default_visibility: String,
    /// See [`DEFAULT_SUBMISSION_FOLLOW`].
    pub submission_follow: std::time::Duration,
    /// How far back the reconciliation sweep looks: twice the schedule's interval, so one
    /// missed or late sweep is covered by the next.
    pub sweep_lookback: std::time::Duration,
    /// What to do with AWS referrals (engagement invitations).
    pub referrals: ReferralSettings,
}

/// REFERRAL_*: where a referral's deal goes, who owns it, and whether it is accepted on arrival.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralSettings {
    /// REFERRAL_PIPELINE: the deal pipeline's id; `None`: the default pipeline.
    pub pipeline: Option<String>,
    /// REFERRAL_STAGE: the stage's id; `None`: the pipeline's first stage.
    pub stage: Option<String>,
    /// REFERRAL_OWNER_ID: the HubSpot owner of the deal and of its task.
    pub owner_id: Option<String>,
    /// REFERRAL_REJECTED_STAGE: the stage a rejected referral's deal moves to; `None`: it stays.
    pub rejected_stage: Option<String>,
    /// REFERRAL_AUTO_ACCEPT: accept every referral on arrival (default false: a person decides).
    pub auto_accept: bool,
}

impl ReferralSettings {
    fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let auto_accept = match env.optional("REFERRAL_AUTO_ACCEPT").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "REFERRAL_AUTO_ACCEPT",
                    reason: format!("{other:?} is neither `true` nor `false`"),
                });
            }
        };
        Ok(ReferralSettings {
            pipeline: env.optional("REFERRAL_PIPELINE"),
            stage: env.optional("REFERRAL_STAGE"),
            owner_id: env.optional("REFERRAL_OWNER_ID"),
            rejected_stage: env.optional("REFERRAL_REJECTED_STAGE"),
            auto_accept,
        })
    }
}

/// The reconciliation schedule's default interval (template.yaml `SweepIntervalMinutes`).
pub const DEFAULT_SWEEP_INTERVAL_MINUTES: u64 = 15;

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
            submit_trigger: SubmitTrigger::Property,
            default_involvement_type: INVOLVEMENT_TYPES[0].to_owned(),
            default_visibility: VISIBILITIES[0].to_owned(),
            submission_follow: DEFAULT_SUBMISSION_FOLLOW,
            sweep_lookback: std::time::Duration::from_secs(DEFAULT_SWEEP_INTERVAL_MINUTES * 2 * 60),
            referrals: ReferralSettings::default(),
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
        if let Some(trigger) = env.optional("SUBMIT_TRIGGER") {
            settings.submit_trigger = SubmitTrigger::parse(&trigger)?;
        }
        if let Some(value) = env.optional("DEFAULT_INVOLVEMENT_TYPE") {
            settings.default_involvement_type =
                one_of("DEFAULT_INVOLVEMENT_TYPE", &value, &INVOLVEMENT_TYPES)?;
        }
        if let Some(value) = env.optional("DEFAULT_VISIBILITY") {
            settings.default_visibility = one_of("DEFAULT_VISIBILITY", &value, &VISIBILITIES)?;
        }
        if let Some(value) = env.optional("SUBMISSION_FOLLOW_SECONDS") {
            let seconds = value
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=60).contains(s))
                .ok_or_else(|| ConfigError::Invalid {
                    name: "SUBMISSION_FOLLOW_SECONDS",
                    reason: format!("{value:?} is not a whole number of seconds from 1 to 60"),
                })?;
            settings.submission_follow = std::time::Duration::from_secs(seconds);
        }
        if let Some(value) = env.optional("SWEEP_INTERVAL_MINUTES") {
            let minutes = value
                .parse::<u64>()
                .ok()
                .filter(|m| (1..=1440).contains(m))
                .ok_or_else(|| ConfigError::Invalid {
                    name: "SWEEP_INTERVAL_MINUTES",
                    reason: format!("{value:?} is not a whole number of minutes from 1 to 1440"),
                })?;
            settings.sweep_lookback = std::time::Duration::from_secs(minutes * 2 * 60);
        }
        settings.referrals = ReferralSettings::read(env)?;
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

/// `value` spelled as one of `allowed` (case-insensitively), in the allowed spelling.
fn one_of(name: &'static str, value: &str, allowed: &[&str]) -> Result<String, ConfigError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
        .map(|a| (*a).to_owned())
        .ok_or_else(|| ConfigError::Invalid {
            name,
            reason: format!("{value:?} is not one of {}", allowed.join(", ")),
        })
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
    /// HUBSPOT_PORTAL_ID: the HubSpot account the token belongs to; when unset the processor
    /// asks HubSpot's account-info API once per cold start.
    pub hubspot_portal_id: Option<u64>,
    /// The CloudWatch namespace of the function's EMF metrics.
    pub metrics_namespace: String,
    /// How many processor instances can run at once: the SQS event source's
    /// `MaximumConcurrency`. Each instance takes this share of the partner account's quotas.
    pub max_concurrency: u32,
    /// The queue this function consumes (`QUEUE_URL`): records the Partner Central quota held
    /// up are handed back to it. Unset, they are reported failed instead.
    pub queue_url: Option<String>,
}

/// The template's `ScalingConfig.MaximumConcurrency` (also the smallest value Lambda allows).
pub const DEFAULT_MAX_CONCURRENCY: u32 = 2;

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
            hubspot_portal_id: match env.optional("HUBSPOT_PORTAL_ID") {
                None => None,
                Some(value) => Some(value.parse::<u64>().map_err(|_| ConfigError::Invalid {
                    name: "HUBSPOT_PORTAL_ID",
                    reason: format!("{value:?} is not a HubSpot account id (a number)"),
                })?),
            },
            metrics_namespace: env
                .optional("METRICS_NAMESPACE")
                .unwrap_or_else(|| events::emf::DEFAULT_NAMESPACE.to_owned()),
            queue_url: env.optional("QUEUE_URL"),
            max_concurrency: match env.optional("PROCESSOR_MAX_CONCURRENCY") {
                None => DEFAULT_MAX_CONCURRENCY,
                Some(value) => value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (2..=1000).contains(n))
                    .ok_or_else(|| ConfigError::Invalid {
                        name: "PROCESSOR_MAX_CONCURRENCY",
                        reason: format!(
                            "{value:?} is not the event source's MaximumConcurrency (2 to 1000)"
                        ),
                    })?,
            },
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
    fn submission_settings() {
        let base = ("PARTNER_CENTRAL_CATALOG", "Sandbox");
        let s = SyncSettings::from_lookup(env(&[base])).unwrap();
        assert_eq!(s.submit_trigger, SubmitTrigger::Property);
        assert_eq!(s.default_involvement_type, "Co-Sell");
        assert_eq!(s.default_visibility, "Full");
        assert_eq!(s.submission_follow, DEFAULT_SUBMISSION_FOLLOW);
        let s = SyncSettings::from_lookup(env(&[
            base,
            ("SUBMIT_TRIGGER", "stage:technical validation"),
            ("DEFAULT_INVOLVEMENT_TYPE", "for visibility only"),
            ("DEFAULT_VISIBILITY", "limited"),
            ("SUBMISSION_FOLLOW_SECONDS", "3"),
        ]))
        .unwrap();
        assert_eq!(
            s.submit_trigger,
            SubmitTrigger::Stage("Technical Validation".into())
        );
        assert_eq!(s.default_involvement_type, "For Visibility Only");
        assert_eq!(s.default_visibility, "Limited");
        assert_eq!(s.submission_follow, std::time::Duration::from_secs(3));
        assert_eq!(s.sweep_lookback, std::time::Duration::from_secs(30 * 60));
        assert_eq!(s.referrals, ReferralSettings::default());
        let r = SyncSettings::from_lookup(env(&[
            base,
            ("REFERRAL_AUTO_ACCEPT", "true"),
            ("REFERRAL_PIPELINE", "default"),
            ("REFERRAL_STAGE", "appointmentscheduled"),
            ("REFERRAL_OWNER_ID", "5550001"),
            ("REFERRAL_REJECTED_STAGE", "closedlost"),
        ]))
        .unwrap()
        .referrals;
        assert!(r.auto_accept);
        assert_eq!(r.rejected_stage.as_deref(), Some("closedlost"));
        assert_eq!(r.owner_id.as_deref(), Some("5550001"));
        let s = SyncSettings::from_lookup(env(&[base, ("SWEEP_INTERVAL_MINUTES", "60")])).unwrap();
        assert_eq!(
            s.sweep_lookback,
            std::time::Duration::from_secs(2 * 60 * 60)
        );
        let off = SyncSettings::from_lookup(env(&[base, ("SUBMIT_TRIGGER", "off")])).unwrap();
        assert_eq!(off.submit_trigger, SubmitTrigger::Off);
        for (name, value) in [
            ("SUBMIT_TRIGGER", "stage:Launched"),
            ("SUBMIT_TRIGGER", "stage:Prospect"),
            ("SUBMIT_TRIGGER", "always"),
            ("DEFAULT_INVOLVEMENT_TYPE", "Co Sell"),
            ("DEFAULT_VISIBILITY", "Public"),
            ("SUBMISSION_FOLLOW_SECONDS", "0"),
            ("SUBMISSION_FOLLOW_SECONDS", "600"),
            ("SWEEP_INTERVAL_MINUTES", "0"),
            ("SWEEP_INTERVAL_MINUTES", "quarter"),
            ("REFERRAL_AUTO_ACCEPT", "yes"),
        ] {
            let err = SyncSettings::from_lookup(env(&[base, (name, value)])).unwrap_err();
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
        assert_eq!(c.hubspot_portal_id, None);
        let with_portal = [base[0], ("HUBSPOT_SECRET_ARN", "arn:s")];
        let c2 = Config::from_lookup(env(&[
            with_portal[0],
            with_portal[1],
            ("HUBSPOT_PORTAL_ID", "62515"),
        ]))
        .unwrap();
        assert_eq!(c2.hubspot_portal_id, Some(62515));
        let err = Config::from_lookup(env(&[
            with_portal[0],
            with_portal[1],
            ("HUBSPOT_PORTAL_ID", "abc"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("HUBSPOT_PORTAL_ID"), "{err}");
        assert_eq!(c.role_arn, None);
        assert_eq!(c.metrics_namespace, events::emf::DEFAULT_NAMESPACE);
        assert_eq!(c.max_concurrency, DEFAULT_MAX_CONCURRENCY);
        for bad in ["1", "two", "5000"] {
            let err = Config::from_lookup(env(&[
                base[0],
                ("HUBSPOT_SECRET_ARN", "arn:s"),
                ("PROCESSOR_MAX_CONCURRENCY", bad),
            ]))
            .unwrap_err();
            assert!(
                err.to_string().contains("PROCESSOR_MAX_CONCURRENCY"),
                "{err}"
            );
        }
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
