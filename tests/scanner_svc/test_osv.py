"""Parsing OSV records into the typed model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner_svc.errors import InvalidOsvRecord
from scanner_svc.feeds.osv import OsvEvent, OsvPackage, OsvSeverity, looks_like_osv, parse_record


def test_a_real_record_is_parsed(shared: Path) -> None:
    path = shared / "vulndata" / "osv" / "PyPI" / "PYSEC-2023-221.json"

    record = parse_record(json.loads(path.read_text()))

    assert (record.id, record.aliases, record.withdrawn) == (
        "PYSEC-2023-221",
        ("CVE-2023-46136", "GHSA-hrfv-mqp8-q5rw"),
        None,
    )
    assert record.ecosystems == {"PyPI"}
    assert record.severity == (
        OsvSeverity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
    )
    affected = record.affected[0]
    assert affected.package == OsvPackage("PyPI", "werkzeug", "pkg:pypi/werkzeug")
    assert [r.type for r in affected.ranges] == ["GIT", "ECOSYSTEM"]
    assert affected.ranges[1].events[:2] == (
        OsvEvent("introduced", "0"),
        OsvEvent("fixed", "2.3.8"),
    )
    assert record.raw["id"] == "PYSEC-2023-221"


@pytest.mark.parametrize(
    ("document", "is_osv"),
    [
        ({"id": "X-1", "modified": "2024-01-01T00:00:00Z"}, True),
        ({"id": "X-1", "affected": []}, True),
        ({"id": "X-1"}, False),
        ({"id": 1, "modified": "2024-01-01T00:00:00Z"}, False),
        (["X-1"], False),
    ],
)
def test_what_counts_as_an_osv_record(document: object, is_osv: bool) -> None:
    assert looks_like_osv(document) is is_osv


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"id": "X-1", "affected": [{"package": {"name": "a"}}]}, "lacks ecosystem or name"),
        ({"id": "X-1", "affected": [{"ranges": [{"events": []}]}]}, "no string `type`"),
        (
            {"id": "X-1", "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{}]}]}]},
            "one string version",
        ),
        ({"id": "X-1", "modified": "t", "aliases": "CVE-1"}, "not a list of strings"),
        ({"id": "X-1", "modified": "t", "severity": [{"type": "CVSS_V3"}]}, "needs string"),
    ],
)
def test_malformed_records_are_refused(document: object, message: str) -> None:
    with pytest.raises(InvalidOsvRecord, match=message):
        parse_record(document)
