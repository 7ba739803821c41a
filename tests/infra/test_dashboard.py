"""dashboard.yaml: the body is valid JSON, every import is exported by template.yaml, and the
metric names match the EMF contract the Rust code emits."""

from __future__ import annotations

import json
import re

import pytest

RECEIPT_REASONS = [
    "method_not_allowed", "payload_too_large", "missing_signature", "invalid_signature",
    "stale_signature", "signature_version_not_accepted", "malformed_body", "malformed_request",
    "enqueue_failed",
]
SYNC_OUTCOMES = [
    "created", "updated", "unchanged", "blocked", "submitted", "submitting", "action_required", "rejected",
    "deferred", "skipped", "data_error", "transient_error", "not_found",
    "forwarded", "unlinked", "swept", "sweep_failed", "received", "accepting",
]
# ReferralOutcome's Outcome values (crates/processor/src/outcome.rs, Signals::referrals).
REFERRAL_OUTCOMES = ["received", "accepted", "rejected", "expired"]


@pytest.fixture(scope="module")
def body_and_variables(dashboard):
    template_text, variables = dashboard["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return template_text, variables


@pytest.fixture(scope="module")
def body(body_and_variables):
    text, _ = body_and_variables
    # Stand-in values for ${...} so the JSON can be parsed as CloudWatch will see it.
    return json.loads(re.sub(r"\$\{[^}]+\}", "x", text))


def metric_rows(body):
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            yield from widget["properties"]["metrics"]


def test_every_substitution_is_defined(body_and_variables, dashboard):
    text, variables = body_and_variables
    used = set(re.findall(r"\$\{([^}]+)\}", text))
    builtins = {"AWS::Region"} | set(dashboard["Parameters"])
    assert used - builtins == set(variables)


def test_imports_are_exports_of_the_main_template(body_and_variables, template):
    _, variables = body_and_variables
    exported = {
        out["Export"]["Name"]["Fn::Sub"] for out in template["Outputs"].values() if "Export" in out
    }
    for name, value in variables.items():
        imported = value["Fn::ImportValue"]["Fn::Sub"]
        assert imported.replace("${MainStackName}", "${AWS::StackName}") in exported, name


def test_emf_business_metrics_are_charted(body):
    rows = [row for row in metric_rows(body) if row[0] == "x"]  # the ${MetricsNamespace} rows
    names = {row[1] for row in rows}
    assert {"EventsReceived", "EventsEnqueued", "EventsIgnored", "RequestsRejected", "SyncOutcome",
            "PartnerCentralWrites", "MessagesMoved", "MessagesSkipped", "MessagesFailed", "MessagesRejected",
            "SweepRuns", "SweepHints", "UnlinkedOpportunities", "ReferralOutcome"} <= names
    reasons = [row[5] for row in rows if row[1] == "RequestsRejected"]
    outcomes = [row[5] for row in rows if row[1] == "SyncOutcome"]
    assert reasons == RECEIPT_REASONS
    assert outcomes == SYNC_OUTCOMES
    for row in rows:
        assert row[2] == "Function" and row[3] in ("receipt", "processor", "reprocess-dlq")


def test_rejected_events_are_charted_for_every_reason(body):
    # A SEARCH rather than one row per reason: the receipt's reasons are its own to add to.
    expressions = [row[0]["expression"] for row in metric_rows(body) if isinstance(row[0], dict)]
    (search,) = [e for e in expressions if "EventsRejected" in e]
    assert search.startswith("SEARCH('{x,Function,Reason} ")
    assert 'MetricName="EventsRejected"' in search and 'Function="receipt"' in search


def test_rejected_events_queue_depth_is_charted_next_to_the_dlq(body_and_variables, template):
    text, variables = body_and_variables
    exported = {
        out["Export"]["Name"]["Fn::Sub"]: out["Value"] for out in template["Outputs"].values() if "Export" in out
    }
    queue_of = {
        name: exported[value["Fn::ImportValue"]["Fn::Sub"].replace("${MainStackName}", "${AWS::StackName}")]
        for name, value in variables.items()
    }
    assert queue_of["DlqName"] == {"Fn::GetAtt": ["EventsDlq", "QueueName"]}
    assert queue_of["RejectedQueueName"] == {"Fn::GetAtt": ["RejectedEventsQueue", "QueueName"]}
    widgets = json.loads(re.sub(r"\$\{([^}]+)\}", r"\1", text))["widgets"]
    (depth,) = [w for w in widgets if w["type"] == "metric" and any(
        row[:4] == ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "DlqName"]
        for row in w["properties"]["metrics"])]
    queues = [row[3] for row in depth["properties"]["metrics"] if row[1] == "ApproximateNumberOfMessagesVisible"]
    assert queues == ["DlqName", "RejectedQueueName"]


def test_lambda_widgets_cover_every_function(body_and_variables):
    text, _ = body_and_variables
    for fn in ("ReceiptFn", "ProcessorFn", "ReprocessFn"):
        for metric in ("Invocations", "Errors", "Throttles"):
            assert f'"{metric}", "FunctionName", "${{{fn}}}"' in text, (fn, metric)
        for stat in ("p50", "p90", "p99"):
            assert f'"Duration", "FunctionName", "${{{fn}}}", {{"stat": "{stat}"' in text, (fn, stat)


def test_log_widgets_query_errors_and_one_correlation_id(body, dashboard):
    queries = [w["properties"]["query"] for w in body["widgets"] if w["type"] == "log"]
    errors, trail = queries
    assert "level" in errors and "ERROR" in errors and errors.count("SOURCE") == 3
    (variable,) = body["variables"]
    assert variable["pattern"] in trail


def test_sync_outcomes_are_the_ones_the_processor_emits():
    # The processor's Outcome::as_str, in its declaration order (crates/processor/src/outcome.rs).
    from conftest import ROOT

    source = ROOT / "crates" / "processor" / "src" / "outcome.rs"
    if not source.exists():
        pytest.skip(f"{source} does not exist")
    emitted = list(dict.fromkeys(re.findall(r'Outcome::\w+ => "([a-z_]+)"', source.read_text())))
    assert emitted == SYNC_OUTCOMES


def referral_rows(body) -> list[list]:
    return [row for row in metric_rows(body) if row[0] == "x" and row[1] == "ReferralOutcome"]


def test_referral_outcomes_are_charted_with_the_processor_s_dimensions(body):
    rows = referral_rows(body)
    assert [row[2:6] for row in rows] == [["Function", "processor", "Outcome", o] for o in REFERRAL_OUTCOMES]
    # One widget of its own, next to nothing else.
    (widget,) = [w for w in body["widgets"] if w["type"] == "metric"
                 and any(r[1:2] == ["ReferralOutcome"] for r in w["properties"]["metrics"])]
    assert all(r[1] == "ReferralOutcome" for r in widget["properties"]["metrics"])
    assert widget["properties"]["stat"] == "Sum"


def test_referral_outcomes_are_the_ones_the_processor_counts():
    from conftest import ROOT

    source = ROOT / "crates" / "processor" / "src" / "outcome.rs"
    text = source.read_text() if source.exists() else ""
    doc = re.search(r"/// AWS referrals by what happened: (.*)\n\s*pub referrals:", text)
    if not doc:
        pytest.skip("crates/processor/src/outcome.rs does not document Signals::referrals")
    assert re.findall(r"`([a-z_]+)`", doc.group(1)) == REFERRAL_OUTCOMES
    assert '("ReferralOutcome"' in text and '("Outcome", outcome' in text


def test_partner_central_events_are_charted_for_every_detail_type(body):
    # A SEARCH rather than one row per detail-type: the processor adds `other` for anything new.
    expressions = [row[0]["expression"] for row in metric_rows(body) if isinstance(row[0], dict)]
    (search,) = [e for e in expressions if "PartnerCentralEvents" in e]
    assert search.startswith("SEARCH('{x,DetailType,Function} ")
    assert 'MetricName="PartnerCentralEvents"' in search and 'Function="processor"' in search


def test_sweep_metrics_are_charted_with_the_dimensions_the_processor_emits(body):
    rows = [row for row in metric_rows(body) if row[0] == "x"]

    def dimensions(row):
        pairs = [v for v in row[2:] if isinstance(v, str)]
        return dict(zip(pairs[::2], pairs[1::2]))

    runs = [dimensions(row) for row in rows if row[1] == "SweepRuns"]
    assert runs == [{"Function": "processor", "Result": "completed"}, {"Function": "processor", "Result": "failed"}]
    for metric in ("SweepHints", "UnlinkedOpportunities"):
        (row,) = [row for row in rows if row[1] == metric]
        assert dimensions(row) == {"Function": "processor"}, metric


def imported_values(body_and_variables, template):
    """Dashboard variable -> the main template's exported value."""
    _, variables = body_and_variables
    exported = {
        out["Export"]["Name"]["Fn::Sub"]: out["Value"] for out in template["Outputs"].values() if "Export" in out
    }
    return {
        name: exported[value["Fn::ImportValue"]["Fn::Sub"].replace("${MainStackName}", "${AWS::StackName}")]
        for name, value in variables.items()
    }


def test_eventbridge_delivery_and_its_dlq_are_charted(body_and_variables, template):
    text, _ = body_and_variables
    values = imported_values(body_and_variables, template)
    assert values["PcEventsDlqName"] == {"Fn::GetAtt": ["PartnerCentralEventsDlq", "QueueName"]}
    assert values["PcEventsRule"] == {"Ref": "PartnerCentralEventsRule"}
    assert values["SweepRule"] == {"Ref": "ReconciliationSweepSchedule"}
    widgets = json.loads(re.sub(r"\$\{([^}]+)\}", r"\1", text))["widgets"]
    rows = [row for w in widgets if w["type"] == "metric" for row in w["properties"]["metrics"]]
    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "PcEventsDlqName"] in [r[:4] for r in rows]
    for rule in ("PcEventsRule", "SweepRule"):
        for metric in ("Invocations", "FailedInvocations"):
            assert ["AWS/Events", metric, "RuleName", rule] in [r[:4] for r in rows], (rule, metric)


def test_widgets_do_not_overlap(body):
    taken = set()
    for widget in body["widgets"]:
        cells = {(x, y) for x in range(widget["x"], widget["x"] + widget["width"])
                 for y in range(widget["y"], widget["y"] + widget["height"])}
        assert not cells & taken, widget.get("properties", {}).get("title")
        assert widget["x"] + widget["width"] <= 24
        taken |= cells
