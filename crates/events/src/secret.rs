//! The JSON document the stack's Secrets Manager secret holds.

use secrecy::SecretString;
use serde::Deserialize;

/// `{"clientSecret": "...", "previousClientSecret": "...", "accessToken": "..."}`; each Lambda
/// reads only what it needs, once per cold start. The values are `SecretString`s: `{:?}` prints
/// them redacted and reading one takes an explicit `expose_secret()`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretDocument {
    #[serde(default)]
    pub client_secret: Option<SecretString>,
    #[serde(default)]
    pub previous_client_secret: Option<SecretString>,
    #[serde(default)]
    pub access_token: Option<SecretString>,
}

impl SecretDocument {
    pub fn parse(json: &str) -> Result<Self, String> {
        // serde_json's message can quote the offending value, which may be the secret itself:
        // only the kind of error and its position are reported.
        serde_json::from_str(json).map_err(|e| {
            format!(
                "secret is not the expected JSON document ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn parses_and_redacts() {
        let doc = SecretDocument::parse(r#"{"clientSecret":"s1","accessToken":"pat-1"}"#).unwrap();
        assert_eq!(
            doc.client_secret.as_ref().map(|s| s.expose_secret()),
            Some("s1")
        );
        assert!(doc.previous_client_secret.is_none());
        assert_eq!(
            doc.access_token.as_ref().map(|s| s.expose_secret()),
            Some("pat-1")
        );
        assert!(!format!("{doc:?}").contains("s1"));
        assert!(!format!("{doc:?}").contains("pat-1"));
        assert!(SecretDocument::parse("plain-text").is_err());
        // A value of the wrong type is not quoted back (it could be the secret).
        let err = SecretDocument::parse(r#"{"clientSecret": 123456789}"#).unwrap_err();
        assert!(!err.contains("123456789"), "{err}");
    }
}
