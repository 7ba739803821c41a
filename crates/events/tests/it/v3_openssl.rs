//! Cross-checks our v3 signatures with an independent implementation: the `openssl` command
//! (the same check `scripts/send-test-webhook.sh` relies on when it signs requests).

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine as _;

fn openssl_v3(secret: &str, message: &[u8]) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", secret, "-binary"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl must be installed (Debian: openssl) for this cross-check");
    child.stdin.take().unwrap().write_all(message).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    base64::engine::general_purpose::STANDARD.encode(output.stdout)
}

#[test]
fn v3_matches_openssl_for_varied_requests() {
    let cases = [
        (
            "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
            "POST",
            "https://www.example.com/webhook_uri",
            "[]",
            "1564113600000",
        ),
        (
            "s3cr3t",
            "POST",
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/webhook/hubspot?x=1&y=2",
            r#"[{"eventId":1,"portalId":2,"occurredAt":3,"subscriptionType":"deal.propertyChange","objectId":4,"propertyName":"dealname","propertyValue":"Acme – Ünïcode #AWS"}]"#,
            "1700000000123",
        ),
        (
            "another secret with spaces",
            "GET",
            "https://hooks.example.com/a",
            "",
            "1",
        ),
    ];
    for (secret, method, uri, body, ts) in cases {
        let message = format!("{method}{uri}{body}{ts}");
        assert_eq!(
            events::signature::v3_signature(secret, method, uri, body.as_bytes(), ts),
            openssl_v3(secret, message.as_bytes()),
            "{uri}"
        );
    }
}
