//! The JSON document the stack's Secrets Manager secret holds.

use serde::Deserialize;

/// `{"clientSecret": "...", "previousClientSecret": "...", "accessToken": "..."}`; each Lambda
/// reads only what it needs, once per cold start.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretDocument {
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub previous_client_secret: Option<String>,
    #[serde(default)]
    pub access_token: Option<String>,
}

impl SecretDocument {
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json)
            .map_err(|e| format!("secret is not the expected JSON document: {e}"))
    }
}

impl std::fmt::Debug for SecretDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("SecretDocument")
            .field("client_secret", &shown(&self.client_secret))
            .field(
                "previous_client_secret",
                &shown(&self.previous_client_secret),
            )
            .field("access_token", &shown(&self.access_token))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_redacts() {
        let doc = SecretDocument::parse(r#"{"clientSecret":"s1","accessToken":"pat-1"}"#).unwrap();
        assert_eq!(doc.client_secret.as_deref(), Some("s1"));
        assert_eq!(doc.previous_client_secret, None);
        assert_eq!(doc.access_token.as_deref(), Some("pat-1"));
        assert!(!format!("{doc:?}").contains("s1"));
        assert!(SecretDocument::parse("plain-text").is_err());
    }
}
