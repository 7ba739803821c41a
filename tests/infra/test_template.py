"""Assertions on template.yaml that cfn-lint and checkov cannot make: the project's own rules."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from conftest import (
    ROOT,
    alarm_suffixes,
    as_list,
    branches,
    condition_holds,
    function_properties,
    resources_of_type,
    runbook_headings,
)

FUNCTIONS = {
    "ReceiptFunction": ("receipt", "crates/receipt"),
    "ProcessorFunction": ("processor", "crates/processor"),
    "ReprocessDlqFunction": ("reprocess-dlq", "crates/reprocess-dlq"),
}

# Read by lambda_runtime's default tracing subscriber, not by our crates; set on every function.
RUNTIME_VARIABLES = {"RUST_LOG"}

# The variables each binary reads (the Rust Config::from_env of each crate), plus RUNTIME_VARIABLES.
ENVIRONMENT = {
    "ReceiptFunction": {
        "QUEUE_URL", "REJECTED_QUEUE_URL", "HUBSPOT_SECRET_ARN", "WEBHOOK_PUBLIC_URL",
        "SIGNATURE_MAX_AGE_SECS", "MAX_BODY_BYTES", "SYNCED_EVENT_TYPES", "METRICS_NAMESPACE",
    } | RUNTIME_VARIABLES,
    "ProcessorFunction": {
        "HUBSPOT_SECRET_ARN", "HUBSPOT_API_BASE_URL", "PARTNER_CENTRAL_CATALOG",
        "PARTNER_CENTRAL_ROLE_ARN", "PARTNER_CENTRAL_EXTERNAL_ID", "PARTNER_CENTRAL_SOLUTION_ID",
        "SYNC_TRIGGER", "SUBMIT_TRIGGER", "DEFAULT_INVOLVEMENT_TYPE", "DEFAULT_VISIBILITY",
        "METRICS_NAMESPACE", "QUEUE_URL", "PROCESSOR_MAX_CONCURRENCY", "SWEEP_INTERVAL_MINUTES",
        "HUBSPOT_PORTAL_ID", "REFERRAL_PIPELINE", "REFERRAL_STAGE", "REFERRAL_OWNER_ID",
        "REFERRAL_REJECTED_STAGE", "REFERRAL_AUTO_ACCEPT",
    } | RUNTIME_VARIABLES,
    "ReprocessDlqFunction": {"QUEUE_URL", "DLQ_URL", "METRICS_NAMESPACE"} | RUNTIME_VARIABLES,
}

# What may reach each secret: the stack-created resource or the Existing*SecretArn parameter (Ref
# targets). The receipt faces the internet, so it must never be able to read the HubSpot token.
SECRET_READERS = {
    "ReceiptRole": ("ReceiptFunction", {"WebhookSecret", "ExistingWebhookSecretArn"}),
    "ProcessorRole": ("ProcessorFunction", {"HubSpotSecret", "ExistingTokenSecretArn"}),
}

# HubSpot gives up on a webhook delivery after 5 s (https://developers.hubspot.com/docs/api/webhooks).
HUBSPOT_TIMEOUT_MS = 5000

# Alarm suffix -> (namespace, metric, threshold) for single-metric alarms; None = metric math.
EXPECTED_ALARMS = {
    "DlqMessagesWarning": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 0),
    "DlqMessagesCritical": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 10),
    "RejectedEventsWarning": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 1),
    "QueueAgeWarning": ("AWS/SQS", "ApproximateAgeOfOldestMessage", 300),
    "QueueAgeCritical": ("AWS/SQS", "ApproximateAgeOfOldestMessage", 600),
    "QueueDepthHigh": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 1000),
    "ReceiptErrorRate": None,
    "ProcessorErrorRate": None,
    "ReceiptThrottles": ("AWS/Lambda", "Throttles", 0),
    "ProcessorThrottles": ("AWS/Lambda", "Throttles", 0),
    "ReprocessDlqThrottles": ("AWS/Lambda", "Throttles", 0),
    "Api5xxErrors": ("AWS/ApiGateway", "5XXError", 5),
    "ReceiptDurationP99": ("AWS/Lambda", "Duration", 1000),
    "SweepFailing": ({"Ref": "MetricsNamespace"}, "SweepRuns", 1),
    "PartnerCentralEventsDlq": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", 0),
}

# The only queues the receipt may send to: the main queue, and the one for events it cannot read.
RECEIPT_SEND_TARGETS = {"EventsQueue", "RejectedEventsQueue"}

# AWS WAF rate-based rule limits (https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html).
WAF_RATE_LIMIT_MIN, WAF_RATE_LIMIT_MAX = 10, 2_000_000_000

# Service Authorization Reference: these partnercentral actions have no resource type, so they can
# only be granted on "*" (always with a partnercentral:Catalog condition).
NO_RESOURCE_TYPE_ACTIONS = {
    "partnercentral:CreateOpportunity", "partnercentral:ListOpportunities",
    "partnercentral:ListEngagementFromOpportunityTasks",
    # AWS referrals: the sweep's pending invitations, and following an accept task.
    "partnercentral:ListEngagementInvitations", "partnercentral:ListEngagementByAcceptingInvitationTasks",
}

# Dependent actions of StartEngagementFromOpportunityTask (Service Authorization Reference): the task
# creates these resources on the caller's behalf, so their ARNs are unknown beforehand; "*" with the
# partnercentral:Catalog condition, like the actions above.
SUBMISSION_TASK_STEPS = {
    "partnercentral:CreateEngagement", "partnercentral:CreateEngagementInvitation",
    "partnercentral:CreateResourceSnapshot", "partnercentral:CreateResourceSnapshotJob",
    "partnercentral:StartResourceSnapshotJob",
}

# AWS referrals on the invitation itself (resource type engagement-invitation, whose ARN carries no
# account id). AcceptEngagementInvitation is a dependent action of StartEngagementByAcceptingInvitationTask.
REFERRAL_INVITATION_ACTIONS = {
    "partnercentral:GetEngagementInvitation", "partnercentral:RejectEngagementInvitation",
    "partnercentral:AcceptEngagementInvitation",
}

# Dependent actions of StartEngagementByAcceptingInvitationTask (Service Authorization Reference), less
# TagResource, which only a request with Tags needs (the processor sends none).
ACCEPT_TASK_STEPS = {
    "partnercentral:AcceptEngagementInvitation", "partnercentral:CreateOpportunity",
    "partnercentral:CreateResourceSnapshot", "partnercentral:CreateResourceSnapshotJob",
    "partnercentral:GetEngagementInvitation", "partnercentral:GetOpportunity",
    "partnercentral:StartResourceSnapshotJob", "partnercentral:SubmitOpportunity",
}

# What the processor calls in Partner Central with its own role (no PartnerCentralRoleArn).
PROCESSOR_PARTNER_CENTRAL_ACTIONS = NO_RESOURCE_TYPE_ACTIONS | SUBMISSION_TASK_STEPS | REFERRAL_INVITATION_ACTIONS | {
    "partnercentral:GetOpportunity", "partnercentral:UpdateOpportunity", "partnercentral:AssociateOpportunity",
    "partnercentral:StartEngagementFromOpportunityTask", "partnercentral:SubmitOpportunity",
    # AWS's side of an opportunity, read for Partner Central events and the sweep.
    "partnercentral:GetAwsOpportunitySummary",
    # Accepting an AWS referral.
    "partnercentral:StartEngagementByAcceptingInvitationTask",
}

# The AWS referral settings: template parameter -> (processor variable, default).
REFERRAL_PARAMETERS = {
    "ReferralPipeline": ("REFERRAL_PIPELINE", ""),
    "ReferralStage": ("REFERRAL_STAGE", ""),
    "ReferralOwnerId": ("REFERRAL_OWNER_ID", ""),
    "ReferralRejectedStage": ("REFERRAL_REJECTED_STAGE", ""),
    "ReferralAutoAccept": ("REFERRAL_AUTO_ACCEPT", "false"),
}

# The two EventBridge rules that deliver to the events queue, and the constant message group each
# target sets (a FIFO target needs one; the Rust side tells the two kinds apart by body, not group).
EVENTBRIDGE_RULES = {
    "PartnerCentralEventsRule": "partner-central-events",
    "ReconciliationSweepSchedule": "reconciliation-sweep",
}
EVENTBRIDGE_DLQ = "PartnerCentralEventsDlq"

# EventBridge's maximum retry policy (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-event-delivery.html).
EVENTBRIDGE_RETRY = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}

# CloudWatch: Period x EvaluationPeriods <= one day for periods under an hour (PutMetricAlarm).
ALARM_MAX_EVALUATION_SECONDS_SHORT_PERIODS = 86400

# EventBridge rule names are at most 64 characters.
RULE_NAME_MAX = 64


# ---------------------------------------------------------------- checkers (also run on broken copies)

def missing_alarms(template: dict) -> set[str]:
    return set(EXPECTED_ALARMS) - set(alarm_suffixes(template))


def own_policy_statements(template: dict):
    """(resource id, statement) for every identity policy statement the template itself writes."""
    for rid, res in template["Resources"].items():
        props = res.get("Properties", {})
        docs = []
        if res["Type"] == "AWS::IAM::Role":
            docs = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            docs = [props["PolicyDocument"]]
        elif res["Type"] == "AWS::Serverless::Function":
            docs = [p for p in as_list(props.get("Policies", [])) if isinstance(p, dict) and "Statement" in p]
        for doc in docs:
            for raw in as_list(doc["Statement"]):
                for statement in branches(raw):
                    yield rid, statement


def wildcard_violations(template: dict) -> list[str]:
    problems = []
    for rid, st in own_policy_statements(template):
        actions = set(as_list(st.get("Action", [])))
        if any(a == "*" or a.endswith(":*") for a in actions):
            problems.append(f"{rid}/{st.get('Sid')}: wildcard action {sorted(actions)}")
        if "*" in as_list(st.get("Resource", [])):
            catalog_condition = "partnercentral:Catalog" in st.get("Condition", {}).get("StringEquals", {})
            star_actions = NO_RESOURCE_TYPE_ACTIONS | SUBMISSION_TASK_STEPS
            if not (actions <= star_actions and catalog_condition):
                problems.append(f"{rid}/{st.get('Sid')}: Resource '*' for {sorted(actions)}")
    for rid, key in resources_of_type(template, "AWS::KMS::Key").items():
        for st in key["Properties"]["KeyPolicy"]["Statement"]:
            # Resource "*" in a key policy means "this key"; a wildcard action never is fine.
            if any(a in ("*", "kms:*") for a in as_list(st["Action"])):
                problems.append(f"{rid}/{st.get('Sid')}: wildcard action in key policy")
    return problems


def ref_targets(value) -> set[str]:
    """`{"Ref": X}` in every Fn::If branch -> {X}; anything else (a "*", an ARN pattern) as its JSON."""
    return {b["Ref"] if isinstance(b, dict) and set(b) == {"Ref"} else json.dumps(b) for b in branches(value)}


def secret_access_problems(template: dict) -> list[str]:
    """Who may read which secret: each function exactly its own, no one else anything, no KMS."""
    problems, granted = [], {}
    for rid, st in own_policy_statements(template):
        actions = as_list(st.get("Action", []))
        if any(a.startswith("kms:") for a in actions):
            problems.append(f"{rid}/{st.get('Sid')}: kms actions, but the secrets use the aws/secretsmanager key")
        if any(a.startswith("secretsmanager:") for a in actions):
            if set(actions) != {"secretsmanager:GetSecretValue"}:
                problems.append(f"{rid}/{st.get('Sid')}: secretsmanager actions {sorted(actions)}")
            for resource in as_list(st.get("Resource", [])):
                granted.setdefault(rid, set()).update(ref_targets(resource))
    for rid in granted.keys() | SECRET_READERS.keys():
        function, own = SECRET_READERS.get(rid, (None, set()))
        if granted.get(rid, set()) != own:
            problems.append(f"{rid} may read {sorted(granted.get(rid, set()))}, expected {sorted(own)}")
        if function:
            env = function_properties(template, function)["Environment"]["Variables"]
            if ref_targets(env.get("HUBSPOT_SECRET_ARN")) != own:
                problems.append(f"{function}: HUBSPOT_SECRET_ARN is not its own secret {sorted(own)}")
    return problems


def receipt_sqs_problems(template: dict) -> list[str]:
    """The receipt only sends, and only to the main queue and the rejected-events queue."""
    problems = []
    for rid, st in own_policy_statements(template):
        actions = as_list(st.get("Action", []))
        if rid != "ReceiptRole" or not any(a.startswith("sqs:") for a in actions):
            continue
        if actions != ["sqs:SendMessage"]:
            problems.append(f"{rid}/{st.get('Sid')}: the receipt only sends, not {sorted(actions)}")
        for resource in as_list(st["Resource"]):
            target = resource.get("Fn::GetAtt", [None])[0] if isinstance(resource, dict) else None
            if target not in RECEIPT_SEND_TARGETS or resource != {"Fn::GetAtt": [target, "Arn"]}:
                problems.append(f"{rid}/{st.get('Sid')}: the receipt may not send to {json.dumps(resource)}")
    return problems


def runbook_gaps(template: dict, runbook_text: str, *more: dict) -> tuple[set[str], set[str]]:
    """Alarms (of template and any further templates) without a `## <suffix>` heading, and
    alarm-like headings that name no alarm."""
    alarms = set().union(*(alarm_suffixes(t) for t in (template, *more)))
    headings = runbook_headings(runbook_text)
    return alarms - headings, {h for h in headings if re.fullmatch(r"[A-Za-z0-9]+", h)} - alarms


def eventbridge_grant_problems(template: dict) -> list[str]:
    """Each queue an EventBridge rule writes to (the events queue, the rules' DLQ) has one queue
    policy with one statement: events.amazonaws.com may SendMessage to that queue, only from exactly
    the two rules. Nothing else in any queue policy."""
    problems = []
    expected_sources = sorted(({"Fn::GetAtt": [r, "Arn"]} for r in EVENTBRIDGE_RULES), key=json.dumps)
    policies = resources_of_type(template, "AWS::SQS::QueuePolicy")
    covered = []
    for rid, policy in policies.items():
        props = policy["Properties"]
        (queue,) = props["Queues"]
        covered.append(queue["Ref"])
        statements = as_list(props["PolicyDocument"]["Statement"])
        if len(statements) != 1:
            problems.append(f"{rid}: {len(statements)} statements, expected 1")
            continue
        (st,) = statements
        if st.get("Effect") != "Allow" or st.get("Principal") != {"Service": "events.amazonaws.com"}:
            problems.append(f"{rid}: grants {st.get('Principal')!r}, expected events.amazonaws.com")
        if as_list(st.get("Action")) != ["sqs:SendMessage"]:
            problems.append(f"{rid}: actions {st.get('Action')!r}, expected sqs:SendMessage")
        if st.get("Resource") != {"Fn::GetAtt": [queue["Ref"], "Arn"]}:
            problems.append(f"{rid}: resource {st.get('Resource')!r} is not its own queue")
        sources = st.get("Condition", {}).get("ArnEquals", {}).get("aws:SourceArn")
        if sorted(as_list(sources or []), key=json.dumps) != expected_sources:
            problems.append(f"{rid}: aws:SourceArn {sources!r}, expected exactly the two rules")
    if sorted(covered) != sorted(["EventsQueue", EVENTBRIDGE_DLQ]):
        problems.append(f"queue policies cover {sorted(covered)}, expected EventsQueue and {EVENTBRIDGE_DLQ}")
    return problems


# ---------------------------------------------------------------- queues

def test_visibility_timeout_is_at_least_six_processor_timeouts(template):
    queue = template["Resources"]["EventsQueue"]["Properties"]
    processor = function_properties(template, "ProcessorFunction")
    assert int(queue["VisibilityTimeout"]) >= 6 * int(processor["Timeout"])


def test_main_queue_redrives_to_the_dlq_after_max_receive_count(template):
    redrive = template["Resources"]["EventsQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["EventsDlq", "Arn"]}
    assert redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
    assert template["Parameters"]["MaxReceiveCount"]["Default"] == 5


@pytest.mark.parametrize("queue", ["EventsQueue", "EventsDlq", "RejectedEventsQueue"])
def test_queues_are_fifo_encrypted_and_keep_messages_14_days(template, queue):
    props = template["Resources"][queue]["Properties"]
    assert props["FifoQueue"] is True
    assert props["SqsManagedSseEnabled"] is True
    assert int(props["MessageRetentionPeriod"]) == 14 * 24 * 3600
    assert props["QueueName"]["Fn::Sub"].endswith(".fifo")


def test_dlq_accepts_redrive_only_from_the_main_queue(template):
    allow = template["Resources"]["EventsDlq"]["Properties"]["RedriveAllowPolicy"]
    assert allow["redrivePermission"] == "byQueue"
    (source,) = allow["sourceQueueArns"]
    main_name = template["Resources"]["EventsQueue"]["Properties"]["QueueName"]["Fn::Sub"]
    assert source["Fn::Sub"].endswith(":" + main_name)


def test_rejected_events_queue_is_its_own_fifo_queue_outside_any_redrive(template):
    resources = template["Resources"]
    props = resources["RejectedEventsQueue"]["Properties"]
    assert props["FifoQueue"] is True
    # The receipt sets a deduplication id per rejected event; content-based dedup would be ignored at best.
    assert props["ContentBasedDeduplication"] is False
    assert props["QueueName"] != resources["EventsDlq"]["Properties"]["QueueName"]
    assert props["QueueName"]["Fn::Sub"] == "${AWS::StackName}-rejected.fifo"
    # Nothing redrives from it, and no queue may redrive into it.
    assert "RedrivePolicy" not in props
    assert props["RedriveAllowPolicy"] == {"redrivePermission": "denyAll"}
    for rid, res in resources.items():
        if res["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in res["Properties"]:
            target = res["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
            assert target != {"Fn::GetAtt": ["RejectedEventsQueue", "Arn"]}, rid


def test_high_throughput_fifo_is_configured_together(template):
    props = template["Resources"]["EventsQueue"]["Properties"]
    assert (props["DeduplicationScope"], props["FifoThroughputLimit"]) == ("messageGroup", "perMessageGroupId")


def test_events_queue_takes_messages_without_a_deduplication_id(template):
    # EventBridge sets no MessageDeduplicationId; a FIFO queue without content-based deduplication
    # refuses such a message. Explicit ids (receipt, processor, reprocess-dlq) still take precedence.
    props = template["Resources"]["EventsQueue"]["Properties"]
    assert props["ContentBasedDeduplication"] is True
    assert props["DeduplicationScope"] == "messageGroup"
    # The other FIFO queues are written only with explicit ids.
    for queue in ("EventsDlq", "RejectedEventsQueue"):
        assert template["Resources"][queue]["Properties"]["ContentBasedDeduplication"] is False, queue


# ---------------------------------------------------------------- EventBridge (Partner Central events, sweep)

def test_partner_central_rule_matches_the_configured_catalog_on_the_default_bus(template):
    props = template["Resources"]["PartnerCentralEventsRule"]["Properties"]
    assert props["EventPattern"] == {
        "source": ["aws.partnercentral-selling"],
        "detail": {"catalog": [{"Ref": "PartnerCentralCatalog"}]},
    }
    assert props.get("EventBusName", "default") == "default"
    assert props["State"] == "ENABLED"


@pytest.mark.parametrize("rule, group", sorted(EVENTBRIDGE_RULES.items()))
def test_rule_delivers_to_the_events_queue_with_a_group_retries_and_a_dlq(template, rule, group):
    (target,) = template["Resources"][rule]["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["EventsQueue", "Arn"]}
    assert target["SqsParameters"] == {"MessageGroupId": group}
    assert target["RetryPolicy"] == EVENTBRIDGE_RETRY
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [EVENTBRIDGE_DLQ, "Arn"]}}
    # The processor reads the event envelope itself (crates/events eventbridge.rs): no transformation.
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)
    assert "RoleArn" not in target, "an SQS target is authorised by the queue policy, not a role"


def test_rule_names_fit_eventbridge_for_every_environment(template):
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for env in ("dev", "staging", "prod"):
        stack = config[env]["deploy"]["parameters"]["stack_name"]
        for rule in EVENTBRIDGE_RULES:
            name = template["Resources"][rule]["Properties"]["Name"]["Fn::Sub"]
            assert len(name.replace("${AWS::StackName}", stack)) <= RULE_NAME_MAX, (env, rule)


def test_eventbridge_dlq_is_a_standard_encrypted_queue_keeping_14_days(template):
    props = template["Resources"][EVENTBRIDGE_DLQ]["Properties"]
    # EventBridge refuses a FIFO queue as a dead-letter queue.
    assert not props.get("FifoQueue", False)
    assert not props["QueueName"]["Fn::Sub"].endswith(".fifo")
    assert props["SqsManagedSseEnabled"] is True
    assert int(props["MessageRetentionPeriod"]) == 14 * 24 * 3600
    # Not the main queue's DLQ: SQS redrive never sends here.
    assert template["Resources"]["EventsQueue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] != {
        "Fn::GetAtt": [EVENTBRIDGE_DLQ, "Arn"]}


def test_queue_policies_let_only_the_two_rules_send(template):
    assert eventbridge_grant_problems(template) == []


def let_any_rule_send(template):
    st = template["Resources"]["EventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    del st["Condition"]


def add_a_third_source(template):
    st = template["Resources"]["PartnerCentralEventsDlqPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    st["Condition"]["ArnEquals"]["aws:SourceArn"].append("arn:aws:events:us-east-1:123456789012:rule/other")


def grant_sns_too(template):
    st = template["Resources"]["EventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    st["Principal"] = {"Service": ["events.amazonaws.com", "sns.amazonaws.com"]}


@pytest.mark.parametrize("damage", [let_any_rule_send, add_a_third_source, grant_sns_too])
def test_queue_policy_check_can_fail(mutable_template, damage):
    damage(mutable_template)
    (problem,) = eventbridge_grant_problems(mutable_template)
    assert "Policy" in problem


def test_sweep_schedule_runs_every_sweep_interval_and_can_be_switched_off(template):
    props = template["Resources"]["ReconciliationSweepSchedule"]["Properties"]
    assert props["ScheduleExpression"] == {"Fn::Sub": "rate(${SweepIntervalMinutes} minutes)"}
    param = template["Parameters"]["SweepIntervalMinutes"]
    assert (param["Type"], param["Default"]) == ("Number", 15)
    # "rate(1 minutes)" is invalid: EventBridge wants the singular for 1, so 1 must be refused.
    assert param["MinValue"] >= 2
    # SweepFailing watches SweepIntervalMinutes periods of 3 minutes: within CloudWatch's one day.
    alarm = template["Resources"]["SweepFailingAlarm"]["Properties"]
    assert param["MaxValue"] * alarm["Period"] <= ALARM_MAX_EVALUATION_SECONDS_SHORT_PERIODS
    assert props["State"] == {"Fn::If": ["SweepIsEnabled", "ENABLED", "DISABLED"]}
    assert template["Parameters"]["SweepEnabled"]["AllowedValues"] == ["true", "false"]
    assert condition_holds(template, "SweepIsEnabled") is True
    assert condition_holds(template, "SweepIsEnabled", {"SweepEnabled": "false"}) is False


def test_sweep_alarm_fires_after_three_intervals_without_a_completed_sweep(template):
    alarm = template["Resources"]["SweepFailingAlarm"]
    props = alarm["Properties"]
    assert alarm["Condition"] == "SweepIsEnabled"
    assert props["Dimensions"] == [{"Name": "Function", "Value": "processor"}, {"Name": "Result", "Value": "completed"}]
    # SweepIntervalMinutes periods of 3 minutes each = 3 x the interval, all without a completion.
    assert props["Period"] == 3 * 60
    assert props["EvaluationPeriods"] == {"Ref": "SweepIntervalMinutes"}
    assert props.get("DatapointsToAlarm", props["EvaluationPeriods"]) == props["EvaluationPeriods"]
    assert (props["Statistic"], props["ComparisonOperator"], props["Threshold"]) == ("Sum", "LessThanThreshold", 1)
    # No data at all (no sweep ran) must count as failing.
    assert props["TreatMissingData"] == "breaching"


def test_processor_knows_the_sweep_interval_and_the_portal(template):
    variables = function_properties(template, "ProcessorFunction")["Environment"]["Variables"]
    assert variables["SWEEP_INTERVAL_MINUTES"] == {"Ref": "SweepIntervalMinutes"}
    assert variables["HUBSPOT_PORTAL_ID"] == {"Ref": "HubSpotPortalId"}
    param = template["Parameters"]["HubSpotPortalId"]
    assert param["Default"] == ""
    accepts = [v for v in ("", "62515", "2519445", "123456789012") if re.fullmatch(param["AllowedPattern"], v)]
    refuses = [v for v in ("0", "abc", "62515 ", "-1", "6.2") if re.fullmatch(param["AllowedPattern"], v)]
    assert (len(accepts), refuses) == (4, [])


def test_sweep_default_matches_the_processor_default(template):
    settings = ROOT / "crates" / "processor" / "src" / "settings.rs"
    match = re.search(r"DEFAULT_SWEEP_INTERVAL_MINUTES: u64 = (\d+);", settings.read_text()) if settings.exists() else None
    if not match:
        pytest.skip("the processor does not define DEFAULT_SWEEP_INTERVAL_MINUTES")
    assert int(match.group(1)) == template["Parameters"]["SweepIntervalMinutes"]["Default"]


# ---------------------------------------------------------------- functions

def test_processor_consumes_the_queue_with_partial_batch_responses(template):
    (event,) = function_properties(template, "ProcessorFunction")["Events"].values()
    assert event["Type"] == "SQS"
    props = event["Properties"]
    assert props["Queue"] == {"Fn::GetAtt": ["EventsQueue", "Arn"]}
    assert props["BatchSize"] == 10
    assert "ReportBatchItemFailures" in props["FunctionResponseTypes"]
    assert props["ScalingConfig"]["MaximumConcurrency"] == 2


def test_receipt_is_behind_the_rest_api_and_reprocessor_has_no_trigger(template):
    (event,) = function_properties(template, "ReceiptFunction")["Events"].values()
    assert event["Type"] == "Api"
    assert (event["Properties"]["Path"], event["Properties"]["Method"].lower()) == ("/webhook/hubspot", "post")
    assert event["Properties"]["RestApiId"] == {"Ref": "WebhookApi"}
    assert not function_properties(template, "ReprocessDlqFunction").get("Events")


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_is_an_arm64_rust_bootstrap_built_by_cargo_lambda(template, logical_id):
    binary, crate = FUNCTIONS[logical_id]
    props = function_properties(template, logical_id)
    assert props["Runtime"] == "provided.al2023"
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "bootstrap"
    metadata = template["Resources"][logical_id]["Metadata"]
    assert metadata["BuildMethod"] == "rust-cargolambda"
    assert metadata["BuildProperties"]["Binary"] == binary
    manifest = ROOT / crate / "Cargo.toml"
    if not manifest.exists():
        pytest.skip(f"{crate} is not in the workspace yet")
    bins = [b["name"] for b in tomllib.loads(manifest.read_text()).get("bin", [])]
    assert binary in bins, f"{crate} has no [[bin]] named {binary}"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_logs_json_to_its_own_log_group_with_retention(template, logical_id):
    logging = function_properties(template, logical_id)["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"
    group_id = logging["LogGroup"]["Ref"]
    group = template["Resources"][group_id]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_environment_matches_what_the_binary_reads(template, logical_id):
    variables = function_properties(template, logical_id)["Environment"]["Variables"]
    assert set(variables) == ENVIRONMENT[logical_id]
    src = ROOT / FUNCTIONS[logical_id][1] / "src"
    if not src.exists():
        pytest.skip(f"{src} does not exist yet")
    code = "\n".join(p.read_text() for p in src.rglob("*.rs"))
    unread = {name for name in set(variables) - RUNTIME_VARIABLES if f'"{name}"' not in code}
    assert not unread, f"{logical_id} sets variables its crate never reads: {sorted(unread)}"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_log_level_is_pinned_to_info(template, logical_id):
    # At TRACE the Lambda runtime logs each raw event, webhook signatures included; RUST_LOG, when
    # set, overrides the level Lambda passes, so both are pinned.
    props = function_properties(template, logical_id)
    assert props["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
    assert props["Environment"]["Variables"]["RUST_LOG"] == "info"


def default_request_budget_ms() -> int:
    """The receipt's REQUEST_BUDGET_MS when unset, from the crate that defines it."""
    config = ROOT / "crates" / "receipt" / "src" / "config.rs"
    if not config.exists():
        pytest.skip(f"{config} does not exist yet")
    match = re.search(r"DEFAULT_REQUEST_BUDGET_MS: u64 = ([\d_]+);", config.read_text())
    assert match, f"{config} no longer defines DEFAULT_REQUEST_BUDGET_MS"
    return int(match.group(1).replace("_", ""))


def test_receipt_answers_within_its_request_budget_before_hubspot_or_lambda_give_up(template):
    props = function_properties(template, "ReceiptFunction")
    budget_ms = int(props["Environment"]["Variables"].get("REQUEST_BUDGET_MS") or default_request_budget_ms())
    assert budget_ms < HUBSPOT_TIMEOUT_MS
    assert int(props["Timeout"]) * 1000 > budget_ms


def test_receipt_keeps_rejected_events_in_their_own_queue_not_the_dlq(template):
    variables = function_properties(template, "ReceiptFunction")["Environment"]["Variables"]
    assert variables["QUEUE_URL"] == {"Ref": "EventsQueue"}
    assert variables["REJECTED_QUEUE_URL"] == {"Ref": "RejectedEventsQueue"}
    assert receipt_sqs_problems(template) == []
    targets = [r for rid, st in own_policy_statements(template) if rid == "ReceiptRole"
               and "sqs:SendMessage" in as_list(st["Action"]) for r in as_list(st["Resource"])]
    assert sorted(targets, key=json.dumps) == [
        {"Fn::GetAtt": ["EventsQueue", "Arn"]}, {"Fn::GetAtt": ["RejectedEventsQueue", "Arn"]},
    ]


def send_rejected_events_to_the_dlq(template):
    statements = template["Resources"]["ReceiptRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    keep = next(st for st in statements if st.get("Sid") == "KeepRejectedEvents")
    keep["Resource"] = {"Fn::GetAtt": ["EventsDlq", "Arn"]}


def let_the_receipt_receive(template):
    statements = template["Resources"]["ReceiptRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    enqueue = next(st for st in statements if st.get("Sid") == "EnqueueEvents")
    enqueue["Action"] = ["sqs:SendMessage", "sqs:ReceiveMessage"]


@pytest.mark.parametrize("damage", [send_rejected_events_to_the_dlq, let_the_receipt_receive])
def test_receipt_sqs_check_can_fail(mutable_template, damage):
    damage(mutable_template)
    (problem,) = receipt_sqs_problems(mutable_template)
    assert problem.startswith("ReceiptRole/")


def test_dlq_alarms_see_only_dead_letters(template):
    # Nothing of ours sends to the DLQ (only SQS redrive from the main queue), so the DLQ alarms
    # never fire for a rejected event; the rejected-events queue has an alarm of its own.
    senders = [rid for rid, st in own_policy_statements(template)
               if "sqs:SendMessage" in as_list(st.get("Action", []))
               and {"Fn::GetAtt": ["EventsDlq", "Arn"]} in as_list(st.get("Resource", []))]
    assert senders == []
    alarms = alarm_suffixes(template)
    for suffix in ("DlqMessagesWarning", "DlqMessagesCritical"):
        assert alarms[suffix]["Properties"]["Dimensions"] == [
            {"Name": "QueueName", "Value": {"Fn::GetAtt": ["EventsDlq", "QueueName"]}}]
    rejected = alarms["RejectedEventsWarning"]["Properties"]
    assert rejected["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["RejectedEventsQueue", "QueueName"]}}]
    assert rejected["AlarmDescription"].startswith("[warning]")
    # One message is enough: >= 1, or equivalently > 0.
    assert (rejected["ComparisonOperator"], rejected["Threshold"]) in (
        ("GreaterThanOrEqualToThreshold", 1), ("GreaterThanThreshold", 0))


def test_no_secret_is_a_template_parameter(template):
    for name, param in template["Parameters"].items():
        assert "NoEcho" not in param, f"{name}: secrets go to Secrets Manager, not NoEcho parameters"
        if name.endswith("SecretArn"):
            # Names a secret (ExistingTokenSecretArn) without holding it: only an ARN gets through.
            assert param["AllowedPattern"].startswith("^$|^arn:aws"), name
            continue
        assert not re.search(r"(token|password|clientsecret)", name, re.I), name


# ---------------------------------------------------------------- IAM

def test_own_policies_use_no_wildcard_action_or_resource(template):
    assert wildcard_violations(template) == []


def test_wildcard_check_can_fail(mutable_template):
    statements = mutable_template["Resources"]["ReceiptRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    statements[1]["Resource"] = "*"
    statements.append({"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:::x"})
    assert len(wildcard_violations(mutable_template)) == 2


def test_each_function_reads_only_its_own_secret(template):
    assert secret_access_problems(template) == []
    assert not SECRET_READERS["ReceiptRole"][1] & SECRET_READERS["ProcessorRole"][1]


def policy_statements(template: dict, role: str) -> list:
    return template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def share_the_token_with_the_receipt(template):
    token = next(st for st in policy_statements(template, "ProcessorRole") if st.get("Sid") == "ReadHubSpotToken")
    policy_statements(template, "ReceiptRole").append(dict(token))


def grant_every_secret_to_the_processor(template):
    token = next(st for st in policy_statements(template, "ProcessorRole") if st.get("Sid") == "ReadHubSpotToken")
    token["Resource"] = "*"


def point_the_receipt_at_the_token(template):
    variables = template["Resources"]["ReceiptFunction"]["Properties"]["Environment"]["Variables"]
    variables["HUBSPOT_SECRET_ARN"] = {"Ref": "HubSpotSecret"}


@pytest.mark.parametrize("damage, culprit", [
    (share_the_token_with_the_receipt, "ReceiptRole"),
    (grant_every_secret_to_the_processor, "ProcessorRole"),
    (point_the_receipt_at_the_token, "ReceiptFunction"),
])
def test_secret_check_can_fail(mutable_template, damage, culprit):
    damage(mutable_template)
    (problem,) = secret_access_problems(mutable_template)
    assert problem.startswith(culprit)


def test_existing_secrets_cannot_be_one_and_the_same(template):
    (assertion,) = template["Rules"]["SecretsAreNotShared"]["Assertions"]
    assert assertion["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ExistingWebhookSecretArn"}, {"Ref": "ExistingTokenSecretArn"}]}]
    }


def test_processor_assumes_the_partner_central_role_or_holds_catalog_scoped_rights(template):
    statements = {st.get("Sid"): st for rid, st in own_policy_statements(template) if rid == "ProcessorRole"}
    assert statements["AssumePartnerCentralRole"]["Resource"] == {"Ref": "PartnerCentralRoleArn"}
    own_role_sids = ("OpportunityActionsWithoutResourceType", "OpportunityActionsOnOpportunities",
                     "SubmitOpportunities", "SubmissionTaskSteps", "ReferralActionsWithoutResourceType",
                     "ReferralInvitations", "AcceptReferrals")
    for sid in own_role_sids:
        condition = statements[sid]["Condition"]["StringEquals"]["partnercentral:Catalog"]
        assert condition == {"Ref": "PartnerCentralCatalog"}
    granted = {a for sid in own_role_sids for a in as_list(statements[sid]["Action"])}
    assert granted == PROCESSOR_PARTNER_CENTRAL_ACTIONS
    # Every partnercentral statement exists only when the processor uses its own role.
    raw = template["Resources"]["ProcessorRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    for st in raw:
        if "Fn::If" in st and st["Fn::If"][1].get("Sid") in own_role_sids:
            assert st["Fn::If"][0] == "UseOwnRoleForPartnerCentral"
            assert st["Fn::If"][2] == {"Ref": "AWS::NoValue"}
    # Submission is granted on this account's opportunities and the tasks, never on "*".
    resources = as_list(statements["SubmitOpportunities"]["Resource"])
    assert "*" not in resources
    assert [r["Fn::Sub"].rsplit("/", 2)[-2] for r in resources] == ["opportunity", "engagement-from-opportunity-task"]


INVITATIONS = "arn:${AWS::Partition}:partnercentral:us-east-1::catalog/${PartnerCentralCatalog}/engagement-invitation/*"
ACCEPT_TASKS = ("arn:${AWS::Partition}:partnercentral:us-east-1::catalog/${PartnerCentralCatalog}"
                "/engagement-by-accepting-invitation-task/*")

# Sid -> (actions, resources) of the referral statements of the processor's own role. Invitation and
# accept-task ARNs carry no account id (Service Authorization Reference resource types).
REFERRAL_STATEMENTS = {
    "ReferralActionsWithoutResourceType": (
        {"partnercentral:ListEngagementInvitations", "partnercentral:ListEngagementByAcceptingInvitationTasks"},
        ["*"]),
    "ReferralInvitations": (REFERRAL_INVITATION_ACTIONS, [{"Fn::Sub": INVITATIONS}]),
    "AcceptReferrals": ({"partnercentral:StartEngagementByAcceptingInvitationTask"},
                        [{"Fn::Sub": INVITATIONS}, {"Fn::Sub": ACCEPT_TASKS}]),
}


def referral_grant_problems(template: dict) -> list[str]:
    statements = {st.get("Sid"): st for rid, st in own_policy_statements(template) if rid == "ProcessorRole"}
    problems = []
    for sid, (actions, resources) in REFERRAL_STATEMENTS.items():
        st = statements.get(sid)
        if st is None:
            problems.append(f"ProcessorRole/{sid}: missing")
            continue
        if set(as_list(st["Action"])) != actions:
            problems.append(f"ProcessorRole/{sid}: actions {sorted(as_list(st['Action']))}")
        if as_list(st["Resource"]) != resources:
            problems.append(f"ProcessorRole/{sid}: resources {json.dumps(st['Resource'])}")
        if st.get("Condition", {}).get("StringEquals", {}).get("partnercentral:Catalog") != {"Ref": "PartnerCentralCatalog"}:
            problems.append(f"ProcessorRole/{sid}: not limited to the catalog")
    return problems


def test_referral_actions_are_scoped_to_invitations_and_accept_tasks(template):
    assert referral_grant_problems(template) == []


def test_accept_task_steps_are_all_granted(template):
    # The accept task acts on the caller's behalf: without one of its dependent actions it ends FAILED.
    granted = {a for rid, st in own_policy_statements(template) if rid == "ProcessorRole"
               for a in as_list(st.get("Action", [])) if a.startswith("partnercentral:")}
    assert ACCEPT_TASK_STEPS - granted == set()


def test_every_partner_central_call_of_the_processor_is_granted(template):
    # The SDK operations the processor's adapter calls (`.client.<operation>()`), against its own role.
    adapter = ROOT / "crates" / "processor" / "src" / "partner_central"
    if not adapter.exists():
        pytest.skip(f"{adapter} does not exist")
    calls = set()
    for source in adapter.rglob("*.rs"):
        calls |= set(re.findall(r"\.client\s*\.\s*([a-z_]+)\(\)", source.read_text(encoding="utf-8")))
    assert calls, "no SDK call found: the pattern no longer matches the adapter"
    actions = {"partnercentral:" + "".join(w.capitalize() for w in call.split("_")) for call in calls}
    assert actions - PROCESSOR_PARTNER_CENTRAL_ACTIONS == set()


def referral_statement(template: dict, sid: str) -> dict:
    for st in policy_statements(template, "ProcessorRole"):
        if isinstance(st, dict) and "Fn::If" in st and st["Fn::If"][1].get("Sid") == sid:
            return st["Fn::If"][1]
    raise AssertionError(f"no statement {sid}")


def drop_reject(template):
    referral_statement(template, "ReferralInvitations")["Action"] = ["partnercentral:GetEngagementInvitation"]


def widen_the_invitations(template):
    referral_statement(template, "ReferralInvitations")["Resource"] = "*"


def accept_in_any_catalog(template):
    del referral_statement(template, "AcceptReferrals")["Condition"]


@pytest.mark.parametrize("damage", [drop_reject, widen_the_invitations, accept_in_any_catalog])
def test_referral_grant_check_can_fail(mutable_template, damage):
    damage(mutable_template)
    (problem,) = referral_grant_problems(mutable_template)
    assert problem.startswith("ProcessorRole/")


@pytest.mark.parametrize("parameter", sorted(REFERRAL_PARAMETERS))
def test_referral_parameters_reach_the_processor_and_default_to_unset(template, parameter):
    variable, default = REFERRAL_PARAMETERS[parameter]
    param = template["Parameters"][parameter]
    assert (param["Type"], param["Default"]) == ("String", default)
    variables = function_properties(template, "ProcessorFunction")["Environment"]["Variables"]
    assert variables[variable] == {"Ref": parameter}
    # An empty default must mean "unset": the processor reads blank variables as missing
    # (Env::optional in crates/events config.rs).
    config = ROOT / "crates" / "events" / "src" / "config.rs"
    if default == "" and config.exists():
        assert ".filter(|v| !v.is_empty())" in config.read_text(), "Env::optional no longer treats blank as unset"
    if "AllowedPattern" in param:
        assert re.fullmatch(param["AllowedPattern"], default), parameter


def test_referral_parameters_refuse_what_the_processor_would_refuse(template):
    params = template["Parameters"]
    assert params["ReferralAutoAccept"]["AllowedValues"] == ["true", "false"]
    owner = params["ReferralOwnerId"]["AllowedPattern"]
    assert [v for v in ("", "5550001", "123456789") if not re.fullmatch(owner, v)] == []
    assert [v for v in ("abc", "55 01", "-1", " 1") if re.fullmatch(owner, v)] == []
    for name in ("ReferralPipeline", "ReferralStage", "ReferralRejectedStage"):
        pattern = params[name]["AllowedPattern"]
        assert [v for v in ("", "default", "appointmentscheduled", "closedlost", "12345678") if not re.fullmatch(pattern, v)] == []
        assert [v for v in ("closed lost", " default") if re.fullmatch(pattern, v)] == [], name


# ---------------------------------------------------------------- alarms

def test_every_required_alarm_exists(template):
    assert missing_alarms(template) == set()


def test_missing_alarm_check_can_fail(mutable_template):
    del mutable_template["Resources"]["QueueAgeCriticalAlarm"]
    assert missing_alarms(mutable_template) == {"QueueAgeCritical"}


@pytest.mark.parametrize("suffix", sorted(EXPECTED_ALARMS))
def test_alarm_watches_the_right_metric_and_notifies(template, suffix):
    props = alarm_suffixes(template)[suffix]["Properties"]
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert props["TreatMissingData"] in ("notBreaching", "missing", "breaching", "ignore")
    expected = EXPECTED_ALARMS[suffix]
    if expected is None:
        metrics = {m["Id"]: m for m in props["Metrics"]}
        assert "errors / invocations" in metrics["rate"]["Expression"]
        assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "Errors"
        assert metrics["invocations"]["MetricStat"]["Metric"]["MetricName"] == "Invocations"
        function = suffix.removesuffix("ErrorRate") + "Function"
        for m in ("errors", "invocations"):
            (dim,) = metrics[m]["MetricStat"]["Metric"]["Dimensions"]
            assert dim["Value"] == {"Ref": function}
        assert props["Threshold"] == 5
        return
    namespace, metric, threshold = expected
    assert (props["Namespace"], props["MetricName"], props["Threshold"]) == (namespace, metric, threshold)
    if suffix.endswith("Throttles"):
        (dim,) = props["Dimensions"]
        assert dim["Value"] == {"Ref": suffix.removesuffix("Throttles") + "Function"}
    if suffix.startswith("Dlq"):
        assert props["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["EventsDlq", "QueueName"]}
    if suffix.startswith("RejectedEvents"):
        assert props["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["RejectedEventsQueue", "QueueName"]}
    if suffix.startswith("Queue"):
        assert props["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["EventsQueue", "QueueName"]}
    if suffix == "ReceiptDurationP99":
        assert props["ExtendedStatistic"] == "p99"


def test_alarm_topic_uses_a_key_cloudwatch_may_use(template):
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    principals = [st["Principal"] for st in template["Resources"]["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]]
    assert {"Service": "cloudwatch.amazonaws.com"} in principals


def test_every_alarm_has_a_runbook_entry(template, forwarder, runbook):
    # forwarder.yaml's alarm too: its section must not look stale.
    undocumented, stale = runbook_gaps(template, runbook, forwarder)
    assert undocumented == set(), f"docs/runbook.md lacks '## <suffix>' for {sorted(undocumented)}"
    assert stale == set(), f"docs/runbook.md documents alarms the template no longer has: {sorted(stale)}"


def test_runbook_check_can_fail(template, forwarder, runbook):
    without = re.sub(r"^## ReceiptThrottles\s*$", "## Gone", runbook, flags=re.MULTILINE)
    assert runbook_gaps(template, without, forwarder)[0] == {"ReceiptThrottles"}


def test_new_alarms_watch_the_sweep_and_the_eventbridge_dlq(template):
    alarms = alarm_suffixes(template)
    assert alarms["PartnerCentralEventsDlq"]["Properties"]["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [EVENTBRIDGE_DLQ, "QueueName"]}}]
    assert alarms["SweepFailing"]["Properties"]["Namespace"] == {"Ref": "MetricsNamespace"}
    for suffix in ("PartnerCentralEventsDlq", "SweepFailing"):
        props = alarms[suffix]["Properties"]
        assert props["OKActions"] == [{"Ref": "AlarmTopic"}]
        description = props["AlarmDescription"]
        description = description.get("Fn::Sub", description) if isinstance(description, dict) else description
        assert description.startswith("[warning]") and f"docs/runbook.md#{suffix.lower()}" in description


# ---------------------------------------------------------------- API, outputs, samconfig

def test_api_is_regional_staged_throttled_and_access_logged(template):
    api = template["Resources"]["WebhookApi"]["Properties"]
    assert api["EndpointConfiguration"]["Type"] == "REGIONAL"
    assert api["StageName"] == {"Ref": "Environment"}
    (settings,) = api["MethodSettings"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = re.findall(r'"(\w+)":"\$context', api["AccessLogSetting"]["Format"])
    assert "requestId" in fields and "status" in fields


def test_waf_exists_only_when_a_parameter_asks_for_it(template):
    resources = template["Resources"]
    (acl_id,) = [rid for rid, r in resources.items() if r["Type"] == "AWS::WAFv2::WebACL"]
    (association_id,) = [rid for rid, r in resources.items() if r["Type"] == "AWS::WAFv2::WebACLAssociation"]
    acl, association = resources[acl_id], resources[association_id]

    def created(parameters):
        return (condition_holds(template, acl["Condition"], parameters),
                condition_holds(template, association["Condition"], parameters))

    assert created({}) == (False, False), "the defaults must create (and cost) nothing"
    own_acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/edge/0000"
    assert created({"WebAclArn": own_acl}) == (False, True)
    assert created({"PerClientRateLimit": "2000"}) == (True, True)
    arn = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert arn.endswith(":apigateway:${AWS::Region}::/restapis/${WebhookApi}/stages/${WebhookApi.Stage}")
    assert association["Properties"]["WebACLArn"] == {
        "Fn::If": ["HasWebAclArn", {"Ref": "WebAclArn"}, {"Fn::GetAtt": [acl_id, "Arn"]}]
    }
    # A stage takes one web ACL: asking for both is refused before anything changes.
    rule = template["Rules"]["OneWebAclPerStage"]
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "PerClientRateLimit"}, "0"]}


def test_per_client_rate_limit_answers_what_hubspot_retries(template):
    (acl,) = resources_of_type(template, "AWS::WAFv2::WebACL").values()
    (rule,) = acl["Properties"]["Rules"]
    assert rule["Statement"]["RateBasedStatement"]["Limit"] == {"Ref": "PerClientRateLimit"}
    assert rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    # WAF blocks with 403 by default, and HubSpot never retries a 403: the event would be lost.
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429


def per_client_rate_limit_accepts(template: dict, value: str) -> bool:
    """What CloudFormation lets through for PerClientRateLimit: its pattern, anchored as CFN does."""
    pattern = template["Parameters"]["PerClientRateLimit"]["AllowedPattern"]
    return re.fullmatch(pattern, value) is not None


def test_per_client_rate_limit_is_off_or_within_what_waf_accepts(template):
    param = template["Parameters"]["PerClientRateLimit"]
    # A pattern applies to String parameters only; a Number with MinValue would let 1-9 through.
    assert param["Type"] == "String"
    assert per_client_rate_limit_accepts(template, str(param["Default"])) and str(param["Default"]) == "0"
    accepted = ["0", str(WAF_RATE_LIMIT_MIN), "99", "2000", "1999999999", str(WAF_RATE_LIMIT_MAX)]
    refused = [str(n) for n in range(1, WAF_RATE_LIMIT_MIN)] + [
        str(WAF_RATE_LIMIT_MAX + 1), "9999999999", "00", "010", "-10", "10.5", "1e3", " 10", "", "ten",
    ]
    assert [v for v in accepted if not per_client_rate_limit_accepts(template, v)] == []
    assert [v for v in refused if per_client_rate_limit_accepts(template, v)] == []
    # Every whole number in a band around each edge.
    for n in list(range(0, 1000)) + list(range(WAF_RATE_LIMIT_MAX - 50, WAF_RATE_LIMIT_MAX + 50)):
        expected = n == 0 or WAF_RATE_LIMIT_MIN <= n <= WAF_RATE_LIMIT_MAX
        assert per_client_rate_limit_accepts(template, str(n)) is expected, n


def test_outputs_the_scripts_and_dashboard_rely_on(template):
    required = {
        "WebhookUrl", "QueueUrl", "QueueArn", "DlqUrl", "DlqArn", "RejectedEventsQueueUrl",
        "RejectedEventsQueueArn", "RejectedEventsQueueName", "ReceiptFunctionName",
        "ProcessorFunctionName", "ReprocessDlqFunctionName", "WebhookSecretArn", "TokenSecretArn",
        "AlarmTopicArn", "ApiName", "ApiStage", "PartnerCentralEventsDlqUrl", "PartnerCentralEventsDlqName",
        "PartnerCentralEventsRuleName", "ReconciliationSweepScheduleName",
    }
    assert required <= set(template["Outputs"])


def test_samconfig_environments():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    assert config["version"] == 0.1
    for env in ("dev", "staging", "prod"):
        deploy = config[env]["deploy"]["parameters"]
        assert deploy["stack_name"] == f"hubspot-pc-sync-{env}"
        assert deploy["region"] == "us-east-1"
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        assert deploy["resolve_s3"] is True
        overrides = dict(kv.split("=", 1) for kv in deploy["parameter_overrides"].split())
        assert overrides["Environment"] == env
        assert overrides["PartnerCentralCatalog"] == ("AWS" if env == "prod" else "Sandbox")
        assert deploy["confirm_changeset"] is (env == "prod")
        assert config[env]["build"]["parameters"]["parallel"] is True


def samconfig_gaps(template: dict, text: str) -> set[str]:
    """Template parameters neither set in every environment's parameter_overrides nor named in
    samconfig.toml's comments (which tell operators what to keep there: a parameter left out reverts
    to its default on the next deploy)."""
    config = tomllib.loads(text)
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    set_everywhere = set.intersection(*(
        {kv.split("=", 1)[0] for kv in config[env]["deploy"]["parameters"]["parameter_overrides"].split()}
        for env in ("dev", "staging", "prod")))
    return {name for name in template["Parameters"]
            if name not in set_everywhere and not re.search(rf"\b{name}\b", comments)}


def test_samconfig_names_every_parameter_to_keep(template):
    assert samconfig_gaps(template, (ROOT / "samconfig.toml").read_text()) == set()


def test_samconfig_check_can_fail(template):
    text = (ROOT / "samconfig.toml").read_text().replace("ReferralOwnerId", "ReferralOwner")
    assert samconfig_gaps(template, text) == {"ReferralOwnerId"}
