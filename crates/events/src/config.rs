//! The one way every binary reports a configuration problem: by the variable's name, read through
//! a lookup so tests need not touch the process environment.

/// What went wrong reading the environment; always names the variable.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is required and must not be empty")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A variable lookup that treats blank values as unset (SAM passes `""` for an empty parameter).
pub struct Env<F>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn new(lookup: F) -> Self {
        Env(lookup)
    }

    /// The trimmed value, or `None` when unset or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    /// Parses the value with `FromStr`, falling back to `default` when unset.
    pub fn parsed<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e: T::Err| ConfigError::Invalid {
                name,
                reason: format!("{v:?}: {e}"),
            }),
        }
    }
}

/// The process environment.
pub fn process_env() -> Env<impl Fn(&str) -> Option<String>> {
    Env::new(|name: &str| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_missing_and_bad_numbers_name_the_variable() {
        let env = Env::new(|name: &str| match name {
            "BLANK" => Some("  ".into()),
            "N" => Some("x".into()),
            "OK" => Some(" 7 ".into()),
            _ => None,
        });
        assert_eq!(env.required("BLANK"), Err(ConfigError::Missing("BLANK")));
        assert_eq!(env.parsed::<u32>("OK", 1), Ok(7));
        assert_eq!(env.parsed::<u32>("UNSET", 1), Ok(1));
        let err = env.parsed::<u32>("N", 1).unwrap_err().to_string();
        assert!(err.contains("environment variable N is invalid"), "{err}");
    }
}
