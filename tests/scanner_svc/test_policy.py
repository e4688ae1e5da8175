"""Policies: the built-in default, the vulnerabilities gate, and policy documents."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from scanner_svc.errors import PolicyError
from scanner_svc.findings import Finding
from scanner_svc.policy.default import DEFAULT_POLICY
from scanner_svc.policy.evaluation import evaluate_policy, validate_policy
from scanner_svc.policy.gates import PolicyInput
from scanner_svc.policy.model import Action, parse_policy
from scanner_svc.scanning import Scanner
from scanner_svc.severity import Severity
from tests.scanner_svc.conftest import Database
from tests.scanner_svc.support import FakeSbomProvider, sbom_from_groundtruth

FINDING = Finding(
    id="DEBIAN-CVE-2099-1",
    aliases=("CVE-2099-1",),
    severity=Severity.UNKNOWN,
    type="deb",
    package="libxml2",
    version="2.9.14+dfsg-1.3~deb12u1",
    source_package="libxml2",
    source_version="2.9.14+dfsg-1.3~deb12u1",
    fixed_in="2.9.14+dfsg-1.3~deb12u2",
    path="",
    purl="",
    ecosystem="Debian:12",
    summary="",
    architecture="amd64",
)


def _evaluate(*findings: Finding, policy: object = None) -> tuple[Action, list[tuple[str, str]]]:
    chosen = DEFAULT_POLICY if policy is None else parse_policy(policy)
    result = evaluate_policy(chosen, PolicyInput("sha256:x", findings))
    return result.final_action, [(t.rule_id, t.trigger_id) for t in result.triggers]


async def test_debian_python_stops_on_fixable_high_vulnerabilities(
    synced_db: Database, provider: FakeSbomProvider, shared: Path
) -> None:
    truth = shared / "images" / "ground-truth" / "debian-python" / "groundtruth.json"
    provider.sboms["sha256:dp"] = sbom_from_groundtruth(truth)
    scan = await Scanner(synced_db.sessions, provider).scan("sha256:dp")

    result = evaluate_policy(DEFAULT_POLICY, PolicyInput("sha256:dp", scan.findings))

    assert result.final_action is Action.STOP
    stops = [(t.trigger_id, t.message) for t in result.triggers if t.action is Action.STOP]
    assert stops == [
        (
            "PYSEC-2023-221+Werkzeug-1.0.1.dist-info",
            "high vulnerability PYSEC-2023-221 in python package Werkzeug 1.0.1 (fixed in 2.3.8)",
        ),
        (
            "PYSEC-2024-60+idna-2.10.dist-info",
            "high vulnerability PYSEC-2024-60 in python package idna 2.10 (fixed in 3.7)",
        ),
        (
            "PYSEC-2023-192+urllib3-1.26.4.dist-info",
            "high vulnerability PYSEC-2023-192 in python package urllib3 1.26.4 (fixed in 1.26.17)",
        ),
    ]
    assert len(result.triggers) == 143
    assert {t.gate for t in result.triggers} == {"vulnerabilities"}


def test_unknown_severities_with_fixes_warn() -> None:
    other = replace(FINDING, id="DEBIAN-CVE-2099-2", package="libxml2-utils")

    assert _evaluate(FINDING, other) == (
        Action.WARN,
        [
            ("default-fixable-other", "DEBIAN-CVE-2099-1+libxml2"),
            ("default-fixable-other", "DEBIAN-CVE-2099-2+libxml2-utils"),
        ],
    )


def test_no_findings_go_and_unfixable_ones_do_not_block() -> None:
    unfixable = replace(FINDING, severity=Severity.CRITICAL, fixed_in=None)

    assert _evaluate() == (Action.GO, [])
    assert _evaluate(unfixable) == (Action.GO, [])


def test_critical_with_fix_stops() -> None:
    critical = replace(FINDING, severity=Severity.CRITICAL)

    assert _evaluate(critical) == (
        Action.STOP,
        [("default-fixable-high", "DEBIAN-CVE-2099-1+libxml2")],
    )


def test_the_c22_rule_fires_only_for_the_fixable_high_finding(shared: Path) -> None:
    rule = json.loads((shared / "cases" / "C22" / "policy-rule.json").read_text())
    policy = {"id": "c22", "rule_sets": [{"id": "rs", "name": "c22", "rules": [rule]}]}
    perl = replace(FINDING, package="perl-base", source_package="perl")
    findings = [
        replace(FINDING, id="CVE-2099-2201", severity=Severity.HIGH, fixed_in=None),
        replace(FINDING, id="CVE-2099-2202", severity=Severity.HIGH),
        replace(perl, id="CVE-2099-2203", severity=Severity.HIGH, fixed_in=None),
        replace(perl, id="CVE-2099-2204", severity=Severity.MEDIUM),
    ]

    assert _evaluate(*findings, policy=policy) == (
        Action.STOP,
        [("stop-fixable-high", "CVE-2099-2202+libxml2")],
    )


@pytest.mark.parametrize(
    ("params", "action"),
    [
        ([{"name": "package_type", "value": "os"}], Action.WARN),
        ([{"name": "package_type", "value": "non-os"}], Action.GO),
        (
            [
                {"name": "severity_comparison", "value": "="},
                {"name": "severity", "value": "unknown"},
            ],
            Action.WARN,
        ),
        ([{"name": "severity", "value": "negligible"}], Action.GO),
        ([{"name": "fix_available", "value": "false"}], Action.GO),
    ],
)
def test_package_trigger_filters(params: list[dict[str, str]], action: Action) -> None:
    rule = {"id": "r", "gate": "vulnerabilities", "trigger": "package", "action": "WARN"}
    policy = {"id": "p", "rule_sets": [{"id": "rs", "rules": [{**rule, "params": params}]}]}

    assert _evaluate(FINDING, policy=policy)[0] is action


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"gate": "files", "trigger": "name_match"}, "gate 'files' is not supported yet"),
        ({"gate": "vulnerabilities", "trigger": "nope"}, "has no trigger 'nope'"),
        (
            {
                "gate": "vulnerabilities",
                "trigger": "package",
                "params": [{"name": "x", "value": "1"}],
            },
            "has no parameter 'x'",
        ),
        (
            {
                "gate": "vulnerabilities",
                "trigger": "package",
                "params": [{"name": "severity", "value": "huge"}],
            },
            "severity='huge' is not one of",
        ),
    ],
)
def test_unsupported_rules_are_refused(rule: dict[str, object], message: str) -> None:
    policy = parse_policy(
        {"id": "p", "rule_sets": [{"id": "rs", "rules": [{"id": "r", "action": "STOP", **rule}]}]}
    )

    with pytest.raises(PolicyError, match=message):
        validate_policy(policy)


def test_the_v2_example_document_is_refused_while_allowlists_are_not_evaluated(
    shared: Path,
) -> None:
    document = json.loads((shared / "policies" / "anchore-v2-example.json").read_text())

    with pytest.raises(PolicyError, match=r"allowlists, .*mappings"):
        parse_policy(document)


def test_the_rule_sets_of_the_v2_example_document_parse(shared: Path) -> None:
    document = json.loads((shared / "policies" / "anchore-v2-example.json").read_text())
    for key in ("allowlists", "mappings", "allowlisted_images", "denylisted_images"):
        document.pop(key, None)

    policy = parse_policy(document)

    assert [rs.id for rs in policy.rule_sets] == ["rs-security", "rs-compliance"]
    assert policy.rules[0].param_map == {
        "package_type": "all",
        "severity_comparison": ">=",
        "severity": "high",
        "fix_available": "true",
    }


def test_an_unknown_action_is_refused() -> None:
    rule = {"id": "r", "action": "PAUSE", "gate": "vulnerabilities", "trigger": "package"}

    with pytest.raises(PolicyError, match="action 'PAUSE' is not one of GO, WARN, STOP"):
        parse_policy({"id": "p", "rule_sets": [{"id": "rs", "rules": [rule]}]})
