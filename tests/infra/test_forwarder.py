"""forwarder.yaml (Partner Central's events from us-east-1 to the sync stack's region) and the
detail-types the docs promise, against the processor's own lists."""

from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT, alarm_suffixes, as_list, condition_holds, resources_of_type

TARGET_BUS = "arn:${AWS::Partition}:events:${TargetRegion}:${AWS::AccountId}:event-bus/default"
EVENTBRIDGE_RETRY = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}


def role_problems(forwarder: dict) -> list[str]:
    """The forwarding role: assumed by EventBridge only, allowed events:PutEvents on the target bus
    and nothing else."""
    problems = []
    (role_id,) = resources_of_type(forwarder, "AWS::IAM::Role")
    props = forwarder["Resources"][role_id]["Properties"]
    for st in as_list(props["AssumeRolePolicyDocument"]["Statement"]):
        if st.get("Principal") != {"Service": "events.amazonaws.com"} or st.get("Action") != "sts:AssumeRole":
            problems.append(f"{role_id}: trusts {json.dumps(st.get('Principal'))} for {st.get('Action')}")
    statements = [st for policy in props.get("Policies", []) for st in as_list(policy["PolicyDocument"]["Statement"])]
    if props.get("ManagedPolicyArns"):
        problems.append(f"{role_id}: managed policies {props['ManagedPolicyArns']}")
    for st in statements:
        if as_list(st["Action"]) != ["events:PutEvents"]:
            problems.append(f"{role_id}/{st.get('Sid')}: actions {st['Action']!r}")
        if as_list(st["Resource"]) != [{"Fn::Sub": TARGET_BUS}]:
            problems.append(f"{role_id}/{st.get('Sid')}: resources {json.dumps(st['Resource'])}")
    if not statements:
        problems.append(f"{role_id}: no permission to put events")
    return problems


def forward_rule(forwarder: dict) -> dict:
    (rule,) = resources_of_type(forwarder, "AWS::Events::Rule").values()
    return rule["Properties"]


def test_forwarder_matches_the_same_events_as_the_sync_stack(forwarder, template):
    props = forward_rule(forwarder)
    main = template["Resources"]["PartnerCentralEventsRule"]["Properties"]["EventPattern"]
    assert props["EventPattern"] == {
        "source": main["source"],
        "detail": {"catalog": [{"Ref": "Catalog"}]},
    }
    assert props.get("EventBusName", "default") == "default"
    assert forwarder["Parameters"]["Catalog"]["AllowedValues"] == template["Parameters"]["PartnerCentralCatalog"]["AllowedValues"]


def test_forwarder_targets_the_default_bus_of_the_target_region_with_its_role(forwarder):
    (target,) = forward_rule(forwarder)["Targets"]
    assert target["Arn"] == {"Fn::Sub": TARGET_BUS}
    (role_id,) = resources_of_type(forwarder, "AWS::IAM::Role")
    assert target["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert target["RetryPolicy"] == EVENTBRIDGE_RETRY
    (dlq_id,) = resources_of_type(forwarder, "AWS::SQS::Queue")
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq_id, "Arn"]}}
    assert not {"Input", "InputPath", "InputTransformer", "SqsParameters"} & set(target)


def test_forwarding_role_may_only_put_events_on_the_target_bus(forwarder):
    assert role_problems(forwarder) == []


def widen_the_role(forwarder):
    (role_id,) = resources_of_type(forwarder, "AWS::IAM::Role")
    st = forwarder["Resources"][role_id]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    st["Resource"] = "*"


def add_an_action(forwarder):
    (role_id,) = resources_of_type(forwarder, "AWS::IAM::Role")
    st = forwarder["Resources"][role_id]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    st["Action"] = ["events:PutEvents", "events:PutRule"]


@pytest.mark.parametrize("damage", [widen_the_role, add_an_action])
def test_role_check_can_fail(mutable_forwarder, damage):
    damage(mutable_forwarder)
    (problem,) = role_problems(mutable_forwarder)
    assert problem.startswith("ForwarderRole")


def test_forwarder_dlq_is_standard_encrypted_and_only_the_rule_may_write(forwarder):
    (dlq_id,) = resources_of_type(forwarder, "AWS::SQS::Queue")
    props = forwarder["Resources"][dlq_id]["Properties"]
    assert not props.get("FifoQueue", False)
    assert props["SqsManagedSseEnabled"] is True
    assert int(props["MessageRetentionPeriod"]) == 14 * 24 * 3600
    (policy,) = resources_of_type(forwarder, "AWS::SQS::QueuePolicy").values()
    (st,) = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    assert policy["Properties"]["Queues"] == [{"Ref": dlq_id}]
    assert (st["Principal"], st["Action"]) == ({"Service": "events.amazonaws.com"}, "sqs:SendMessage")
    (rule_id,) = resources_of_type(forwarder, "AWS::Events::Rule")
    assert st["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": [rule_id, "Arn"]}


def test_forwarder_alarm_exists_only_with_a_us_east_1_topic(forwarder):
    (alarm,) = alarm_suffixes(forwarder).values()
    assert condition_holds(forwarder, alarm["Condition"]) is False, "no topic by default, no alarm"
    topic = "arn:aws:sns:us-east-1:123456789012:ops-alarms"
    assert condition_holds(forwarder, alarm["Condition"], {"AlarmTopicArn": topic}) is True
    props = alarm["Properties"]
    assert props["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]
    (dlq_id,) = resources_of_type(forwarder, "AWS::SQS::Queue")
    assert props["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}]
    assert (props["MetricName"], props["ComparisonOperator"], props["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible", "GreaterThanThreshold", 0)
    # CloudWatch alarms notify a topic of their own region: the sync stack's topic is elsewhere.
    pattern = forwarder["Parameters"]["AlarmTopicArn"]["AllowedPattern"]
    assert re.fullmatch(pattern, "") and re.fullmatch(pattern, topic)
    assert not re.fullmatch(pattern, "arn:aws:sns:eu-west-1:123456789012:ops-alarms")


def test_forwarder_refuses_to_forward_to_us_east_1(forwarder):
    (assertion,) = forwarder["Rules"]["ForwardsToAnotherRegion"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "TargetRegion"}, "us-east-1"]}]}
    pattern = forwarder["Parameters"]["TargetRegion"]["AllowedPattern"]
    assert [r for r in ("eu-west-1", "ap-southeast-2", "us-gov-west-1") if not re.fullmatch(pattern, r)] == []
    assert [r for r in ("", "eu-west", "EU-WEST-1", "eu-west-1a") if re.fullmatch(pattern, r)] == []


# ---------------------------------------------------------------- detail-types: docs vs processor

def rust_list(source: str, name: str) -> list[str]:
    match = re.search(name + r": \[&str; \d+\] = \[(.*?)\];", source, flags=re.DOTALL)
    if not match:
        pytest.skip(f"crates/events does not define {name}")
    return re.findall(r'"([^"]+)"', match.group(1))


def documented_detail_types() -> dict[str, list[str]]:
    """The detail-type table of docs/architecture.md: `| <detail-type> | acted on / counted ... |`."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = {"acted on": [], "counted": []}
    for detail_type, what in re.findall(r"^\| `([A-Z][A-Za-z ]+)` \| (acted on|counted)", text, flags=re.MULTILINE):
        table[what].append(detail_type)
    return table


def test_documented_detail_types_are_the_processor_s():
    source_file = ROOT / "crates" / "events" / "src" / "eventbridge.rs"
    if not source_file.exists():
        pytest.skip(f"{source_file} does not exist")
    source = source_file.read_text(encoding="utf-8")
    documented = documented_detail_types()
    # Acted on: opportunity changes (a hint for the opportunity's deal), then engagement invitations
    # (AWS referrals: a look at the invitation in its own message group).
    acted_on = rust_list(source, "OPPORTUNITY_DETAIL_TYPES") + rust_list(source, "INVITATION_DETAIL_TYPES")
    assert documented["acted on"] == acted_on
    assert documented["counted"] == rust_list(source, "COUNTED_DETAIL_TYPES")
    # A detail-type is documented once.
    assert not set(documented["acted on"]) & set(documented["counted"])
