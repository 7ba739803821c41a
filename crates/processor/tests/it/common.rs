//! Shared test fixtures: the sandbox fakes, the real clients pointed at them, and SQS batches
//! shaped exactly as Lambda delivers them from a FIFO queue.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsEvent;
use aws_sdk_partnercentralselling::types::{
    AwsSubmission, SalesInvolvementType, TaskStatus, Visibility,
};
use chrono::{DateTime, Utc};
use events::{Clock, SyncEvent, SystemClock, parse_body};
use processor::domain::{CrmRecord, Deal, Note};
use processor::{
    AssociatedObject, BatchReport, Catalog, Crm, CrmError, HubSpotClient, PartnerCentralClient,
    Processor, SyncSettings, WriteSlots,
};
use sandbox::hubspot::{DemoIds, HubSpotFake};
use sandbox::partner_central::{PartnerCentralConfig, PartnerCentralFake};
use serde_json::{Value, json};

pub const PORTAL: u64 = 62515;
pub const SOLUTION: &str = "S-0000001";

pub type TestProcessor = Processor<FlakyCrm, PartnerCentralClient, SystemClock>;

pub struct Env {
    pub hubspot: HubSpotFake,
    pub pc: PartnerCentralFake,
    pub ids: DemoIds,
    pub processor: TestProcessor,
    /// Deal write-backs still to fail (see `FlakyCrm`).
    pub fail_updates: Arc<AtomicUsize>,
}

/// Fakes with the demo portal, Partner Central without quotas (tests about throttling set
/// their own) and with submission tasks that finish at the next read, the real HubSpot and
/// Partner Central clients.
pub async fn env() -> Env {
    let config = PartnerCentralConfig::default()
        .unthrottled()
        .with_submission_delay(Duration::ZERO);
    env_with(config, 1000.0).await
}

/// Submits the opportunity as the partner does in Partner Central (the console and the product
/// both call StartEngagementFromOpportunityTask), and waits for AWS to finish the task.
pub async fn submit(env: &Env, id: &str) {
    let client = env.pc.client();
    let submission = AwsSubmission::builder()
        .involvement_type(SalesInvolvementType::CoSell)
        .visibility(Visibility::Full)
        .build()
        .expect("AwsSubmission");
    client
        .start_engagement_from_opportunity_task()
        .catalog("Sandbox")
        .client_token(format!("submit-{id}"))
        .identifier(id)
        .aws_submission(submission)
        .send()
        .await
        .expect("StartEngagementFromOpportunityTask");
    let tasks = client
        .list_engagement_from_opportunity_tasks()
        .catalog("Sandbox")
        .opportunity_identifier(id)
        .send()
        .await
        .expect("ListEngagementFromOpportunityTasks");
    let task = &tasks.task_summaries()[0];
    assert_eq!(task.task_status(), Some(&TaskStatus::Complete), "{task:?}");
}

pub async fn env_with(config: PartnerCentralConfig, write_rate: f64) -> Env {
    let hubspot = HubSpotFake::start().await.expect("hubspot fake");
    let ids = hubspot.seed_demo();
    let pc = PartnerCentralFake::start_with(config)
        .await
        .expect("partner central fake");
    let (processor, fail_updates) = processor_for(&hubspot, &pc, write_rate);
    Env {
        hubspot,
        pc,
        ids,
        processor,
        fail_updates,
    }
}

pub fn processor_for(
    hubspot: &HubSpotFake,
    pc: &PartnerCentralFake,
    write_rate: f64,
) -> (TestProcessor, Arc<AtomicUsize>) {
    processor_with_clock(hubspot, pc, write_rate, SystemClock)
}

/// `processor_for` with the clock the test holds.
pub fn processor_with_clock<K: Clock>(
    hubspot: &HubSpotFake,
    pc: &PartnerCentralFake,
    write_rate: f64,
    clock: K,
) -> (
    Processor<FlakyCrm, PartnerCentralClient, K>,
    Arc<AtomicUsize>,
) {
    processor_with(
        hubspot,
        pc,
        WriteSlots::for_quota(1, write_rate),
        clock,
        SyncSettings::new(Catalog::Sandbox),
    )
}

/// A processor with the write slots, clock and settings the test chooses.
pub fn processor_with<K: Clock>(
    hubspot: &HubSpotFake,
    pc: &PartnerCentralFake,
    slots: WriteSlots,
    clock: K,
    settings: SyncSettings,
) -> (
    Processor<FlakyCrm, PartnerCentralClient, K>,
    Arc<AtomicUsize>,
) {
    let fail_updates = Arc::new(AtomicUsize::new(0));
    let crm = FlakyCrm {
        inner: HubSpotClient::new(hubspot.base_url(), hubspot.token()).with_rate(1000.0),
        fail_updates: fail_updates.clone(),
    };
    let opportunities =
        PartnerCentralClient::new(pc.client(), Catalog::Sandbox, Some(SOLUTION.to_owned()), 1)
            .with_write_slots(slots)
            .with_read_rate(1000.0);
    let processor = Processor::new(crm, opportunities, clock, settings);
    (processor, fail_updates)
}

pub fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(120)
}

/// One SQS record in the making: a HubSpot webhook event wrapped as the receipt Lambda does.
#[derive(Clone)]
pub struct Msg {
    pub message_id: String,
    pub body: String,
    pub group: String,
    pub receive_count: u32,
}

/// A HubSpot webhook event JSON → `SyncEvent` → a queued message.
pub fn msg(message_id: &str, webhook_event: Value) -> Msg {
    let body = serde_json::to_vec(&json!([webhook_event])).unwrap();
    let event = parse_body(&body).unwrap().remove(0);
    let sync =
        SyncEvent::from_hubspot(event, &format!("corr-{message_id}"), 1_700_000_000_000).unwrap();
    Msg {
        message_id: message_id.to_owned(),
        group: sync.message_group_id(),
        body: sync.to_json(),
        receive_count: 1,
    }
}

static EVENT_IDS: AtomicUsize = AtomicUsize::new(1000);

fn next_event_id() -> usize {
    EVENT_IDS.fetch_add(1, Ordering::Relaxed)
}

pub fn deal_change(message_id: &str, deal_id: &str, property: &str, value: &str) -> Msg {
    msg(
        message_id,
        json!({
            "eventId": next_event_id(), "subscriptionId": 11, "portalId": PORTAL, "appId": 9,
            "occurredAt": 1_700_000_000_000_i64 + next_event_id() as i64,
            "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
            "objectId": deal_id.parse::<u64>().unwrap(), "propertyName": property, "propertyValue": value,
            "changeSource": "CRM", "sourceId": "userId:45678"
        }),
    )
}

pub fn object_event(message_id: &str, subscription: &str, object_id: &str) -> Msg {
    msg(
        message_id,
        json!({
            "eventId": next_event_id(), "subscriptionId": 12, "portalId": PORTAL, "appId": 9,
            "occurredAt": 1_700_000_000_000_i64 + next_event_id() as i64,
            "subscriptionType": subscription, "attemptNumber": 0,
            "objectId": object_id.parse::<u64>().unwrap(), "changeSource": "CRM"
        }),
    )
}

/// The batch exactly as Lambda's SQS event source delivers it (FIFO attributes included).
pub fn batch(messages: &[Msg]) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "messageId": m.message_id,
                "receiptHandle": format!("AQEB{}==", m.message_id),
                "body": m.body,
                "attributes": {
                    "ApproximateReceiveCount": m.receive_count.to_string(),
                    "SentTimestamp": "1700000000000",
                    "SequenceNumber": format!("1869{:016}", i),
                    "MessageGroupId": m.group,
                    "SenderId": "AROAEXAMPLE:receipt",
                    "MessageDeduplicationId": format!("dedup-{}", m.message_id),
                    "ApproximateFirstReceiveTimestamp": "1700000000100"
                },
                "messageAttributes": {},
                "md5OfBody": "0123456789abcdef0123456789abcdef",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:hubspot-sync.fifo",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

pub async fn run(env: &Env, messages: &[Msg]) -> BatchReport {
    env.processor
        .handle_batch(batch(messages), deadline())
        .await
}

/// The reported failures, in order.
pub fn failures(report: &BatchReport) -> Vec<String> {
    report
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

pub fn outcomes(report: &BatchReport) -> Vec<&'static str> {
    report.outcomes.iter().map(|o| o.outcome.as_str()).collect()
}

/// The whole response as Lambda serialises it.
pub fn response_json(report: &BatchReport) -> Value {
    serde_json::to_value(&report.response).unwrap()
}

pub fn deal_prop(env: &Env, deal: &str, name: &str) -> Option<String> {
    env.hubspot
        .property(sandbox::hubspot::ObjectType::Deal, deal, name)
}

/// A `Crm` that delegates to the real HubSpot client but can fail the next deal write-backs,
/// to reproduce "Partner Central write succeeded, HubSpot write-back failed".
pub struct FlakyCrm {
    inner: HubSpotClient,
    fail_updates: Arc<AtomicUsize>,
}

impl Crm for FlakyCrm {
    async fn get_deal(&self, id: &str, properties: &[String]) -> Result<Option<Deal>, CrmError> {
        self.inner.get_deal(id, properties).await
    }
    async fn get_company(&self, id: &str) -> Result<Option<CrmRecord>, CrmError> {
        self.inner.get_company(id).await
    }
    async fn get_contacts(&self, ids: &[String]) -> Result<Vec<CrmRecord>, CrmError> {
        self.inner.get_contacts(ids).await
    }
    async fn get_notes(&self, ids: &[String]) -> Result<Vec<Note>, CrmError> {
        self.inner.get_notes(ids).await
    }
    async fn deals_of(
        &self,
        object: AssociatedObject,
        id: &str,
    ) -> Result<Option<Vec<String>>, CrmError> {
        self.inner.deals_of(object, id).await
    }
    async fn update_deal(
        &self,
        id: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<(), CrmError> {
        let left = self.fail_updates.load(Ordering::SeqCst);
        if left > 0 {
            self.fail_updates.store(left - 1, Ordering::SeqCst);
            return Err(CrmError::Transient(
                "injected: HubSpot write-back failed".into(),
            ));
        }
        self.inner.update_deal(id, properties).await
    }
    async fn create_deal_note(
        &self,
        deal_id: &str,
        body: &str,
        timestamp: DateTime<Utc>,
    ) -> Result<(), CrmError> {
        self.inner.create_deal_note(deal_id, body, timestamp).await
    }
    async fn portal_id(&self) -> Result<u64, CrmError> {
        self.inner.portal_id().await
    }
    async fn find_deal(
        &self,
        property: &str,
        value: &str,
        properties: &[String],
    ) -> Result<Option<CrmRecord>, CrmError> {
        self.inner.find_deal(property, value, properties).await
    }
    async fn create_deal(
        &self,
        properties: &BTreeMap<String, String>,
        company_id: Option<&str>,
    ) -> Result<String, CrmError> {
        self.inner.create_deal(properties, company_id).await
    }
    async fn company_for_domain(
        &self,
        domain: &str,
        properties: &BTreeMap<String, String>,
    ) -> Result<String, CrmError> {
        self.inner.company_for_domain(domain, properties).await
    }
    async fn create_deal_task(
        &self,
        deal_id: &str,
        subject: &str,
        body: &str,
        due: DateTime<Utc>,
        owner_id: Option<&str>,
    ) -> Result<(), CrmError> {
        self.inner
            .create_deal_task(deal_id, subject, body, due, owner_id)
            .await
    }
    async fn deal_task_count(&self, deal_id: &str) -> Result<usize, CrmError> {
        self.inner.deal_task_count(deal_id).await
    }
    async fn pipeline_first_stage(
        &self,
        pipeline: Option<&str>,
    ) -> Result<(String, String), CrmError> {
        self.inner.pipeline_first_stage(pipeline).await
    }
    async fn deals_to_reconcile(
        &self,
        waiting: &[(&str, &[&str])],
        modified_since: DateTime<Utc>,
        properties: &[String],
    ) -> Result<Vec<CrmRecord>, CrmError> {
        self.inner
            .deals_to_reconcile(waiting, modified_since, properties)
            .await
    }
}

/// Runs the `#[ignore]`d test `child` (its full path, `module::name`) of this binary in a fresh
/// process with only the AWS variables we choose, asserts that it ran and passed, and returns
/// what it wrote to stdout. The wait happens on a blocking thread so the fakes (tasks of this
/// test's runtime) keep answering the child.
pub async fn run_child(child: &'static str, vars: Vec<(&'static str, String)>) -> String {
    tokio::task::spawn_blocking(move || run_child_blocking(child, &vars))
        .await
        .unwrap()
}

fn run_child_blocking(child: &str, vars: &[(&str, String)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([
        "--exact",
        child,
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") || name.starts_with("PARTNER_CENTRAL_") {
            command.env_remove(name);
        }
    }
    command
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        // The function's own region differs: Partner Central must still use us-east-1.
        .env("AWS_REGION", "eu-west-1");
    for (name, value) in vars {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child {child} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "child {child} did not run:\n{text}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
