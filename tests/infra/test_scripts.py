"""The operator scripts, run for real: the webhook signature against Python's HMAC and a local HTTP
server, the reprocess payload against a stub `aws` command on PATH."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from conftest import ROOT

SCRIPTS = ROOT / "scripts"
needs = {tool: pytest.mark.skipif(shutil.which(tool) is None, reason=f"{tool} is not installed") for tool in ("openssl", "curl", "jq")}


def run(args, env=None, check=True):
    return subprocess.run(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60, check=check
    )


def expected_signature(secret: str, url: str, body: bytes, timestamp: str) -> str:
    message = b"POST" + url.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


@pytest.mark.parametrize("script", ["deploy.sh", "send-test-webhook.sh", "reprocess-dlq.sh"])
def test_scripts_have_help(script):
    result = run([SCRIPTS / script, "--help"])
    assert result.stdout.startswith("Usage: scripts/" + script)


@needs["openssl"]
@needs["curl"]
def test_send_test_webhook_signs_the_exact_bytes_it_sends(tmp_path):
    received = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            received["headers"] = dict(self.headers)
            received["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(202)
            self.end_headers()
            self.wfile.write(b'{"enqueued":1}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/dev/webhook/hubspot?x=1"
    body_file = tmp_path / "events.json"
    body_file.write_bytes(b'[{"eventId":1,"objectId":7,"subscriptionType":"deal.creation"}]\n')
    try:
        result = run(
            [SCRIPTS / "send-test-webhook.sh", "--url", url, "--body-file", body_file, "--timestamp", "1700000000000"],
            env={"HUBSPOT_CLIENT_SECRET": "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"},
        )
    finally:
        thread.join(5)
        server.server_close()
    assert result.stdout.startswith("HTTP 202")
    headers = received["headers"]
    assert received["body"] == body_file.read_bytes()
    assert headers["X-HubSpot-Signature-Version"] == "v3"
    assert headers["X-HubSpot-Request-Timestamp"] == "1700000000000"
    assert headers["X-HubSpot-Signature-v3"] == expected_signature(
        "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", url, body_file.read_bytes(), "1700000000000"
    )


@needs["openssl"]
def test_send_test_webhook_default_body_is_a_hubspot_event_array():
    result = run([SCRIPTS / "send-test-webhook.sh", "--url", "https://h.example/x", "--secret", "s", "--dry-run"])
    lines = result.stdout.splitlines()
    body = json.loads(lines[-1])
    assert body[0]["subscriptionType"] == "deal.propertyChange" and isinstance(body[0]["objectId"], int)
    signature = next(line.split(": ", 1)[1] for line in lines if line.startswith("X-HubSpot-Signature-v3"))
    timestamp = next(line.split(": ", 1)[1] for line in lines if line.startswith("X-HubSpot-Request-Timestamp"))
    assert signature == expected_signature("s", "https://h.example/x", lines[-1].encode(), timestamp)


def test_send_test_webhook_requires_a_secret():
    result = run([SCRIPTS / "send-test-webhook.sh", "--url", "https://h.example/x"], env={"HUBSPOT_CLIENT_SECRET": ""}, check=False)
    assert result.returncode == 2 and "secret" in result.stderr


@pytest.fixture()
def fake_aws(tmp_path):
    """An `aws` on PATH that answers describe-stacks and records the lambda invoke payload."""
    log = tmp_path / "invoke.json"
    stub = tmp_path / "aws"
    stub.write_text(f"""#!/usr/bin/env bash
set -euo pipefail
if [ "$1" = cloudformation ]; then echo hubspot-pc-sync-dev-reprocess-dlq; exit 0; fi
payload=""; out=""
while [ $# -gt 0 ]; do
  case "$1" in --payload) payload="$2"; shift 2 ;; --function-name) echo "$2" > {tmp_path}/fn; shift 2 ;; *) out="$1"; shift ;; esac
done
printf '%s' "$payload" > {log}
echo '{{"moved":0,"skipped":0,"failed":0,"dryRun":true}}' > "$out"
echo '{{"StatusCode":200}}'
""")
    stub.chmod(0o755)
    return tmp_path, log


@needs["jq"]
def test_reprocess_dlq_builds_the_payload_the_lambda_expects(fake_aws):
    bindir, log = fake_aws
    result = run(
        [SCRIPTS / "reprocess-dlq.sh", "dev", "--dry-run", "--max", "25", "--filter-event-type", "deal.propertyChange",
         "--filter-object-type", "deal", "--filter-object-id", "123", "--filter-portal-id", "62515"],
        env={"PATH": f"{bindir}:{os.environ['PATH']}"},
    )
    assert json.loads(log.read_text()) == {
        "dryRun": True, "maxMessages": 25,
        "filter": {"eventType": "deal.propertyChange", "objectType": "deal", "objectId": "123", "portalId": 62515},
    }
    assert (bindir / "fn").read_text().strip() == "hubspot-pc-sync-dev-reprocess-dlq"
    assert json.loads(result.stdout)["dryRun"] is True


@needs["jq"]
def test_reprocess_dlq_sends_only_what_was_asked(fake_aws):
    bindir, log = fake_aws
    run([SCRIPTS / "reprocess-dlq.sh", "staging"], env={"PATH": f"{bindir}:{os.environ['PATH']}"})
    assert json.loads(log.read_text()) == {"dryRun": False, "filter": {}}


def test_reprocess_dlq_rejects_bad_numbers():
    result = run([SCRIPTS / "reprocess-dlq.sh", "dev", "--max", "0"], check=False)
    assert result.returncode == 2 and "--max" in result.stderr


def test_deploy_merges_extra_parameters_with_samconfig(tmp_path):
    calls = tmp_path / "calls"
    for tool in ("sam", "aws"):
        stub = tmp_path / tool
        stub.write_text(f'#!/usr/bin/env bash\necho "{tool} $*" >> {calls}\n')
        stub.chmod(0o755)
    run([SCRIPTS / "deploy.sh", "dev", "--skip-build", "--param", "AlarmEmail=ops@example.com"],
        env={"PATH": f"{tmp_path}:{os.environ['PATH']}"})
    lines = calls.read_text().splitlines()
    deploy = next(line for line in lines if line.startswith("sam deploy"))
    assert deploy.split("--parameter-overrides ", 1)[1].split() == [
        "Environment=dev", "PartnerCentralCatalog=Sandbox", "LogRetentionDays=14", "MaxReceiveCount=5",
        "AlarmEmail=ops@example.com",
    ]
    assert any("--stack-name hubspot-pc-sync-dev-dashboard" in line for line in lines)


def test_deploy_refuses_the_old_single_secret_parameter(tmp_path):
    for tool in ("sam", "aws"):
        stub = tmp_path / tool
        stub.write_text(f'#!/usr/bin/env bash\necho "{tool} $*" >> {tmp_path / "calls"}\n')
        stub.chmod(0o755)
    result = run([SCRIPTS / "deploy.sh", "dev", "--skip-build", "--param",
                  "ExistingSecretArn=arn:aws:secretsmanager:us-east-1:123456789012:secret:hubspot-AbCdEf"],
                 env={"PATH": f"{tmp_path}:{os.environ['PATH']}"}, check=False)
    assert result.returncode == 2 and "docs/deploy.md#upgrading-from-one-secret" in result.stderr
    assert not (tmp_path / "calls").exists(), "nothing may be validated or deployed"


@pytest.fixture()
def fake_deploy_tools(tmp_path):
    """`sam` and `aws` stubs on PATH that only record their arguments, one call per line."""
    calls = tmp_path / "calls"
    for tool in ("sam", "aws"):
        stub = tmp_path / tool
        stub.write_text(f'#!/usr/bin/env bash\necho "{tool} $*" >> {calls}\n')
        stub.chmod(0o755)

    def deploy(*args, check=True):
        result = run([SCRIPTS / "deploy.sh", *args], env={"PATH": f"{tmp_path}:{os.environ['PATH']}"}, check=check)
        lines = calls.read_text().splitlines() if calls.exists() else []
        return result, lines

    return deploy


def forwarder_calls(lines):
    return [line for line in lines if "--template-file forwarder.yaml" in line]


def test_deploy_in_us_east_1_needs_no_forwarder(fake_deploy_tools):
    result, lines = fake_deploy_tools("dev", "--skip-build")
    assert forwarder_calls(lines) == []
    assert "== forwarder: none: the stack is in us-east-1" in result.stdout


def test_deploy_elsewhere_forwards_partner_central_events_from_us_east_1(fake_deploy_tools):
    topic = "arn:aws:sns:us-east-1:123456789012:ops-alarms"
    # (staging: prod refuses a dirty work tree, and a test run may have one.)
    result, lines = fake_deploy_tools("staging", "--skip-build", "--region", "eu-west-1", "--forwarder-alarm-topic", topic)
    deploy = next(i for i, line in enumerate(lines) if line.startswith("sam deploy"))
    assert "--region eu-west-1" in lines[deploy]
    (forwarder,) = forwarder_calls(lines)
    assert lines.index(forwarder) > deploy, "the forwarder follows the main stack"
    assert "--region us-east-1 --stack-name hubspot-pc-sync-staging-pc-forwarder" in forwarder
    assert "--capabilities CAPABILITY_IAM" in forwarder
    overrides = forwarder.split("--parameter-overrides ", 1)[1].split(" --", 1)[0].split()
    # staging's samconfig sets PartnerCentralCatalog=Sandbox.
    assert overrides == ["TargetRegion=eu-west-1", "Catalog=Sandbox", f"AlarmTopicArn={topic}"]
    dashboard = next(line for line in lines if "--stack-name hubspot-pc-sync-staging-dashboard" in line)
    assert "--region eu-west-1" in dashboard
    assert ("hubspot-pc-sync-staging-pc-forwarder in us-east-1 forwards the Sandbox catalog's events to the "
            "default bus of eu-west-1") in result.stdout


def test_forwarder_follows_a_catalog_given_on_the_command_line(fake_deploy_tools):
    _, lines = fake_deploy_tools("dev", "--skip-build", "--region", "eu-central-1", "--param", "PartnerCentralCatalog=AWS")
    (forwarder,) = forwarder_calls(lines)
    assert forwarder.split("--parameter-overrides ", 1)[1].split(" --", 1)[0].split() == [
        "TargetRegion=eu-central-1", "Catalog=AWS"]


def test_no_forwarder_skips_it_and_says_so(fake_deploy_tools):
    result, lines = fake_deploy_tools("dev", "--skip-build", "--region", "eu-west-1", "--no-forwarder")
    assert forwarder_calls(lines) == []
    assert "not deployed (--no-forwarder)" in result.stdout


def test_forwarder_alarm_topic_must_be_in_us_east_1(fake_deploy_tools):
    result, lines = fake_deploy_tools("dev", "--skip-build", "--region", "eu-west-1", "--forwarder-alarm-topic",
                                      "arn:aws:sns:eu-west-1:123456789012:ops-alarms", check=False)
    assert result.returncode == 2 and "us-east-1" in result.stderr
    assert lines == [], "nothing may be validated or deployed"
    result, lines = fake_deploy_tools("dev", "--skip-build", "--forwarder-alarm-topic",
                                      "arn:aws:sns:us-east-1:123456789012:ops-alarms", check=False)
    assert result.returncode == 2 and "no forwarder is needed" in result.stderr
    assert lines == []


def test_deploy_dry_run_prints_every_command_and_runs_none(fake_deploy_tools):
    result, lines = fake_deploy_tools("staging", "--dry-run", "--region", "ap-southeast-2")
    assert lines == [], "a dry run calls neither sam nor aws"
    printed = [line for line in result.stdout.splitlines() if line.startswith("+ ")]
    assert [line.split()[1:3] for line in printed] == [
        ["sam", "validate"], ["env", "-u"], ["sam", "deploy"], ["aws", "cloudformation"], ["aws", "cloudformation"],
        ["aws", "cloudformation"],
    ]
    assert any("forwarder.yaml" in line and "TargetRegion=ap-southeast-2" in line for line in printed)


def test_deploy_rejects_a_malformed_region(fake_deploy_tools):
    result, lines = fake_deploy_tools("dev", "--region", "Europe", check=False)
    assert result.returncode == 2 and "--region" in result.stderr and lines == []
