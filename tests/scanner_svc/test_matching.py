"""Record-level matching against the expected inventory, and alias collapse."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from protos import sbom_pb2
from scanner_svc.ecosystems import normalize_name
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.matching.pypi import PypiMatcher
from scanner_svc.matching.ranges import ECOSYSTEM_RANGE
from scanner_svc.matching.records import match_records
from scanner_svc.versions import scheme_for
from tests.scanner_svc.support import python, read_tsv

MATCHED_ECOSYSTEMS = ("PyPI", "Debian:12")


def _inventory(shared: Path) -> list[tuple[str, str, str]]:
    rows = read_tsv(shared / "vulndata" / "expected" / "inventory.tsv")
    return [
        (r["ecosystem"], r["name"], r["version"])
        for r in rows
        if r["ecosystem"] in MATCHED_ECOSYSTEMS
    ]


def _expected_matches(shared: Path) -> dict[tuple[str, str, str], set[tuple[str, str | None]]]:
    expected: dict[tuple[str, str, str], set[tuple[str, str | None]]] = defaultdict(set)
    for row in read_tsv(shared / "vulndata" / "expected" / "matches.tsv"):
        key = (row["ecosystem"], row["name"], row["version"])
        expected[key].add((row["id"], row["fixed"] or None))
    return expected


def test_inventory_covers_both_matched_ecosystems(shared: Path) -> None:
    inventory = _inventory(shared)

    assert len(inventory) == 40
    assert {ecosystem for ecosystem, _, _ in inventory} == set(MATCHED_ECOSYSTEMS)


def test_every_inventory_row_matches_exactly_the_expected_records(
    shared: Path, feed_records: tuple[OsvRecord, ...]
) -> None:
    expected = _expected_matches(shared)
    mismatches = {}

    for ecosystem, name, version in _inventory(shared):
        scheme = scheme_for(ecosystem)
        assert scheme is not None
        matches = match_records(
            feed_records,
            ecosystem,
            normalize_name(ecosystem, name),
            version,
            {ECOSYSTEM_RANGE: scheme},
        )
        got = {(m.record.id, m.fixed) for m in matches}
        if got != expected.get((ecosystem, name, version), set()):
            mismatches[(ecosystem, name, version)] = got

    assert mismatches == {}


@pytest.mark.parametrize(
    ("name", "version", "ids"),
    [
        ("flask-caching", "1.10.1", set()),
        ("Flask_Caching", "1.10.1", set()),
        ("redis", "4.5.3", {"PYSEC-2023-46"}),
    ],
)
def test_withdrawn_records_never_match(
    feed_records: tuple[OsvRecord, ...], name: str, version: str, ids: set[str]
) -> None:
    scheme = scheme_for("PyPI")
    assert scheme is not None

    matches = match_records(
        feed_records, "PyPI", normalize_name("PyPI", name), version, {ECOSYSTEM_RANGE: scheme}
    )

    assert {m.record.id for m in matches} == ids


def test_collapse_rows_give_exactly_the_finding_listed(
    shared: Path, feed_records: tuple[OsvRecord, ...]
) -> None:
    matcher = PypiMatcher()
    rows = read_tsv(shared / "vulndata" / "expected" / "collapse.tsv")
    assert len(rows) == 5

    for row in rows:
        package = python(row["name"], row["version"], f"/site-packages/{row['name']}.dist-info")
        key = matcher.lookup_key(package, sbom_pb2.Distro())
        assert key is not None
        findings = matcher.match(package, key, feed_records)

        row_ids = {row["id"], *row["aliases"].split(",")}
        overlapping = [
            (f.id, ",".join(f.aliases), f.fixed_in or "")
            for f in findings
            if row_ids & {f.id, *f.aliases}
        ]
        assert overlapping == [(row["id"], row["aliases"], row["fixed"])], row
