//! Every demo scenario end to end — signed HTTP in, sandbox state out — with the embedded
//! queue and with moto (`MOTO_ENDPOINT`, set by scripts/test.sh). Each scenario checks its own
//! expectations (outcome, HubSpot write-back, Partner Central state); the test then checks
//! that no deal got a duplicate opportunity.

use crate::support::Queue;
use local::demo::{Demo, Scenario};
use local::webhook::DEMO_SECRET;

async fn run(queue: Queue, scenario: Scenario) {
    let pipeline = crate::support::pipeline(queue, 3).await;
    {
        let mut demo = Demo::new(&pipeline, DEMO_SECRET).unwrap();
        let result = scenario.run(&mut demo).await;
        for line in &demo.trail {
            println!("{line}");
        }
        result.unwrap_or_else(|e| panic!("{} on {queue:?}: {e:#}", scenario.name()));
    }
    let per_deal = crate::support::opportunities_per_deal(&pipeline);
    assert!(
        per_deal.values().all(|n| *n == 1),
        "duplicates: {per_deal:?}"
    );
    pipeline.shutdown().await;
}

macro_rules! scenarios {
    ($($name:ident => $scenario:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::run(super::Queue::Embedded, super::Scenario::$scenario).await;
            })*
        }
        mod moto {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::run(super::Queue::Moto, super::Scenario::$scenario).await;
            })*
        }
    };
}

scenarios!(
    creation => Creation,
    property_change => PropertyChange,
    company_change => CompanyChange,
    note => Note,
    rename_after_submission => RenameAfterSubmission,
    submission_and_review => SubmissionAndReview,
    rejected => Rejected,
    refused_before_submission => RefusedBeforeSubmission,
    hearing_aws => HearingAws,
    sweep_heals => SweepHeals,
    referral_accepted => ReferralAccepted,
    referral_rejected => ReferralRejected,
    referral_expired => ReferralExpired,
    data_error => DataError,
    untagged_deal => UntaggedDeal,
    malformed => Malformed,
    forged => Forged,
    poison_then_reprocess => PoisonThenReprocess,
);

/// The README's run command, as a user runs it: the binary's demo exits 0 and its trail shows
/// every kind of outcome.
#[test]
fn the_demo_binary_passes() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sync-local"))
        .arg("--demo")
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "→ created",
        "→ updated",
        "→ blocked",
        "→ data error",
        "→ submitted (task complete)",
        "→ blocked (edit waits)",
        "→ action_required",
        "→ updated (waiting edit)",
        "→ updated (Launched)",
        "→ rejected (final, no write)",
        "→ refused before any call",
        "→ blocked (from the event)",
        "→ approved (event): edit sent",
        "→ one sync (duplicate dropped)",
        "→ healed by the sweep",
        "→ deal created",
        "→ accepted → linked",
        "→ updated (referral opportunity)",
        "→ rejected with reason",
        "→ expired unanswered",
        "→ moved to the DLQ",
        "moved 1 → created",
        "HTTP 400",
        "HTTP 401",
        "demo passed",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}
