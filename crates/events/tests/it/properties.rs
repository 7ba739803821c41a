//! Properties of the webhook edge over arbitrary input: the parsers and the signature verifier
//! never panic, never accept a request that was not signed with the secret, and a valid event
//! is never lost because a neighbour in its delivery is invalid.

use events::signature::{DEFAULT_MAX_AGE_MS, v1_digest, v2_digest, v3_signature, verify};
use events::{AcceptedVersions, ClientSecrets, SignedRequest, parse_delivery};
use proptest::prelude::*;
use serde_json::{Value, json};

const SECRET: &str = "the-client-secret";
const URI: &str = "https://hooks.example.com/webhook/hubspot";
const NOW: i64 = 1_700_000_000_000;

fn secrets() -> ClientSecrets {
    ClientSecrets::new(SECRET, Some("the-previous-secret".into()))
}

/// A valid HubSpot event for object `id`.
fn valid_event(id: u64, seq: u64) -> Value {
    json!({"eventId": seq, "portalId": 62515, "occurredAt": 1_700_000_000_000u64 + seq,
           "subscriptionType": "deal.propertyChange", "objectId": id,
           "propertyName": "amount", "propertyValue": seq.to_string()})
}

/// Objects that are not valid events: missing fields, wrong types, or arbitrary maps.
fn invalid_event() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(|n| json!({"eventId": n, "portalId": 1, "occurredAt": 1,
                                         "subscriptionType": "deal.creation"})),
        ".*".prop_map(|s| json!({"eventId": s, "portalId": 1, "occurredAt": 1,
                                 "subscriptionType": "deal.creation", "objectId": 5})),
        any::<i64>().prop_map(|n| json!({"eventId": 1, "portalId": 1, "occurredAt": 1,
                                         "subscriptionType": "deal.creation",
                                         "objectId": if n >= 0 { json!(n.to_string()) } else { json!(n) }})),
        prop::collection::btree_map("[a-zA-Z]{1,12}", any::<i32>(), 0..6)
            .prop_map(|m| serde_json::to_value(m).unwrap()),
    ]
}

/// Arbitrary header values, including absent ones, hex, base64 and garbage.
fn header() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[0-9a-f]{64}",
        "[A-Za-z0-9+/]{43}=",
        ".{0,80}",
        any::<i64>().prop_map(|n| n.to_string()),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_body_parses_or_is_refused_without_panicking(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_delivery(&body);
    }

    #[test]
    fn any_json_body_parses_or_is_refused_without_panicking(
        items in prop::collection::vec(prop_oneof![invalid_event(), Just(json!(null)), Just(json!([1]))], 0..8)
    ) {
        let _ = parse_delivery(Value::Array(items).to_string().as_bytes());
    }

    #[test]
    fn a_valid_event_is_never_lost_because_of_its_neighbours(
        layout in prop::collection::vec(prop::option::of(invalid_event()), 1..30)
    ) {
        // `None` slots hold valid events, `Some` slots invalid ones, in any order.
        let mut expected = Vec::new();
        let items: Vec<Value> = layout
            .into_iter()
            .enumerate()
            .map(|(i, slot)| slot.unwrap_or_else(|| {
                expected.push(1000 + i as u64);
                valid_event(1000 + i as u64, i as u64)
            }))
            .collect();
        let total = items.len();
        let delivery = parse_delivery(Value::Array(items).to_string().as_bytes()).unwrap();
        let got: Vec<u64> = delivery.events.iter().filter_map(|e| e.subject_id()).collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(delivery.events.len() + delivery.rejected.len(), total);
    }

    #[test]
    fn the_verifier_never_accepts_what_the_secret_did_not_sign(
        body in prop::collection::vec(any::<u8>(), 0..256),
        signature_v3 in header(),
        timestamp in header(),
        signature in header(),
        version in prop::option::of(prop_oneof![Just("v1".to_owned()), Just("v2".to_owned()), ".{0,4}"]),
    ) {
        let request = SignedRequest {
            method: "POST",
            uri: URI,
            body: &body,
            signature_v3: signature_v3.as_deref(),
            timestamp: timestamp.as_deref(),
            signature: signature.as_deref(),
            signature_version: version.as_deref(),
        };
        let accepted = verify(&request, &secrets(), AcceptedVersions::ALL, NOW, DEFAULT_MAX_AGE_MS);
        if accepted.is_ok() {
            // Only possible if a header happens to equal the genuine signature.
            let ts = timestamp.clone().unwrap_or_default();
            let genuine_v3 = v3_signature(SECRET, "POST", URI, &body, &ts);
            let genuine_v1 = hex::encode(v1_digest(SECRET, &body));
            let genuine_v2 = hex::encode(v2_digest(SECRET, "POST", URI, &body));
            let given = signature.unwrap_or_default().to_ascii_lowercase();
            prop_assert!(
                signature_v3.as_deref() == Some(genuine_v3.as_str())
                    || given == genuine_v1 || given == genuine_v2,
                "accepted a forgery"
            );
        }
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_to_its_body_breaks_it(
        body in prop::collection::vec(any::<u8>(), 1..256),
        flip in any::<prop::sample::Index>(),
        age_ms in 0..DEFAULT_MAX_AGE_MS,
    ) {
        let ts = (NOW - age_ms).to_string();
        let v3 = v3_signature(SECRET, "POST", URI, &body, &ts);
        let request = SignedRequest {
            method: "POST", uri: URI, body: &body,
            signature_v3: Some(&v3), timestamp: Some(&ts),
            signature: None, signature_version: None,
        };
        prop_assert!(verify(&request, &secrets(), AcceptedVersions::default(), NOW, DEFAULT_MAX_AGE_MS).is_ok());
        let mut tampered = body.clone();
        let i = flip.index(tampered.len());
        tampered[i] ^= 0x01;
        let forged = SignedRequest { body: &tampered, ..request };
        prop_assert!(verify(&forged, &secrets(), AcceptedVersions::default(), NOW, DEFAULT_MAX_AGE_MS).is_err());
    }

    #[test]
    fn a_genuine_v1_or_v2_signature_alone_is_refused_by_default(
        body in prop::collection::vec(any::<u8>(), 0..256),
        v2 in any::<bool>(),
    ) {
        let digest = if v2 { v2_digest(SECRET, "POST", URI, &body) } else { v1_digest(SECRET, &body) };
        let signature = hex::encode(digest);
        let request = SignedRequest {
            method: "POST", uri: URI, body: &body,
            signature_v3: None, timestamp: None,
            signature: Some(&signature), signature_version: Some(if v2 { "v2" } else { "v1" }),
        };
        let verdict = verify(&request, &secrets(), AcceptedVersions::default(), NOW, DEFAULT_MAX_AGE_MS);
        prop_assert!(matches!(verdict, Err(events::SignatureError::VersionNotAccepted(_))), "{verdict:?}");
        // The same request is genuine: it verifies once its version is allowed.
        prop_assert!(verify(&request, &secrets(), AcceptedVersions::ALL, NOW, DEFAULT_MAX_AGE_MS).is_ok());
    }

    #[test]
    fn changing_any_signed_input_of_a_v3_request_breaks_it(
        body in prop::collection::vec(any::<u8>(), 1..128),
        which in 0..5usize,
        age_ms in 0..DEFAULT_MAX_AGE_MS,
    ) {
        let ts = (NOW - age_ms).to_string();
        let v3 = v3_signature(SECRET, "POST", URI, &body, &ts);
        let mut changed_body = body.clone();
        changed_body.push(b' ');
        let other_ts = (NOW - age_ms - 1).to_string();
        let other_secret = v3_signature("not-the-secret", "POST", URI, &body, &ts);
        let base = SignedRequest {
            method: "POST", uri: URI, body: &body,
            signature_v3: Some(&v3), timestamp: Some(&ts),
            signature: None, signature_version: None,
        };
        let changed = match which {
            0 => SignedRequest { body: &changed_body, ..base },
            1 => SignedRequest { timestamp: Some(&other_ts), ..base },
            2 => SignedRequest { uri: "https://hooks.example.com/webhook/other", ..base },
            3 => SignedRequest { method: "PUT", ..base },
            _ => SignedRequest { signature_v3: Some(&other_secret), ..base },
        };
        prop_assert!(verify(&base, &secrets(), AcceptedVersions::default(), NOW, DEFAULT_MAX_AGE_MS).is_ok());
        prop_assert!(verify(&changed, &secrets(), AcceptedVersions::default(), NOW, DEFAULT_MAX_AGE_MS).is_err());
    }
}
