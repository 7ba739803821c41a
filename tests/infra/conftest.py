"""Shared loaders for the infrastructure tests: templates as cfn-lint decodes them, plus helpers."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[2]


def load_template(name: str) -> dict:
    """Decodes a template the way cfn-lint does (understands !Ref, !Sub, !GetAtt, ...)."""
    template, matches = decode(str(ROOT / name))
    assert template is not None, f"{name} does not parse: {matches}"
    return template


@pytest.fixture(scope="session")
def template() -> dict:
    return load_template("template.yaml")


@pytest.fixture()
def mutable_template(template: dict) -> dict:
    """A deep copy that a test may damage to prove a check can fail."""
    return copy.deepcopy(template)


@pytest.fixture(scope="session")
def dashboard() -> dict:
    return load_template("dashboard.yaml")


@pytest.fixture(scope="session")
def forwarder() -> dict:
    return load_template("forwarder.yaml")


@pytest.fixture()
def mutable_forwarder(forwarder: dict) -> dict:
    return copy.deepcopy(forwarder)


@pytest.fixture(scope="session")
def runbook() -> str:
    return (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")


def resources_of_type(template: dict, kind: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def function_properties(template: dict, logical_id: str) -> dict:
    """A SAM function's properties with Globals.Function merged in, as SAM would."""
    merged = dict(template.get("Globals", {}).get("Function", {}))
    merged.update(template["Resources"][logical_id].get("Properties", {}))
    return merged


def alarm_suffix(alarm: dict) -> str:
    """`${AWS::StackName}-DlqMessagesWarning` -> `DlqMessagesWarning`."""
    name = alarm["Properties"].get("AlarmName")
    sub = name.get("Fn::Sub") if isinstance(name, dict) else None
    assert isinstance(sub, str), f"AlarmName must be !Sub '${{AWS::StackName}}-Suffix', got {name!r}"
    match = re.fullmatch(r"\$\{AWS::StackName\}-([A-Za-z0-9]+)", sub)
    assert match, f"AlarmName must be '${{AWS::StackName}}-<Suffix>', got {sub!r}"
    return match.group(1)


def alarm_suffixes(template: dict) -> dict[str, dict]:
    return {alarm_suffix(a): a for a in resources_of_type(template, "AWS::CloudWatch::Alarm").values()}


def runbook_headings(text: str) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)}


def branches(value):
    """Every concrete value an Fn::If may produce (both branches), NoValue dropped."""
    if isinstance(value, dict) and "Fn::If" in value:
        for branch in value["Fn::If"][1:]:
            yield from branches(branch)
    elif value == {"Ref": "AWS::NoValue"}:
        return
    else:
        yield value


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def condition_holds(template: dict, name: str, parameters: dict[str, str] | None = None) -> bool:
    """Evaluates a template condition for the given parameter values (defaults for the rest), as
    CloudFormation does: every parameter value is a string."""
    values = {k: str(v.get("Default", "")) for k, v in template["Parameters"].items()}
    values.update(parameters or {})

    def value(node):
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return values[node["Ref"]]
        assert isinstance(node, (str, int)), f"cannot evaluate {node!r}"
        return str(node)

    def holds(node) -> bool:
        (function, args), = node.items()
        if function == "Condition":
            return holds(template["Conditions"][args])
        if function == "Fn::Equals":
            return value(args[0]) == value(args[1])
        if function == "Fn::Not":
            return not holds(args[0])
        if function == "Fn::And":
            return all(holds(a) for a in args)
        if function == "Fn::Or":
            return any(holds(a) for a in args)
        raise AssertionError(f"unsupported condition function {function}")

    return holds(template["Conditions"][name])
