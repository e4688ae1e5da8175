"""Matching packages against OSV records: range evaluation, alias collapse, one matcher per
ecosystem."""

from __future__ import annotations

from scanner_svc.matching.debian import DebianMatcher
from scanner_svc.matching.interface import LookupKey, Matcher
from scanner_svc.matching.pypi import PypiMatcher

__all__ = ["MATCHERS", "LookupKey", "Matcher", "matcher_for"]

MATCHERS: dict[str, Matcher] = {m.package_type: m for m in (DebianMatcher(), PypiMatcher())}


def matcher_for(package_type: str) -> Matcher | None:
    """The matcher of an SBOM package type; None for types not matched yet."""
    return MATCHERS.get(package_type)
