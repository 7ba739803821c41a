//! HubSpot request signatures v1, v2 and v3, as HubSpot documents them in
//! <https://developers.hubspot.com/docs/api/webhooks/validating-requests>.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// HubSpot's documented tolerance for v3 timestamps.
pub const DEFAULT_MAX_AGE_MS: i64 = 5 * 60 * 1000;

/// The app's client secret, and the previous one while a rotation is in progress, so requests
/// signed with either are accepted and a secret can be rotated without refusing deliveries.
#[derive(Debug, Clone)]
pub struct ClientSecrets {
    current: SecretString,
    previous: Option<SecretString>,
}

impl ClientSecrets {
    pub fn new(current: impl Into<SecretString>, previous: Option<SecretString>) -> Self {
        let current = current.into();
        let previous = previous.filter(|p| !p.expose_secret().is_empty());
        Self { current, previous }
    }

    fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.current.expose_secret())
            .chain(self.previous.as_ref().map(|p| p.expose_secret()))
    }
}

/// What a request carries that signatures cover. Header values as received (`None` if absent).
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The full URL HubSpot called: scheme, host, path and query exactly.
    pub uri: &'a str,
    pub body: &'a [u8],
    /// `X-HubSpot-Signature-v3`
    pub signature_v3: Option<&'a str>,
    /// `X-HubSpot-Request-Timestamp`, epoch milliseconds.
    pub timestamp: Option<&'a str>,
    /// `X-HubSpot-Signature` (v1 and v2)
    pub signature: Option<&'a str>,
    /// `X-HubSpot-Signature-Version`
    pub signature_version: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureVersion {
    V1,
    V2,
    V3,
}

impl SignatureVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureVersion::V1 => "v1",
            SignatureVersion::V2 => "v2",
            SignatureVersion::V3 => "v3",
        }
    }
}

/// The signature versions a receiver accepts (`SIGNATURE_VERSIONS`). HubSpot signs every
/// request with v3 *and* with the older v1 or v2 for backward compatibility
/// (<https://developers.hubspot.com/docs/api/webhooks/validating-requests>); only v3 carries a
/// timestamp, so a request verified by v1 or v2 alone can be replayed forever. The default is
/// v3 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedVersions {
    v1: bool,
    v2: bool,
    v3: bool,
}

impl Default for AcceptedVersions {
    fn default() -> Self {
        AcceptedVersions::V3_ONLY
    }
}

impl AcceptedVersions {
    pub const V3_ONLY: AcceptedVersions = AcceptedVersions {
        v1: false,
        v2: false,
        v3: true,
    };
    pub const ALL: AcceptedVersions = AcceptedVersions {
        v1: true,
        v2: true,
        v3: true,
    };

    /// `v3`, `v3,v2,v1`, … (any order, case-insensitive); at least one version.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut accepted = AcceptedVersions {
            v1: false,
            v2: false,
            v3: false,
        };
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.to_ascii_lowercase().as_str() {
                "v1" => accepted.v1 = true,
                "v2" => accepted.v2 = true,
                "v3" => accepted.v3 = true,
                other => {
                    return Err(format!(
                        "unknown signature version {other:?}; use v1, v2 or v3"
                    ));
                }
            }
        }
        if accepted
            == (AcceptedVersions {
                v1: false,
                v2: false,
                v3: false,
            })
        {
            return Err("name at least one signature version (v3 recommended)".into());
        }
        Ok(accepted)
    }

    pub fn accepts(self, version: SignatureVersion) -> bool {
        match version {
            SignatureVersion::V1 => self.v1,
            SignatureVersion::V2 => self.v2,
            SignatureVersion::V3 => self.v3,
        }
    }
}

/// Why a request was refused. Every variant maps to a 401 at the webhook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no HubSpot signature header")]
    Missing,
    #[error("unsupported signature version {0:?}")]
    UnsupportedVersion(String),
    #[error("X-HubSpot-Request-Timestamp is missing or not epoch milliseconds")]
    BadTimestamp,
    #[error("request timestamp is {age_secs} s old, more than the {max_secs} s allowed")]
    Stale { age_secs: i64, max_secs: i64 },
    #[error(
        "request timestamp is {ahead_secs} s in the future, more than the {max_secs} s allowed"
    )]
    Future { ahead_secs: i64, max_secs: i64 },
    #[error("signature does not match")]
    Mismatch,
    #[error(
        "the request carries no signature of an accepted version (SIGNATURE_VERSIONS); it has {0}"
    )]
    VersionNotAccepted(&'static str),
}

impl SignatureError {
    /// A stable machine-readable reason, used in responses and metric dimensions.
    pub fn reason(&self) -> &'static str {
        match self {
            SignatureError::Missing => "missing_signature",
            SignatureError::VersionNotAccepted(_) => "signature_version_not_accepted",
            SignatureError::Stale { .. } | SignatureError::Future { .. } => "stale_signature",
            SignatureError::UnsupportedVersion(_)
            | SignatureError::BadTimestamp
            | SignatureError::Mismatch => "invalid_signature",
        }
    }
}

/// Checks a request's signature with the versions `accepted` allows: v3 when its header is
/// present and v3 is accepted, else v1/v2. A request whose only signatures are of versions not
/// accepted is refused as such, so a v3 header stripped off a captured request cannot downgrade
/// it to a replayable v1/v2 check.
///
/// `now_ms` is the current time in epoch milliseconds; `max_age_ms` bounds how far the v3
/// timestamp may be from it in either direction (a timestamp from the future is as suspect
/// as an old one: it would let a captured request be replayed for longer).
pub fn verify(
    request: &SignedRequest<'_>,
    secrets: &ClientSecrets,
    accepted: AcceptedVersions,
    now_ms: i64,
    max_age_ms: i64,
) -> Result<SignatureVersion, SignatureError> {
    if let Some(signature) = request.signature_v3.filter(|_| accepted.v3) {
        let timestamp = request.timestamp.ok_or(SignatureError::BadTimestamp)?;
        let ts: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        let skew = now_ms.saturating_sub(ts);
        if skew > max_age_ms {
            return Err(SignatureError::Stale {
                age_secs: skew / 1000,
                max_secs: max_age_ms / 1000,
            });
        }
        if -skew > max_age_ms {
            return Err(SignatureError::Future {
                ahead_secs: -skew / 1000,
                max_secs: max_age_ms / 1000,
            });
        }
        let given = BASE64
            .decode(signature.trim())
            .map_err(|_| SignatureError::Mismatch)?;
        // HubSpot's docs decode a fixed set of escapes before signing; its SDKs sign the URI
        // as is. Either form proves knowledge of the secret, so both are accepted.
        let decoded = decode_v3_uri(request.uri);
        let mut uris = vec![decoded.as_str()];
        if decoded != request.uri {
            uris.push(request.uri);
        }
        for secret in secrets.all() {
            for uri in &uris {
                if verify_v3(secret, request.method, uri, request.body, timestamp, &given) {
                    return Ok(SignatureVersion::V3);
                }
            }
        }
        return Err(SignatureError::Mismatch);
    }

    let Some(signature) = request.signature else {
        return Err(if request.signature_v3.is_some() {
            SignatureError::VersionNotAccepted("only v3")
        } else {
            SignatureError::Missing
        });
    };
    let version = match request.signature_version.map(str::trim) {
        None | Some("v1") | Some("V1") => SignatureVersion::V1,
        Some("v2") | Some("V2") => SignatureVersion::V2,
        Some(other) => return Err(SignatureError::UnsupportedVersion(other.to_owned())),
    };
    if !accepted.accepts(version) {
        return Err(SignatureError::VersionNotAccepted(match version {
            SignatureVersion::V1 => "v1",
            _ => "v2",
        }));
    }
    let given = hex::decode(signature.trim()).map_err(|_| SignatureError::Mismatch)?;
    for secret in secrets.all() {
        let expected = match version {
            SignatureVersion::V1 => v1_digest(secret, request.body),
            _ => v2_digest(secret, request.method, request.uri, request.body),
        };
        if bool::from(expected.as_slice().ct_eq(&given)) {
            return Ok(version);
        }
    }
    Err(SignatureError::Mismatch)
}

/// v1: SHA-256 of secret + body.
pub fn v1_digest(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(secret.as_bytes());
    hash.update(body);
    hash.finalize().to_vec()
}

/// v2: SHA-256 of secret + method + URI + body.
pub fn v2_digest(secret: &str, method: &str, uri: &str, body: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(secret.as_bytes());
    hash.update(method.as_bytes());
    hash.update(uri.as_bytes());
    hash.update(body);
    hash.finalize().to_vec()
}

/// v3: base64 of HMAC-SHA256(secret, method + URI + body + timestamp).
pub fn v3_signature(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    BASE64.encode(
        v3_mac(secret, method, uri, body, timestamp)
            .finalize()
            .into_bytes(),
    )
}

fn v3_mac(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail; the fallback only satisfies the type.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    mac
}

fn verify_v3(
    secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp: &str,
    given: &[u8],
) -> bool {
    // `verify_slice` compares in constant time.
    v3_mac(secret, method, uri, body, timestamp)
        .verify_slice(given)
        .is_ok()
}

/// The escapes HubSpot's v3 documentation decodes in the URI before signing.
const V3_DECODED: [(&str, char); 12] = [
    ("%3A", ':'),
    ("%2F", '/'),
    ("%3F", '?'),
    ("%40", '@'),
    ("%21", '!'),
    ("%24", '$'),
    ("%27", '\''),
    ("%28", '('),
    ("%29", ')'),
    ("%2A", '*'),
    ("%2C", ','),
    ("%3B", ';'),
];

/// Decodes exactly the escapes listed by HubSpot (either hex case), leaving all others intact.
pub fn decode_v3_uri(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let candidate = rest.get(pos..pos + 3);
        match candidate.and_then(|c| {
            V3_DECODED
                .iter()
                .find(|(escape, _)| escape.eq_ignore_ascii_case(c))
        }) {
            Some((_, ch)) => {
                out.push(*ch);
                rest = &rest[pos + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[pos + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
    const URI: &str = "https://www.example.com/webhook_uri";
    const V1_BODY: &str = r#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;
    // Known answers published by HubSpot: v1 on the validating-requests page above, and all
    // three in its PHP SDK's tests (github.com/HubSpot/hubspot-api-php,
    // tests/Unit/Utils/SignatureTest.php).
    const V1_ANSWER: &str = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de";
    const V2_GET_ANSWER: &str = "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e";
    const V2_POST_ANSWER: &str = "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900";
    // v3 has no public vector; these were computed independently with
    //   printf '%s' "POST${URI}${V1_BODY}1564113600000" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
    // and the same with an empty body; `tests/v3_openssl.rs` re-checks them against openssl when present.
    const V3_TS: &str = "1564113600000";
    const V3_ANSWER: &str = "DxmVAjFNa2xfF3YgQjdZP6TNcok9k1oaH7UXombPtvw=";
    const V3_EMPTY_ANSWER: &str = "5Zq60GJYCCmA74gLyMxZhbLsDtt4KrjUdC7GEam4Y7Y=";
    const NOW: i64 = 1_564_113_600_000;

    fn secrets() -> ClientSecrets {
        ClientSecrets::new(SECRET, None)
    }

    fn v1(signature: &str, body: &'static str) -> SignedRequest<'static> {
        SignedRequest {
            method: "POST",
            uri: URI,
            body: body.as_bytes(),
            signature_v3: None,
            timestamp: None,
            signature: Some(Box::leak(signature.to_owned().into_boxed_str())),
            signature_version: Some("v1"),
        }
    }

    fn v3<'a>(
        body: &'a [u8],
        signature: &'a str,
        timestamp: &'a str,
        uri: &'a str,
    ) -> SignedRequest<'a> {
        SignedRequest {
            method: "POST",
            uri,
            body,
            signature_v3: Some(signature),
            timestamp: Some(timestamp),
            signature: None,
            signature_version: Some("v3"),
        }
    }

    #[test]
    fn v1_known_answer() {
        assert_eq!(
            hex::encode(v1_digest(SECRET, V1_BODY.as_bytes())),
            V1_ANSWER
        );
        assert_eq!(
            verify(
                &v1(V1_ANSWER, V1_BODY),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Ok(SignatureVersion::V1)
        );
        // hex case does not matter
        assert!(
            verify(
                &v1(&V1_ANSWER.to_uppercase(), V1_BODY),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            )
            .is_ok()
        );
    }

    #[test]
    fn v2_known_answers() {
        assert_eq!(
            hex::encode(v2_digest(SECRET, "GET", URI, b"")),
            V2_GET_ANSWER
        );
        let body = r#"{"example_field":"example_value"}"#;
        assert_eq!(
            hex::encode(v2_digest(SECRET, "POST", URI, body.as_bytes())),
            V2_POST_ANSWER
        );
        let request = SignedRequest {
            method: "POST",
            uri: URI,
            body: body.as_bytes(),
            signature_v3: None,
            timestamp: None,
            signature: Some(V2_POST_ANSWER),
            signature_version: Some("v2"),
        };
        assert_eq!(
            verify(
                &request,
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Ok(SignatureVersion::V2)
        );
        let other_uri = SignedRequest {
            uri: "https://www.example.com/other",
            ..request
        };
        assert_eq!(
            verify(
                &other_uri,
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn v3_known_answers() {
        assert_eq!(
            v3_signature(SECRET, "POST", URI, V1_BODY.as_bytes(), V3_TS),
            V3_ANSWER
        );
        assert_eq!(
            v3_signature(SECRET, "POST", URI, b"", V3_TS),
            V3_EMPTY_ANSWER
        );
        let req = v3(V1_BODY.as_bytes(), V3_ANSWER, V3_TS, URI);
        assert_eq!(
            verify(
                &req,
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Ok(SignatureVersion::V3)
        );
    }

    #[test]
    fn tampered_body_and_wrong_secret_are_refused() {
        let tampered = V1_BODY.replace("\"objectId\":123", "\"objectId\":124");
        assert_eq!(
            verify(
                &v3(tampered.as_bytes(), V3_ANSWER, V3_TS, URI),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                &v1(V1_ANSWER, "[]"),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
        let wrong = ClientSecrets::new("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", None);
        assert_eq!(
            verify(
                &v3(V1_BODY.as_bytes(), V3_ANSWER, V3_TS, URI),
                &wrong,
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                &v1(V1_ANSWER, V1_BODY),
                &wrong,
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
        // the timestamp is covered too: replaying the signature with a fresh timestamp fails
        let moved = (NOW + 1).to_string();
        assert_eq!(
            verify(
                &v3(V1_BODY.as_bytes(), V3_ANSWER, &moved, URI),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                &v3(V1_BODY.as_bytes(), "not base64!", V3_TS, URI),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn stale_and_future_timestamps_are_refused_at_the_edges() {
        let req = v3(V1_BODY.as_bytes(), V3_ANSWER, V3_TS, URI);
        let max = DEFAULT_MAX_AGE_MS;
        assert!(
            verify(&req, &secrets(), AcceptedVersions::ALL, NOW + max, max).is_ok(),
            "exactly 5 min old is accepted"
        );
        assert_eq!(
            verify(&req, &secrets(), AcceptedVersions::ALL, NOW + max + 1, max),
            Err(SignatureError::Stale {
                age_secs: 300,
                max_secs: 300
            })
        );
        assert!(
            verify(&req, &secrets(), AcceptedVersions::ALL, NOW - max, max).is_ok(),
            "exactly 5 min ahead is accepted"
        );
        assert_eq!(
            verify(
                &req,
                &secrets(),
                AcceptedVersions::ALL,
                NOW - max - 1000,
                max
            ),
            Err(SignatureError::Future {
                ahead_secs: 301,
                max_secs: 300
            })
        );
        // configurable tolerance
        assert!(matches!(
            verify(
                &req,
                &secrets(),
                AcceptedVersions::ALL,
                NOW + 61_000,
                60_000
            ),
            Err(SignatureError::Stale { .. })
        ));
        assert_eq!(
            SignatureError::Stale {
                age_secs: 1,
                max_secs: 1
            }
            .reason(),
            "stale_signature"
        );
    }

    #[test]
    fn missing_and_malformed_headers() {
        let none = SignedRequest {
            method: "POST",
            uri: URI,
            body: b"[]",
            signature_v3: None,
            timestamp: None,
            signature: None,
            signature_version: None,
        };
        assert_eq!(
            verify(
                &none,
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Missing)
        );
        let no_ts = SignedRequest {
            signature_v3: Some(V3_ANSWER),
            ..none
        };
        assert_eq!(
            verify(
                &no_ts,
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::BadTimestamp)
        );
        let bad_ts = SignedRequest {
            timestamp: Some("yesterday"),
            ..no_ts
        };
        assert_eq!(
            verify(
                &bad_ts,
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::BadTimestamp)
        );
        let v9 = SignedRequest {
            signature: Some(V1_ANSWER),
            signature_version: Some("v9"),
            ..none
        };
        assert_eq!(
            verify(
                &v9,
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::UnsupportedVersion("v9".into()))
        );
        assert_eq!(SignatureError::Missing.reason(), "missing_signature");
        assert_eq!(SignatureError::Mismatch.reason(), "invalid_signature");
    }

    #[test]
    fn previous_secret_is_accepted_during_rotation() {
        let rotating = ClientSecrets::new("the-new-secret", Some(SECRET.into()));
        let req = v3(V1_BODY.as_bytes(), V3_ANSWER, V3_TS, URI);
        assert_eq!(
            verify(
                &req,
                &rotating,
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Ok(SignatureVersion::V3)
        );
        assert_eq!(
            verify(
                &v1(V1_ANSWER, V1_BODY),
                &rotating,
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Ok(SignatureVersion::V1)
        );
        // and the new one signs too
        let new_sig = v3_signature("the-new-secret", "POST", URI, b"[]", V3_TS);
        assert!(
            verify(
                &v3(b"[]", &new_sig, V3_TS, URI),
                &rotating,
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            )
            .is_ok()
        );
        // once the rotation is over, the old one is refused
        let rotated = ClientSecrets::new("the-new-secret", Some("".into()));
        assert_eq!(
            verify(
                &req,
                &rotated,
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            ),
            Err(SignatureError::Mismatch)
        );
        assert!(!format!("{rotating:?}").contains("the-new-secret"));
    }

    #[test]
    fn v3_uri_decoding_follows_the_docs() {
        assert_eq!(
            decode_v3_uri("https://x.io/a%3Ab%2Fc%3Fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm"),
            "https://x.io/a:b/c?d@e!f$g'h(i)j*k,l;m"
        );
        // other escapes and lower-case forms of listed ones
        assert_eq!(
            decode_v3_uri("https://x.io/?q=a%20b%3a%2f"),
            "https://x.io/?q=a%20b:/"
        );
        assert_eq!(decode_v3_uri("100%"), "100%");
        assert_eq!(decode_v3_uri("%%3A%"), "%:%");
        // HubSpot signs the decoded form: a request to an encoded URI verifies
        let encoded = "https://www.example.com/webhook_uri?x=a%3Ab";
        let sig = v3_signature(
            SECRET,
            "POST",
            "https://www.example.com/webhook_uri?x=a:b",
            b"[]",
            V3_TS,
        );
        assert!(
            verify(
                &v3(b"[]", &sig, V3_TS, encoded),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            )
            .is_ok()
        );
        // and the SDKs sign the raw form: accepted as well
        let sig_raw = v3_signature(SECRET, "POST", encoded, b"[]", V3_TS);
        assert!(
            verify(
                &v3(b"[]", &sig_raw, V3_TS, encoded),
                &secrets(),
                AcceptedVersions::ALL,
                NOW,
                DEFAULT_MAX_AGE_MS
            )
            .is_ok()
        );
    }
    #[test]
    fn a_stripped_v3_header_does_not_downgrade_to_v1_or_v2() {
        let body = "[]";
        let ts = NOW.to_string();
        let v3 = v3_signature(SECRET, "POST", URI, body.as_bytes(), &ts);
        let v1_answer = hex::encode(v1_digest(SECRET, body.as_bytes()));
        let full = SignedRequest {
            signature_v3: Some(&v3),
            timestamp: Some(&ts),
            ..v1(&v1_answer, "[]")
        };
        let v3_only = AcceptedVersions::default();
        assert_eq!(
            verify(&full, &secrets(), v3_only, NOW, DEFAULT_MAX_AGE_MS),
            Ok(SignatureVersion::V3)
        );
        // The captured request with its v3 headers removed: valid v1, refused by default.
        let stripped = v1(&v1_answer, "[]");
        let refused = verify(&stripped, &secrets(), v3_only, NOW, DEFAULT_MAX_AGE_MS);
        assert_eq!(refused, Err(SignatureError::VersionNotAccepted("v1")));
        assert_eq!(
            refused.unwrap_err().reason(),
            "signature_version_not_accepted"
        );
        // Only when the operator allows v1 (a documented, replayable choice).
        let legacy = AcceptedVersions::parse("v3,v1").unwrap();
        assert_eq!(
            verify(&stripped, &secrets(), legacy, NOW, DEFAULT_MAX_AGE_MS),
            Ok(SignatureVersion::V1)
        );
        // v1 only accepted: a v3-only request names what it has.
        let v1_only = AcceptedVersions::parse("v1").unwrap();
        let v3_alone = SignedRequest {
            signature: None,
            signature_version: None,
            ..full
        };
        assert_eq!(
            verify(&v3_alone, &secrets(), v1_only, NOW, DEFAULT_MAX_AGE_MS),
            Err(SignatureError::VersionNotAccepted("only v3"))
        );
    }

    #[test]
    fn accepted_versions_parse_lists_and_refuse_nonsense() {
        assert_eq!(AcceptedVersions::parse("v3"), Ok(AcceptedVersions::V3_ONLY));
        assert_eq!(
            AcceptedVersions::parse(" V1, v3 ,v2"),
            Ok(AcceptedVersions::ALL)
        );
        assert!(AcceptedVersions::parse("").is_err());
        assert!(AcceptedVersions::parse("v4").is_err());
        assert!(AcceptedVersions::parse(",").is_err());
    }
}
