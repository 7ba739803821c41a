//! A small run of the load command: nothing lost, no duplicate, every deal linked.

use clap::Parser;
use local::cli::{Cli, Command};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_load_loses_nothing_and_duplicates_nothing() {
    let cli = Cli::try_parse_from([
        "sync-local",
        "load",
        "--events",
        "600",
        "--deals",
        "40",
        "--concurrency",
        "10",
        "--batch",
        "30",
        "--pc-writes-per-sec",
        "200",
    ])
    .unwrap();
    let Some(Command::Load(args)) = &cli.command else {
        panic!("not the load command");
    };
    let report = local::load::run(&cli.run, args).await.unwrap();
    println!("{report}");
    assert!(report.drained);
    assert_eq!(report.events, 600);
    assert_eq!(report.accepted_events, 600);
    assert_eq!(report.lost, 0);
    assert_eq!(report.duplicates, 0);
    assert_eq!(
        (report.opportunities, report.deals_with_opportunity),
        (40, 40)
    );
    assert_eq!(report.pc_creates, 40);
    assert!(report.passed());
}
