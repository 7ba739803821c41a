//! Command-line options of `sync-local`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::pipeline::{Backends, PipelineOptions, QueueChoice, SandboxOptions};
use crate::poller::PollerConfig;
use crate::webhook::DEMO_SECRET;

#[derive(Debug, Parser)]
#[command(
    name = "sync-local",
    about = "The HubSpot → Partner Central pipeline on one machine: webhook server, FIFO queue + DLQ, processor, sandbox fakes.",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Send the demo's signed sample webhooks, print the trail and exit (non-zero if an
    /// expected outcome did not happen).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Move DLQ messages back to the queue (the reprocess-dlq Lambda, run locally).
    ReprocessDlq(ReprocessArgs),
    /// Load test: signed HubSpot batches over HTTP, then a loss/duplicate report.
    Load(LoadArgs),
    /// Queue a reconciliation sweep now (the schedule rule's event) on the running sync-local,
    /// or on --queue-url directly.
    Sweep(SweepArgs),
    /// Benchmark: the calls one reconciliation sweep (and the syncs of its hints) makes for
    /// --deals linked deals of which --changed changed, against the sandbox fakes.
    SweepBench(crate::sweep_bench::SweepBenchArgs),
    /// Create or repair the HubSpot deal properties the sync reads and writes (and their group)
    /// in the portal at --hubspot-base-url. Idempotent; needs a token with the
    /// `crm.schemas.deals.write` scope in --hubspot-token or HUBSPOT_ACCESS_TOKEN.
    HubspotSetup(HubspotSetupArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    /// One JSON object per line, as the Lambdas log (`AWS_LAMBDA_LOG_FORMAT=JSON`).
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[arg(long, default_value = "127.0.0.1:3000", global = true)]
    pub listen: SocketAddr,
    #[arg(long, value_enum, default_value = "human", global = true)]
    pub log_format: LogFormat,
    /// Use this SQS FIFO queue instead of the embedded one (moto: set AWS_ENDPOINT_URL).
    #[arg(long, requires = "dlq_url", global = true)]
    pub queue_url: Option<String>,
    #[arg(long, requires = "queue_url", global = true)]
    pub dlq_url: Option<String>,
    /// Embedded queue: visibility timeout (Lambda: ≥ 6 × the function timeout).
    #[arg(long, default_value_t = 30, global = true)]
    pub visibility_timeout_secs: u64,
    /// Embedded queue: receives before a message moves to the DLQ.
    #[arg(long, default_value_t = 3, global = true)]
    pub max_receive_count: u32,
    /// Concurrent pollers (Lambda runs FIFO batches of different groups concurrently).
    /// Default 2; the load command uses 8.
    #[arg(long, global = true)]
    pub workers: Option<usize>,
    #[arg(long, default_value_t = 30, global = true)]
    pub function_timeout_secs: u64,
    /// Serving: queue a reconciliation sweep every this many minutes (the stack's
    /// SweepIntervalMinutes); 0 turns the schedule off. The processor looks back twice the
    /// interval: set SWEEP_INTERVAL_MINUTES to the same value.
    #[arg(long, default_value_t = processor::settings::DEFAULT_SWEEP_INTERVAL_MINUTES, global = true)]
    pub sweep_every_minutes: u64,
    /// The HubSpot app's client secret (signature verification).
    #[arg(long, env = "HUBSPOT_CLIENT_SECRET", default_value = DEMO_SECRET, hide_env_values = true, global = true)]
    pub client_secret: String,
    /// Accept unsigned requests (local experiments only).
    #[arg(long, global = true)]
    pub no_verify: bool,
    /// The URL HubSpot calls and signs, when it is not http://<listen>/webhook/hubspot
    /// (e.g. behind a tunnel).
    #[arg(long, global = true)]
    pub public_url: Option<String>,
    /// Use the real HubSpot API with this private-app token (needs --partner-central-catalog;
    /// `hubspot-setup` needs only this).
    #[arg(long, env = "HUBSPOT_TOKEN", hide_env_values = true, global = true)]
    pub hubspot_token: Option<String>,
    #[arg(long, default_value = "https://api.hubapi.com", global = true)]
    pub hubspot_base_url: String,
    /// Use the real Partner Central (AWS credentials from the environment); `Sandbox` strongly
    /// suggested. Needs --hubspot-token.
    #[arg(long = "partner-central-catalog", id = "catalog", global = true)]
    pub catalog: Option<String>,
    #[arg(long, global = true)]
    pub solution_id: Option<String>,
    /// Sandbox: Partner Central writes per second (real quota: 1). Default 1, demo 10, load 50.
    #[arg(long, global = true)]
    pub pc_writes_per_sec: Option<f64>,
    /// Sandbox: Partner Central reads per second (real quota: 10). Default 10, load 1000.
    #[arg(long, global = true)]
    pub pc_reads_per_sec: Option<f64>,
    /// Sandbox: HubSpot requests per rolling 10 s (real: 100–190). Default 190, load 100000.
    #[arg(long, global = true)]
    pub hubspot_requests_per_10s: Option<u32>,
}

#[derive(Debug, Clone, Args)]
pub struct ReprocessArgs {
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, default_value_t = reprocess_dlq::DEFAULT_MAX_MESSAGES)]
    pub max_messages: u32,
    /// The running sync-local to ask (its queues live in that process). Ignored with
    /// --queue-url/--dlq-url, which work on SQS directly.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub server: String,
}

#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// The running sync-local to ask (its queue lives in that process). Ignored with
    /// --queue-url, which sends to SQS directly.
    #[arg(long, default_value = "http://127.0.0.1:3000")]
    pub server: String,
}

#[derive(Debug, Clone, Args)]
pub struct HubspotSetupArgs {
    /// Print the plan (create / update / unchanged per group and property); write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl HubspotSetupArgs {
    /// The token: --hubspot-token (or HUBSPOT_TOKEN), else HUBSPOT_ACCESS_TOKEN.
    pub fn token(run: &RunArgs) -> anyhow::Result<events::SecretString> {
        run.hubspot_token
            .clone()
            .or_else(|| std::env::var("HUBSPOT_ACCESS_TOKEN").ok())
            .filter(|t| !t.trim().is_empty())
            .map(events::SecretString::from)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "hubspot-setup needs a private-app token with the crm.schemas.deals.write scope: --hubspot-token or HUBSPOT_ACCESS_TOKEN"
                )
            })
    }
}

#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    #[arg(long, default_value_t = 10_000)]
    pub events: usize,
    #[arg(long, default_value_t = 500)]
    pub deals: usize,
    /// Deliveries in flight at once (HubSpot: 10 per installed account).
    #[arg(long, default_value_t = 10)]
    pub concurrency: usize,
    /// Events per delivery (HubSpot: up to 100).
    #[arg(long, default_value_t = 50)]
    pub batch: usize,
    #[arg(long, default_value_t = 300)]
    pub drain_timeout_secs: u64,
    /// Tick `aws_submit` on every seeded deal: each deal is created, associated and submitted
    /// (three Partner Central writes).
    #[arg(long)]
    pub submit: bool,
}

/// Which mode the pipeline is started for; picks the sandbox defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Serve,
    Demo,
    Load,
}

impl RunArgs {
    pub async fn pipeline_options(&self, mode: Mode) -> anyhow::Result<PipelineOptions> {
        let queue = match (&self.queue_url, &self.dlq_url) {
            (Some(queue_url), Some(dlq_url)) => QueueChoice::Sqs {
                client: aws_sdk_sqs::Client::new(
                    &aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
                ),
                queue_url: queue_url.clone(),
                dlq_url: dlq_url.clone(),
            },
            _ => QueueChoice::Embedded {
                // The demo's poison message should reach the DLQ in seconds, not minutes; a
                // sweep's batch of hints (several deals at the demo's quotas) still finishes
                // well within it.
                visibility_timeout: Duration::from_secs(if mode == Mode::Demo {
                    4
                } else {
                    self.visibility_timeout_secs
                }),
                max_receive_count: self.max_receive_count,
            },
        };
        let backends = match (&self.hubspot_token, &self.catalog) {
            (Some(_), None) | (None, Some(_)) => anyhow::bail!(
                "the real APIs need both --hubspot-token and --partner-central-catalog"
            ),
            (Some(token), Some(catalog)) => Backends::Real {
                hubspot_base_url: self.hubspot_base_url.clone(),
                hubspot_token: token.clone(),
                catalog: processor::Catalog::parse(catalog)?,
                solution_id: self.solution_id.clone(),
            },
            _ => {
                let (writes, hubspot) = match mode {
                    Mode::Serve => (1.0, 190),
                    Mode::Demo => (10.0, 190),
                    Mode::Load => (50.0, 100_000),
                };
                Backends::Sandbox(SandboxOptions {
                    pc_writes_per_sec: self.pc_writes_per_sec.unwrap_or(writes),
                    pc_reads_per_sec: self.pc_reads_per_sec.unwrap_or(if mode == Mode::Load {
                        1_000.0
                    } else {
                        10.0
                    }),
                    hubspot_requests_per_10s: self.hubspot_requests_per_10s.unwrap_or(hubspot),
                    seed_demo: mode != Mode::Load,
                })
            }
        };
        Ok(PipelineOptions {
            listen: self.listen,
            public_url: self.public_url.clone(),
            client_secret: (!self.no_verify).then(|| self.client_secret.clone()),
            queue,
            backends,
            poller: PollerConfig {
                workers: self
                    .workers
                    .unwrap_or(if mode == Mode::Load { 8 } else { 2 }),
                wait: Duration::from_secs(1),
                ..PollerConfig::default()
            },
            function_timeout: Duration::from_secs(self.function_timeout_secs),
            // A person reads the trail and a summary; machines get the raw EMF lines.
            raw_metrics: self.log_format == LogFormat::Json,
            sweep_every: (mode == Mode::Serve && self.sweep_every_minutes > 0)
                .then(|| Duration::from_secs(self.sweep_every_minutes * 60)),
        })
    }
}
