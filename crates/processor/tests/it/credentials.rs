//! AWS wiring against real protocol servers: STS AssumeRole and Secrets Manager on moto
//! (`MOTO_ENDPOINT`, exported by scripts/test.sh), Partner Central on the sandbox fake.
//!
//! The endpoint variables (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING`)
//! are read by aws-config from the process environment, which a test cannot change safely
//! (`unsafe_code` is forbidden). So the parent test re-runs this test binary for one `child_*`
//! test with the variables set (`common::run_child`), and checks what reached the fakes. The
//! children are `ignore`d so they never run on their own.

use aws_sdk_secretsmanager::config::ProvideCredentials;
use edge::SecretError;
use events::ExposeSecret;
use processor::{Catalog, Opportunities, OpportunityError, PartnerCentralClient, aws};
use sandbox::partner_central::PartnerCentralFake;

use crate::common::run_child;

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/PartnerCentralSync";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assume_role_against_moto_signs_partner_central_calls() {
    let moto = sandbox::moto::endpoint();
    let pc = PartnerCentralFake::start().await.unwrap();
    run_child(
        "credentials::child_uses_the_assumed_role",
        vec![
            ("AWS_ENDPOINT_URL_STS", moto),
            ("AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING", pc.base_url()),
            ("PARTNER_CENTRAL_ROLE_ARN", ROLE_ARN.to_owned()),
            (
                "PARTNER_CENTRAL_EXTERNAL_ID",
                "hubspot-sync-external-id".to_owned(),
            ),
        ],
    )
    .await;
    let calls = pc.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].operation, "GetOpportunity");
    assert_eq!(calls[0].error.as_deref(), Some("ResourceNotFoundException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_role_the_default_chain_is_used() {
    let pc = PartnerCentralFake::start().await.unwrap();
    run_child(
        "credentials::child_uses_the_default_chain",
        vec![("AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING", pc.base_url())],
    )
    .await;
    assert_eq!(pc.call_count("GetOpportunity"), 1);
}

#[tokio::test]
#[ignore = "run by assume_role_against_moto_signs_partner_central_calls with its environment"]
async fn child_uses_the_assumed_role() {
    let role = std::env::var("PARTNER_CENTRAL_ROLE_ARN").unwrap();
    let external_id = std::env::var("PARTNER_CENTRAL_EXTERNAL_ID").unwrap();
    let config = aws::partner_central_config(Some(&role), Some(&external_id)).await;
    assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
    let credentials = config
        .credentials_provider()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    // moto's AssumeRole hands out temporary keys (ASIA…) with a session token, not our static
    // "testing" key: the STS call went to AWS_ENDPOINT_URL_STS and succeeded.
    assert!(
        credentials.access_key_id().starts_with("ASIA"),
        "{}",
        credentials.access_key_id()
    );
    assert!(credentials.session_token().is_some());
    assert!(
        credentials.expiry().is_some(),
        "temporary credentials expire and are refreshed"
    );
    let client = PartnerCentralClient::new(
        aws::partner_central_client(&config),
        Catalog::Sandbox,
        None,
        2,
    );
    let answer = client.get("O0000000001").await;
    assert!(
        matches!(answer, Err(OpportunityError::NotFound(_))),
        "{answer:?}"
    );
}

#[tokio::test]
#[ignore = "run by without_a_role_the_default_chain_is_used with its environment"]
async fn child_uses_the_default_chain() {
    let config = aws::partner_central_config(None, None).await;
    assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
    let credentials = config
        .credentials_provider()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id(), "testing");
    let client = PartnerCentralClient::new(
        aws::partner_central_client(&config),
        Catalog::Sandbox,
        None,
        2,
    );
    let answer = client.get("O0000000001").await;
    assert!(
        matches!(answer, Err(OpportunityError::NotFound(_))),
        "{answer:?}"
    );
}

#[tokio::test]
async fn hubspot_token_is_read_from_the_secret_document() {
    let secrets = aws_sdk_secretsmanager::Client::new(&sandbox::moto::sdk_config().await);
    let name = sandbox::moto::unique_name("hubspot-sync");
    let create = |name: String, document: &'static str| {
        let secrets = secrets.clone();
        async move {
            secrets
                .create_secret()
                .name(name)
                .secret_string(document)
                .send()
                .await
                .unwrap()
                .arn
                .unwrap()
        }
    };
    let arn = create(
        name.clone(),
        r#"{"clientSecret":"cs","accessToken":"pat-na1-123"}"#,
    )
    .await;
    let token = aws::hubspot_token_from_secret(&secrets, &arn)
        .await
        .unwrap();
    assert_eq!(token.expose_secret(), "pat-na1-123");

    for (suffix, document) in [
        ("missing", r#"{"clientSecret":"cs"}"#),
        ("blank", r#"{"clientSecret":"cs","accessToken":"  "}"#),
    ] {
        let arn = create(format!("{name}-{suffix}"), document).await;
        let err = aws::hubspot_token_from_secret(&secrets, &arn)
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                SecretError::MissingKey {
                    key: "accessToken",
                    ..
                }
            ),
            "{suffix}: {err:?}"
        );
        assert!(err.to_string().contains("accessToken"), "{err}");
    }

    let err = aws::hubspot_token_from_secret(
        &secrets,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope",
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SecretError::Unreadable { .. }), "{err:?}");
}
