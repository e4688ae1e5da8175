"""Record-level matching: does one OSV record affect one (ecosystem, name, version)?"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scanner_svc.ecosystems import normalize_name
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.matching.ranges import Hit, evaluate_affected, lowest_fix
from scanner_svc.versions import VersionScheme


@dataclass(frozen=True, slots=True)
class RecordMatch:
    """A record that affects the package; `fixed` is the lowest fix of the intervals that
    contain the version, across all of the record's entries for the package."""

    record: OsvRecord
    fixed: str | None


def match_record(
    record: OsvRecord,
    ecosystem: str,
    name: str,
    version: str,
    schemes: Mapping[str, VersionScheme],
) -> RecordMatch | None:
    """The match of `record` for a package `name` (already normalised for `ecosystem`) at
    `version`; None when it does not affect it. Withdrawn records never match."""
    if record.withdrawn is not None:
        return None

    hits: list[Hit] = []
    for affected in record.affected:
        package = affected.package
        if package is None or package.ecosystem != ecosystem:
            continue
        if normalize_name(ecosystem, package.name) != name:
            continue
        hit = evaluate_affected(affected, version, schemes)
        if hit is not None:
            hits.append(hit)

    if not hits:
        return None
    return RecordMatch(record, lowest_fix(hits).fixed)


def match_records(
    records: Iterable[OsvRecord],
    ecosystem: str,
    name: str,
    version: str,
    schemes: Mapping[str, VersionScheme],
) -> list[RecordMatch]:
    """Every record of `records` that affects the package, in the order given."""
    matches = (match_record(r, ecosystem, name, version, schemes) for r in records)
    return [m for m in matches if m is not None]
