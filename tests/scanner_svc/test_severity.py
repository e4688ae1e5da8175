"""Severity from CVSS vectors."""

from __future__ import annotations

import pytest

from scanner_svc.feeds.osv import OsvSeverity
from scanner_svc.severity import Severity, base_score, severity_of, severity_of_score

V3_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
V4_HIGH = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"
V2_CRITICAL = "AV:N/AC:L/Au:N/C:C/I:C/A:C"


def test_a_cvss31_vector_scoring_7_5_is_high() -> None:
    entries = [OsvSeverity("CVSS_V3", V3_HIGH)]

    assert (base_score(entries), severity_of(entries)) == (7.5, Severity.HIGH)


def test_no_vector_is_unknown() -> None:
    assert severity_of([]) is Severity.UNKNOWN


def test_v3_is_preferred_then_v4_then_v2() -> None:
    v2 = OsvSeverity("CVSS_V2", V2_CRITICAL)
    v4 = OsvSeverity("CVSS_V4", V4_HIGH)

    assert base_score([v2, v4, OsvSeverity("CVSS_V3", V3_HIGH)]) == 7.5
    assert base_score([v2, v4]) == 8.7
    assert base_score([v2]) == 10.0


def test_an_unreadable_vector_falls_back_to_the_next() -> None:
    entries = [OsvSeverity("CVSS_V3", "CVSS:3.1/AV:N"), OsvSeverity("CVSS_V2", V2_CRITICAL)]

    assert severity_of(entries) is Severity.CRITICAL


@pytest.mark.parametrize(
    ("score", "severity"),
    [
        (10.0, Severity.CRITICAL),
        (9.0, Severity.CRITICAL),
        (8.9, Severity.HIGH),
        (7.0, Severity.HIGH),
        (6.9, Severity.MEDIUM),
        (4.0, Severity.MEDIUM),
        (3.9, Severity.LOW),
        (0.1, Severity.LOW),
        (0.0, Severity.NEGLIGIBLE),
        (None, Severity.UNKNOWN),
    ],
)
def test_score_thresholds(score: float | None, severity: Severity) -> None:
    assert severity_of_score(score) is severity
