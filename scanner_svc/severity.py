"""Severity of an advisory, from the CVSS vectors of its `severity` entries.

Only a scored vector counts: a record without one is `unknown`, even if a database-specific
field names a severity word, because such words are not comparable across databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import cvss
from cvss.exceptions import CVSSError

from scanner_svc.feeds.osv import OsvSeverity


class Severity(StrEnum):
    """Severity levels, from least to most severe (the order policies compare them in)."""

    UNKNOWN = "unknown"
    NEGLIGIBLE = "negligible"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the order unknown < negligible < low < medium < high < critical."""
        return _ORDER.index(self)


_ORDER = list(Severity)

# Preferred scoring systems first: CVSS v3 is what most databases publish and compare on.
_SCORERS = ("CVSS_V3", "CVSS_V4", "CVSS_V2")


def base_score(entries: Iterable[OsvSeverity]) -> float | None:
    """The base score of the preferred valid vector (V3, then V4, then V2); None when none."""
    by_type: dict[str, list[str]] = {}
    for entry in entries:
        by_type.setdefault(entry.type, []).append(entry.score)

    for kind in _SCORERS:
        for vector in by_type.get(kind, []):
            score = _score(kind, vector)
            if score is not None:
                return score
    return None


def severity_of_score(score: float | None) -> Severity:
    """The level of a CVSS base score: 9.0+ critical, 7.0+ high, 4.0+ medium, 0.1+ low,
    0 negligible; no score is unknown."""
    if score is None:
        return Severity.UNKNOWN
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score >= 0.1:
        return Severity.LOW
    return Severity.NEGLIGIBLE


def severity_of(entries: Iterable[OsvSeverity]) -> Severity:
    """The severity level of a record's `severity` entries."""
    return severity_of_score(base_score(entries))


def _score(kind: str, vector: str) -> float | None:
    """The base score of one vector; None for a vector the cvss library rejects."""
    try:
        if kind == "CVSS_V3":
            return float(cvss.CVSS3(vector).scores()[0])
        if kind == "CVSS_V4":
            return float(cvss.CVSS4(vector).base_score)
        return float(cvss.CVSS2(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
