"""Scanning the test images against the stored feed, and reusing stored findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from protos import sbom_pb2
from scanner_svc.errors import FeedsNotSynced
from scanner_svc.feeds.store import sync_feeds
from scanner_svc.scanning import Scanner
from scanner_svc.severity import Severity
from tests.scanner_svc.conftest import Database
from tests.scanner_svc.support import (
    FakeSbomProvider,
    debian_distro,
    expected_rows,
    finding_rows,
    osv_record,
    python,
    sbom_from_groundtruth,
    write_records,
)

DIGEST = "sha256:" + "1" * 64


@pytest.mark.parametrize(("image", "count"), [("debian-python", 143), ("debian-base", 27)])
async def test_image_findings_equal_the_expected_file(
    synced_db: Database, provider: FakeSbomProvider, shared: Path, image: str, count: int
) -> None:
    provider.sboms[DIGEST] = sbom_from_groundtruth(
        shared / "images" / "ground-truth" / image / "groundtruth.json"
    )

    result = await Scanner(synced_db.sessions, provider).scan(DIGEST)

    expected = expected_rows(shared / "vulndata" / "expected" / "images" / f"{image}.findings.tsv")
    assert len(expected) == count
    assert finding_rows(result.findings) == expected


async def test_findings_carry_severity_and_source_details(
    synced_db: Database, provider: FakeSbomProvider, shared: Path
) -> None:
    provider.sboms[DIGEST] = sbom_from_groundtruth(
        shared / "images" / "ground-truth" / "debian-python" / "groundtruth.json"
    )

    result = await Scanner(synced_db.sessions, provider).scan(DIGEST)

    werkzeug = next(f for f in result.findings if f.id == "PYSEC-2023-221")
    assert (werkzeug.severity, werkzeug.ecosystem, werkzeug.fixed_in) == (
        Severity.HIGH,
        "PyPI",
        "2.3.8",
    )
    minimal = next(f for f in result.findings if f.package == "python3.11-minimal")
    assert (minimal.ecosystem, minimal.source_version, minimal.severity) == (
        "Debian:12",
        "3.11.2-6+deb12u8",
        Severity.UNKNOWN,
    )
    assert not [f for f in result.findings if f.type == "python" and f.package == "six"]


async def test_stored_findings_are_reused_until_the_next_sync(
    empty_db: Database, provider: FakeSbomProvider, shared: Path, tmp_path: Path
) -> None:
    await sync_feeds(empty_db.sessions, shared / "cases" / "C18" / "osv")
    jinja2 = python("Jinja2", "2.11.2", "/usr/lib/python3/site-packages/Jinja2-2.11.2.dist-info")
    provider.sboms[DIGEST] = sbom_pb2.Sbom(distro=debian_distro(), packages=[jinja2])
    scanner = Scanner(empty_db.sessions, provider)

    first = await scanner.scan(DIGEST)
    again = await scanner.scan(DIGEST)
    jinja = [("PYSEC-2099-11", "3.1.3")]
    await sync_feeds(
        empty_db.sessions,
        write_records(
            tmp_path / "feed",
            [osv_record("PYSEC-2099-11", "PyPI", "jinja2", [{"introduced": "0"}, {"fixed": "9"}])],
        ),
    )
    after_sync = await scanner.scan(DIGEST)

    assert (first.reused, again.reused, after_sync.reused) == (False, True, False)
    assert again.findings == first.findings
    assert [(f.id, f.fixed_in) for f in first.findings] == jinja
    assert [(f.id, f.fixed_in) for f in after_sync.findings] == [("PYSEC-2099-11", "9")]
    assert after_sync.generation == first.generation + 1


async def test_a_changed_sbom_is_scanned_again(
    synced_db: Database, provider: FakeSbomProvider, shared: Path
) -> None:
    truth = shared / "images" / "ground-truth" / "debian-python" / "groundtruth.json"
    provider.sboms[DIGEST] = sbom_from_groundtruth(truth)
    scanner = Scanner(synced_db.sessions, provider)
    await scanner.scan(DIGEST)

    reanalyzed = sbom_from_groundtruth(truth)
    del reanalyzed.packages[:]
    provider.sboms[DIGEST] = reanalyzed
    result = await scanner.scan(DIGEST)

    assert (result.reused, result.findings) == (False, ())


async def test_scanning_before_any_sync_says_what_to_do(
    empty_db: Database, provider: FakeSbomProvider, shared: Path
) -> None:
    provider.sboms[DIGEST] = sbom_from_groundtruth(
        shared / "images" / "ground-truth" / "debian-base" / "groundtruth.json"
    )

    with pytest.raises(FeedsNotSynced, match="run a feed sync first"):
        await Scanner(empty_db.sessions, provider).scan(DIGEST)
