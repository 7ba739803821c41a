//! Assembles the whole pipeline in one process: HTTP server → receipt handler → queue →
//! poller → processor handler → HubSpot + Partner Central (sandbox fakes or the real APIs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use events::SystemClock;
use processor::{
    Catalog, Function, HubSpotClient, PartnerCentralClient, Processor, SyncSettings, WriteSlots,
};
use queue::{EmbeddedQueue, Queue, QueueSettings, SqsFifo};
use sandbox::hubspot::{DemoIds, HubSpotConfig, HubSpotFake};
use sandbox::partner_central::{PartnerCentralConfig, PartnerCentralFake, Rate};
use tokio::sync::watch;

use queue::FaultyQueue;

use crate::eventbridge;
use crate::faults::{Faults, ProcessorHandler};
use crate::metrics::LocalMetrics;
use crate::poller::{self, PollerConfig};
use crate::server::{self, AppState, WEBHOOK_PATH};
use crate::status::Status;

/// The solution the sandbox opportunities are associated with.
pub const SANDBOX_SOLUTION_ID: &str = "S-0000001";

pub enum QueueChoice {
    Embedded {
        visibility_timeout: Duration,
        max_receive_count: u32,
    },
    Sqs {
        client: aws_sdk_sqs::Client,
        queue_url: String,
        dlq_url: String,
    },
}

/// Rates of the sandbox fakes (and of our clients, which pace themselves to them).
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Partner Central writes per second (the real quota is 1).
    pub pc_writes_per_sec: f64,
    pub pc_reads_per_sec: f64,
    /// HubSpot requests per rolling 10 s (real: 100–190).
    pub hubspot_requests_per_10s: u32,
    pub seed_demo: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        SandboxOptions {
            pc_writes_per_sec: 1.0,
            pc_reads_per_sec: 10.0,
            hubspot_requests_per_10s: 190,
            seed_demo: true,
        }
    }
}

pub enum Backends {
    Sandbox(SandboxOptions),
    Real {
        hubspot_base_url: String,
        hubspot_token: String,
        catalog: Catalog,
        solution_id: Option<String>,
    },
}

pub struct PipelineOptions {
    pub listen: SocketAddr,
    /// The URL HubSpot signs (WEBHOOK_PUBLIC_URL); `http://<listen>/webhook/hubspot` if unset.
    pub public_url: Option<String>,
    /// HubSpot client secret; `None` disables verification (logged on every request).
    pub client_secret: Option<String>,
    pub queue: QueueChoice,
    pub backends: Backends,
    pub poller: PollerConfig,
    /// The processor Lambda's timeout (deadline of each invocation).
    pub function_timeout: Duration,
    /// Print the functions' raw EMF lines to stdout (as Lambda does) besides adding them up.
    pub raw_metrics: bool,
    /// Queue a reconciliation sweep this often (the schedule rule); `None`: only on request.
    pub sweep_every: Option<Duration>,
}

impl PipelineOptions {
    /// Loopback on an OS-chosen port, embedded queue (1 s visibility, redrive after 3),
    /// seeded sandbox fakes without quotas that would slow tests down.
    pub fn for_tests(secret: &str) -> Self {
        PipelineOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            client_secret: Some(secret.to_owned()),
            queue: QueueChoice::Embedded {
                visibility_timeout: Duration::from_secs(1),
                max_receive_count: 3,
            },
            backends: Backends::Sandbox(SandboxOptions {
                pc_writes_per_sec: 100.0,
                pc_reads_per_sec: 100.0,
                hubspot_requests_per_10s: 10_000,
                seed_demo: true,
            }),
            poller: PollerConfig {
                workers: 1,
                wait: Duration::from_millis(200),
                ..PollerConfig::default()
            },
            function_timeout: Duration::from_secs(30),
            raw_metrics: false,
            sweep_every: None,
        }
    }
}

/// The in-process fakes, inspectable and steerable while the pipeline runs.
pub struct Sandbox {
    pub hubspot: HubSpotFake,
    pub partner_central: PartnerCentralFake,
    pub demo: Option<DemoIds>,
}

pub struct Pipeline {
    pub addr: SocketAddr,
    pub status: Arc<Status>,
    pub queue: Queue,
    pub dlq: Queue,
    /// `embedded` or `sqs`.
    pub queue_kind: &'static str,
    pub faults: Arc<Faults>,
    reprocessor: Arc<AppState>,
    pub sandbox: Option<Sandbox>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Pipeline {
    pub async fn start(options: PipelineOptions) -> anyhow::Result<Self> {
        let (queue, dlq, queue_kind): (Queue, Queue, _) = match options.queue {
            QueueChoice::Embedded {
                visibility_timeout,
                max_receive_count,
            } => {
                let settings =
                    QueueSettings::new("sync-local", visibility_timeout, Some(max_receive_count));
                let (q, d) = EmbeddedQueue::with_dlq(settings, Arc::new(SystemClock));
                (Arc::new(q), Arc::new(d), "embedded")
            }
            QueueChoice::Sqs {
                client,
                queue_url,
                dlq_url,
            } => (
                Arc::new(SqsFifo::new(client.clone(), queue_url)),
                Arc::new(SqsFifo::new(client, dlq_url)),
                "sqs",
            ),
        };

        let instances = options.poller.workers.max(1);
        let (processors, sandbox) = build_processors(options.backends, instances).await?;
        let faults = Arc::new(Faults::new(Arc::new(FaultyQueue::new(queue.clone()))));
        let status = Arc::new(Status::default());
        let metrics = Arc::new(LocalMetrics {
            status: status.clone(),
            raw: options.raw_metrics,
        });
        let namespace = events::emf::DEFAULT_NAMESPACE;

        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .with_context(|| format!("cannot listen on {}", options.listen))?;
        let addr = listener.local_addr()?;
        let public_url = options
            .public_url
            .unwrap_or_else(|| format!("http://{addr}{WEBHOOK_PATH}"));
        let mut settings = receipt::Settings::from_config(
            &receipt_config(&public_url, options.client_secret.is_some())?,
            options
                .client_secret
                .map(|s| events::ClientSecrets::new(s, None)),
        );
        settings.public_url = Some(public_url);
        let receipt = receipt::router(
            // As in AWS: events that cannot become sync events are kept in the DLQ.
            receipt::Receipt::new(faults.queue.clone(), settings).with_rejected_queue(dlq.clone()),
            Arc::new(SystemClock),
            metrics.clone(),
            namespace,
        );
        let reprocessor = reprocess_dlq::Function::new(
            reprocess_dlq::Reprocessor::new(queue.clone(), dlq.clone()),
            namespace,
            metrics.clone(),
        );
        let state = Arc::new(AppState {
            status: status.clone(),
            queue: queue.clone(),
            queue_kind,
            dlq: dlq.clone(),
            reprocessor,
        });
        let (stop, stopped) = watch::channel(false);
        let mut server_stop = stopped.clone();
        let app = server::router(state.clone(), receipt).into_make_service();
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = server_stop.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "HTTP server stopped");
            }
        });
        let handlers = processors
            .into_iter()
            .map(|processor| {
                Arc::new(ProcessorHandler {
                    // As in AWS (QUEUE_URL): records the Partner Central quota held up go back
                    // to the main queue.
                    function: Function::new(
                        processor.with_requeue(faults.queue.clone()),
                        namespace,
                        metrics.clone(),
                    ),
                    timeout: options.function_timeout,
                    faults: faults.clone(),
                })
            })
            .collect();
        let mut tasks = poller::spawn(
            queue.clone(),
            handlers,
            status.clone(),
            options.poller,
            stopped.clone(),
        );
        tasks.push(server);
        // As the stack's EventBridge rules: the fake's events, and the sweep schedule.
        if let Some(sandbox) = &sandbox {
            tasks.push(eventbridge::spawn_event_rule(
                sandbox.partner_central.subscribe_events(),
                queue.clone(),
                Catalog::Sandbox.as_str(),
                stopped.clone(),
            ));
        }
        if let Some(every) = options.sweep_every {
            tasks.push(eventbridge::spawn_schedule(queue.clone(), every, stopped));
        }
        Ok(Pipeline {
            addr,
            status,
            queue,
            dlq,
            queue_kind,
            faults,
            reprocessor: state,
            sandbox,
            stop,
            tasks,
        })
    }

    pub fn webhook_url(&self) -> String {
        format!("http://{}{WEBHOOK_PATH}", self.addr)
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until the main queue is empty and no batch is running (messages parked in the DLQ
    /// do not count). False when `timeout` passed first.
    pub async fn wait_drained(&self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        let mut quiet = 0;
        while Instant::now() < until {
            let empty = self.queue.depth().await.is_ok_and(|d| d.total() == 0);
            if empty && self.status.batches_in_progress() == 0 {
                // Twice in a row: a receive may be between "taken" and "batch started".
                quiet += 1;
                if quiet >= 2 {
                    return true;
                }
            } else {
                quiet = 0;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Waits until the DLQ holds at least `n` messages.
    pub async fn wait_dlq_depth(&self, n: u64, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if self.dlq.depth().await.is_ok_and(|d| d.total() >= n) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Queues a reconciliation sweep now (as the schedule rule does); returns its message id.
    pub async fn sweep_now(&self) -> anyhow::Result<String> {
        eventbridge::send_sweep(&self.queue).await
    }

    /// Invokes the reprocessor function with `payload` (as `aws lambda invoke` would).
    pub async fn reprocess_dlq(
        &self,
        payload: serde_json::Value,
    ) -> Result<reprocess_dlq::ReprocessSummary, reprocess_dlq::RequestError> {
        server::invoke_reprocessor(&self.reprocessor.reprocessor, payload).await
    }

    pub fn sandbox(&self) -> anyhow::Result<&Sandbox> {
        self.sandbox
            .as_ref()
            .context("this pipeline runs against the real APIs, not the sandbox")
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(3), task)
                .await
                .is_err()
            {
                tracing::warn!("a pipeline task did not stop in time");
            }
        }
        if let Some(sandbox) = self.sandbox {
            sandbox.hubspot.shutdown().await;
            sandbox.partner_central.shutdown().await;
        }
    }
}

/// The receipt's configuration as the Lambda would read it from its environment.
fn receipt_config(public_url: &str, verify: bool) -> anyhow::Result<receipt::Config> {
    let verification = if verify { "enabled" } else { "disabled" };
    receipt::Config::from_lookup(|name| match name {
        "QUEUE_URL" => Some("local".to_owned()),
        "SIGNATURE_VERIFICATION" => Some(verification.to_owned()),
        "HUBSPOT_CLIENT_SECRET" if verify => Some("set-below".to_owned()),
        "WEBHOOK_PUBLIC_URL" => Some(public_url.to_owned()),
        _ => None,
    })
    .context("receipt configuration")
}

type LocalProcessor = Processor<HubSpotClient, PartnerCentralClient, SystemClock>;

/// The processor's settings from the environment as the Lambda reads them (`STAGE_MAP`,
/// `SYNC_TRIGGER`, `DEFAULT_CURRENCY`, …), with the catalog chosen here.
fn sync_settings(catalog: Catalog) -> anyhow::Result<SyncSettings> {
    SyncSettings::from_lookup(|name| match name {
        "PARTNER_CENTRAL_CATALOG" => Some(catalog.as_str().to_owned()),
        other => std::env::var(other).ok(),
    })
    .context("processor settings")
}

/// `instances` processors, each with its own clients, as separate Lambda instances have: they
/// share the partner account's Partner Central quota through their write lanes, nothing else.
async fn build_processors(
    backends: Backends,
    instances: usize,
) -> anyhow::Result<(Vec<LocalProcessor>, Option<Sandbox>)> {
    let lanes = u32::try_from(instances).unwrap_or(u32::MAX);
    match backends {
        Backends::Sandbox(options) => {
            let hubspot = HubSpotFake::start_with(HubSpotConfig {
                rate_limit_max: options.hubspot_requests_per_10s,
                ..HubSpotConfig::default()
            })
            .await
            .context("starting the HubSpot fake")?;
            let demo = options.seed_demo.then(|| hubspot.seed_demo());
            // The real 1 write/s quota allows no burst; a raised local quota allows 1/10 s worth,
            // so scheduling jitter between our client's pacing and the fake's bucket does not
            // turn into throttles.
            let burst = |per_second: f64| (per_second / 10.0).ceil().max(1.0) as u32;
            let partner_central = PartnerCentralFake::start_with(PartnerCentralConfig {
                writes: Some(Rate {
                    per_second: options.pc_writes_per_sec,
                    burst: burst(options.pc_writes_per_sec),
                }),
                reads: Some(Rate {
                    per_second: options.pc_reads_per_sec,
                    burst: options.pc_reads_per_sec.max(1.0) as u32,
                }),
                ..PartnerCentralConfig::default()
            })
            .await
            .context("starting the Partner Central fake")?;
            let settings = sync_settings(Catalog::Sandbox)?;
            // Our clients pace themselves to the quotas, as they do in AWS: HubSpot's per app
            // and Partner Central's per account, split between the instances.
            let share = instances as f64;
            let processors = (0..instances)
                .map(|_| {
                    let crm = HubSpotClient::new(hubspot.base_url(), hubspot.token())
                        .with_rate(f64::from(options.hubspot_requests_per_10s) / 10.0 / share);
                    let opportunities = PartnerCentralClient::new(
                        partner_central.client(),
                        Catalog::Sandbox,
                        Some(SANDBOX_SOLUTION_ID.to_owned()),
                        lanes,
                    )
                    .with_write_slots(WriteSlots::for_quota(lanes, options.pc_writes_per_sec))
                    .with_read_rate(options.pc_reads_per_sec / share);
                    Processor::new(crm, opportunities, SystemClock, settings.clone())
                })
                .collect();
            Ok((
                processors,
                Some(Sandbox {
                    hubspot,
                    partner_central,
                    demo,
                }),
            ))
        }
        Backends::Real {
            hubspot_base_url,
            hubspot_token,
            catalog,
            solution_id,
        } => {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let settings = sync_settings(catalog)?;
            let processors = (0..instances)
                .map(|_| {
                    Processor::new(
                        HubSpotClient::new(&hubspot_base_url, hubspot_token.as_str()),
                        PartnerCentralClient::new(
                            aws_sdk_partnercentralselling::Client::new(&config),
                            catalog,
                            solution_id.clone(),
                            lanes,
                        ),
                        SystemClock,
                        settings.clone(),
                    )
                })
                .collect();
            Ok((processors, None))
        }
    }
}
