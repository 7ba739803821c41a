//! `sync-local`: wiring only — parse the command line, start the pipeline, run the mode.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use local::cli::{
    Cli, Command, HubspotSetupArgs, LogFormat, Mode, ReprocessArgs, RunArgs, SweepArgs,
};
use local::demo::{Demo, print_trail};
use local::metrics;
use local::pipeline::Pipeline;
use queue::SqsFifo;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The demo and the commands print their own report; logs would drown it.
    let level = match (&cli.command, cli.demo) {
        (
            Some(
                Command::Load(_)
                | Command::ReprocessDlq(_)
                | Command::Sweep(_)
                | Command::SweepBench(_),
            ),
            _,
        ) => "error",
        (Some(Command::HubspotSetup(_)), _) => "warn",
        (None, true) => "warn,trail=off",
        (None, false) => "info,aws=warn",
    };
    init_logs(cli.run.log_format, level);
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sync-local: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(format: LogFormat, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.compact().init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::ReprocessDlq(args)) => reprocess(&cli.run, &args).await,
        Some(Command::Sweep(args)) => sweep(&cli.run, &args).await,
        Some(Command::SweepBench(args)) => {
            println!("{}", local::sweep_bench::run(&args).await?);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Load(args)) => {
            let report = local::load::run(&cli.run, &args).await?;
            println!("{report}");
            Ok(if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some(Command::HubspotSetup(args)) => {
            let client = local::hubspot_setup::PropertiesClient::new(
                &cli.run.hubspot_base_url,
                HubspotSetupArgs::token(&cli.run)?,
            )?;
            println!(
                "{}",
                local::hubspot_setup::run(&client, args.dry_run).await?
            );
            Ok(ExitCode::SUCCESS)
        }
        None if cli.demo => demo(cli.run).await,
        None => serve(&cli.run).await,
    }
}

async fn serve(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let pipeline = Pipeline::start(args.pipeline_options(Mode::Serve).await?).await?;
    println!("sync-local listening on {}", pipeline.base_url());
    println!(
        "  POST {}   (HubSpot webhook target)",
        pipeline.webhook_url()
    );
    println!("  GET  {}/status", pipeline.base_url());
    println!(
        "  POST {}/sweep    (reconciliation sweep now; `sync-local sweep`)",
        pipeline.base_url()
    );
    match args.sweep_every_minutes {
        0 => println!("  sweep schedule: off"),
        n => println!("  sweep schedule: every {n} min"),
    }
    println!("  queue: {}", pipeline.queue_kind);
    if let Some(sandbox) = &pipeline.sandbox {
        println!("  HubSpot fake:         {}", sandbox.hubspot.base_url());
        println!(
            "  Partner Central fake: {}",
            sandbox.partner_central.base_url()
        );
        if let Some(ids) = &sandbox.demo {
            println!(
                "  demo deals: {} (Acme), {} (Nordwind), {} (untagged), {} (no company), {} (closed lost)",
                ids.deal_acme,
                ids.deal_nordwind,
                ids.deal_untagged,
                ids.deal_without_company,
                ids.deal_closed_lost
            );
        }
    }
    println!("Ctrl-C stops.");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    pipeline.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

async fn demo(mut args: RunArgs) -> anyhow::Result<ExitCode> {
    if args.listen == std::net::SocketAddr::from(([127, 0, 0, 1], 3000)) {
        // Any free port: the demo talks to itself and must not collide with a running server.
        args.listen.set_port(0);
    }
    let pipeline = Pipeline::start(args.pipeline_options(Mode::Demo).await?).await?;
    println!(
        "sync-local demo: webhooks → {} → {} queue (+ DLQ) → processor → HubSpot / Partner Central sandbox",
        pipeline.webhook_url(),
        pipeline.queue_kind
    );
    let started = std::time::Instant::now();
    let (trail, failed) = {
        let mut demo = Demo::new(&pipeline, &args.client_secret)?;
        let failed = demo.run_all().await;
        (demo.trail, failed)
    };
    print_trail(&trail);
    let outcomes = pipeline.status.snapshot().outcomes;
    println!(
        "outcomes: {}",
        outcomes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "metrics (what CloudWatch would count):\n{}",
        metrics::summary(&pipeline.status)
    );
    println!("Partner Central writes per opportunity (in order):");
    for (opportunity, writes) in local::demo::writes_per_opportunity(&pipeline)? {
        println!("  {opportunity}: {} = {}", writes.len(), writes.join(", "));
    }
    pipeline.shutdown().await;
    if failed.is_empty() {
        println!(
            "demo passed: every expected outcome happened ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for (scenario, error) in &failed {
            eprintln!("FAILED {}: {error}", scenario.name());
        }
        Ok(ExitCode::FAILURE)
    }
}

async fn sweep(run: &RunArgs, args: &SweepArgs) -> anyhow::Result<ExitCode> {
    let message_id = match &run.queue_url {
        Some(queue_url) => {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let queue: queue::Queue =
                Arc::new(SqsFifo::new(aws_sdk_sqs::Client::new(&config), queue_url));
            local::eventbridge::send_sweep(&queue).await?
        }
        None => {
            let url = format!("{}/sweep", args.server.trim_end_matches('/'));
            let response = reqwest::Client::new()
                .post(&url)
                .send()
                .await
                .with_context(|| format!("is sync-local running? POST {url} failed"))?;
            let status = response.status();
            let body: serde_json::Value = response.json().await?;
            anyhow::ensure!(status.is_success(), "{url} answered {status}: {body}");
            body["queued"].as_str().unwrap_or_default().to_owned()
        }
    };
    println!("sweep queued as message {message_id}");
    Ok(ExitCode::SUCCESS)
}

async fn reprocess(run: &RunArgs, args: &ReprocessArgs) -> anyhow::Result<ExitCode> {
    let request = serde_json::json!({"maxMessages": args.max_messages, "dryRun": args.dry_run});
    let summary: serde_json::Value = match (&run.queue_url, &run.dlq_url) {
        (Some(queue_url), Some(dlq_url)) => {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let client = aws_sdk_sqs::Client::new(&config);
            let queue = Arc::new(SqsFifo::new(client.clone(), queue_url));
            let dlq = Arc::new(SqsFifo::new(client, dlq_url));
            let function = reprocess_dlq::Function::new(
                reprocess_dlq::Reprocessor::new(queue, dlq),
                events::emf::DEFAULT_NAMESPACE,
                // stdout carries the JSON summary; raw metric lines only when asked for.
                Arc::new(local::metrics::LocalMetrics {
                    status: Arc::default(),
                    raw: run.log_format == LogFormat::Json,
                }),
            );
            serde_json::to_value(local::server::invoke_reprocessor(&function, request).await?)?
        }
        _ => {
            let url = format!("{}/reprocess-dlq", args.server.trim_end_matches('/'));
            let response = reqwest::Client::new()
                .post(&url)
                .json(&request)
                .send()
                .await
                .with_context(|| format!("is sync-local running? POST {url} failed"))?;
            let status = response.status();
            let body: serde_json::Value = response.json().await?;
            anyhow::ensure!(status.is_success(), "{url} answered {status}: {body}");
            body
        }
    };
    println!("{}", serde_json::to_string_pretty(&summary)?);
    let failed = summary["failed"].as_u64().unwrap_or(0);
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
