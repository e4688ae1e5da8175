"""Alias collapse: records of one package occurrence that name the same issue become one.

Two records belong together when their ids and aliases overlap, directly or through a chain
(A aliases B, B aliases C). The finding keeps the record of the ecosystem's own database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from protos import sbom_pb2
from scanner_svc.findings import Finding
from scanner_svc.matching.records import RecordMatch
from scanner_svc.severity import Severity, severity_of


@dataclass(frozen=True, slots=True)
class CollapsedMatch:
    """One alias group: the kept record's match, every other id of the group (sorted), and
    the severity to report."""

    kept: RecordMatch
    aliases: tuple[str, ...]
    severity: Severity


def collapse(matches: Sequence[RecordMatch], own_prefix: str) -> list[CollapsedMatch]:
    """Group `matches` by overlapping ids; keep, per group, the smallest id starting with
    `own_prefix` (`PYSEC-`, `DEBIAN-CVE-`), else the smallest id of the group."""
    parent = list(range(len(matches)))

    def root(index: int) -> int:
        """The representative of the group holding `index` (halving paths as it goes)."""
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[str, int] = {}
    for index, match in enumerate(matches):
        for identifier in (match.record.id, *match.record.aliases):
            if identifier in owner:
                parent[root(index)] = root(owner[identifier])
            else:
                owner[identifier] = index

    groups: dict[int, list[RecordMatch]] = {}
    for index, match in enumerate(matches):
        groups.setdefault(root(index), []).append(match)
    return [_collapse_group(group, own_prefix) for group in groups.values()]


def _collapse_group(group: list[RecordMatch], own_prefix: str) -> CollapsedMatch:
    """The finding data of one alias group."""
    own = [m for m in group if m.record.id.startswith(own_prefix)]
    kept = min(own or group, key=lambda m: m.record.id)

    identifiers = {i for m in group for i in (m.record.id, *m.record.aliases)}
    identifiers.discard(kept.record.id)

    return CollapsedMatch(kept, tuple(sorted(identifiers)), _group_severity(kept, group))


def _group_severity(kept: RecordMatch, group: list[RecordMatch]) -> Severity:
    """The kept record's severity; when it scores none, the highest its duplicates score,
    since they describe the same issue."""
    severity = severity_of(kept.record.severity)
    if severity is not Severity.UNKNOWN:
        return severity
    return max((severity_of(m.record.severity) for m in group), key=lambda s: s.rank)


def finding_of(
    group: CollapsedMatch,
    package: sbom_pb2.Package,
    ecosystem: str,
    *,
    source_package: str = "",
    source_version: str = "",
    path: str = "",
) -> Finding:
    """The finding one collapsed group of records gives for one installed package."""
    return Finding(
        id=group.kept.record.id,
        aliases=group.aliases,
        severity=group.severity,
        type=package.type,
        package=package.name,
        version=package.version,
        source_package=source_package,
        source_version=source_version,
        fixed_in=group.kept.fixed,
        path=path,
        purl=package.purl,
        ecosystem=ecosystem,
        summary=group.kept.record.summary,
        architecture=package.architecture,
    )
