"""Feed syncs: what is taken, what is skipped, and that a failed sync changes nothing."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scanner_svc.errors import FeedError, FeedPathNotFound
from scanner_svc.feeds import store
from scanner_svc.feeds.store import latest_sync, sync_feeds
from scanner_svc.tables import Advisory, AffectedPackage
from tests.scanner_svc.conftest import Database
from tests.scanner_svc.support import osv_record, write_records

FEED_COUNTS = {"Debian:12": 72, "Go": 4291, "Maven": 3, "PyPI": 2661, "npm": 12}


async def _advisory_ids(db: Database) -> list[str]:
    async with db.sessions() as session:
        return list(await session.scalars(select(Advisory.id).order_by(Advisory.id)))


def _small_feed(directory: Path) -> Path:
    return write_records(
        directory,
        [
            osv_record("PYSEC-2099-1", "PyPI", "Foo_Bar.baz", [{"introduced": "0"}]),
            osv_record("DEBIAN-CVE-2099-2", "Debian:12", "openssl", [{"introduced": "0"}]),
        ],
    )


async def test_sync_of_the_shared_feed_counts_every_ecosystem(
    empty_db: Database, shared: Path
) -> None:
    result = await sync_feeds(empty_db.sessions, shared / "vulndata" / "osv")

    assert result.counts == FEED_COUNTS
    assert (result.records, result.withdrawn, result.skipped) == (7039, 27, ())
    async with empty_db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Advisory)) == 7039
        withdrawn = select(func.count()).where(Advisory.withdrawn.is_(True))
        assert await session.scalar(withdrawn) == 27
        stored = await session.get(Advisory, "PYSEC-2021-13")
        assert stored is not None and stored.withdrawn and stored.raw["id"] == "PYSEC-2021-13"
        werkzeug = await session.get(Advisory, "PYSEC-2023-221")
        assert werkzeug is not None and (werkzeug.severity, werkzeug.cvss_score) == ("high", 7.5)
        feed = await latest_sync(session)
        assert feed is not None and (feed.id, feed.records, feed.counts) == (
            result.generation,
            7039,
            FEED_COUNTS,
        )


async def test_index_holds_normalised_names(empty_db: Database, tmp_path: Path) -> None:
    await sync_feeds(empty_db.sessions, _small_feed(tmp_path / "feed"))

    async with empty_db.sessions() as session:
        rows = await session.execute(
            select(AffectedPackage.ecosystem, AffectedPackage.name, AffectedPackage.advisory_id)
        )
        assert sorted(tuple(row) for row in rows) == [
            ("Debian:12", "openssl", "DEBIAN-CVE-2099-2"),
            ("PyPI", "foo-bar-baz", "PYSEC-2099-1"),
        ]


async def test_files_that_are_not_osv_records_are_skipped_and_named(
    empty_db: Database, tmp_path: Path
) -> None:
    feed = _small_feed(tmp_path / "feed")
    (feed / "README.md").write_text("# not JSON\n")
    (feed / "nested").mkdir()
    (feed / "nested" / "config.json").write_text(json.dumps({"name": "not an advisory"}))
    (feed / "nested" / "broken.json").write_text('{"id": "X-1", "affected": [1]}')

    result = await sync_feeds(empty_db.sessions, feed)

    assert (result.records, result.counts) == (2, {"Debian:12": 1, "PyPI": 1})
    assert [(s.name, s.reason) for s in result.skipped] == [
        ("README.md", "not JSON"),
        ("nested/broken.json", "malformed OSV record: X-1: affected[] is not an object"),
        ("nested/config.json", "JSON but not an OSV record"),
    ]


async def test_a_zip_archive_is_a_feed(empty_db: Database, shared: Path, tmp_path: Path) -> None:
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for ecosystem in ("Debian", "Maven"):
            for path in sorted((shared / "vulndata" / "osv" / ecosystem).iterdir()):
                out.write(path, f"osv/{ecosystem}/{path.name}")
        out.writestr("osv/NOTES.txt", "not a record")

    result = await sync_feeds(empty_db.sessions, archive)

    assert result.counts == {"Debian:12": 72, "Maven": 3}
    assert [s.name for s in result.skipped] == ["osv/NOTES.txt"]
    assert len(await _advisory_ids(empty_db)) == 75


async def test_a_sync_merges_its_records_into_the_feed(empty_db: Database, tmp_path: Path) -> None:
    first = await sync_feeds(empty_db.sessions, _small_feed(tmp_path / "first"))
    other = write_records(
        tmp_path / "second", [osv_record("PYSEC-2099-9", "PyPI", "other", [{"introduced": "0"}])]
    )

    second = await sync_feeds(empty_db.sessions, other)

    assert second.generation == first.generation + 1
    assert await _advisory_ids(empty_db) == ["DEBIAN-CVE-2099-2", "PYSEC-2099-1", "PYSEC-2099-9"]


async def test_a_record_delivered_again_replaces_the_stored_one(
    empty_db: Database, tmp_path: Path
) -> None:
    await sync_feeds(empty_db.sessions, _small_feed(tmp_path / "first"))
    withdrawn = osv_record("PYSEC-2099-1", "PyPI", "Foo_Bar.baz", [{"introduced": "0"}])
    withdrawn["withdrawn"] = "2099-01-01T00:00:00Z"

    result = await sync_feeds(empty_db.sessions, write_records(tmp_path / "again", [withdrawn]))

    assert result.withdrawn == 1
    async with empty_db.sessions() as session:
        advisory = await session.get(Advisory, "PYSEC-2099-1")
    assert advisory is not None and advisory.withdrawn is True


async def test_per_ecosystem_syncs_build_up_the_whole_feed(
    empty_db: Database, shared: Path
) -> None:
    for ecosystem in ("Debian", "PyPI", "Go", "npm", "Maven"):
        await sync_feeds(empty_db.sessions, shared / "vulndata" / "osv" / ecosystem)

    assert len(await _advisory_ids(empty_db)) == sum(FEED_COUNTS.values())


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("missing", FeedPathNotFound, "does not exist"),
        ("not-a-zip.zip", FeedError, "neither a directory nor a zip archive"),
        ("no-records", FeedError, "holds no OSV record (1 files skipped)"),
    ],
)
async def test_a_bad_path_fails_clearly_and_keeps_the_feed(
    empty_db: Database, tmp_path: Path, name: str, error: type[FeedError], message: str
) -> None:
    before = await sync_feeds(empty_db.sessions, _small_feed(tmp_path / "feed"))
    (tmp_path / "not-a-zip.zip").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "no-records").mkdir()
    (tmp_path / "no-records" / "notes.txt").write_text("nothing here")

    with pytest.raises(error, match=re.escape(message)):
        await sync_feeds(empty_db.sessions, tmp_path / name)

    assert await _advisory_ids(empty_db) == ["DEBIAN-CVE-2099-2", "PYSEC-2099-1"]
    async with empty_db.sessions() as session:
        feed = await latest_sync(session)
        assert feed is not None and feed.id == before.generation


async def test_a_failure_while_storing_keeps_the_previous_feed(
    empty_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sync_feeds(empty_db.sessions, _small_feed(tmp_path / "feed"))
    other = write_records(
        tmp_path / "other", [osv_record("PYSEC-2099-9", "PyPI", "other", [{"introduced": "0"}])]
    )

    def failing_index(*_args: object) -> list[dict[str, object]]:
        raise OSError("disk full")

    monkeypatch.setattr(store, "_index_rows", failing_index)
    with pytest.raises(OSError, match="disk full"):
        await sync_feeds(empty_db.sessions, other)

    assert await _advisory_ids(empty_db) == ["DEBIAN-CVE-2099-2", "PYSEC-2099-1"]


async def test_duplicate_ids_keep_the_newer_revision(empty_db: Database, tmp_path: Path) -> None:
    old = osv_record("PYSEC-2099-1", "PyPI", "foo", [{"introduced": "0"}], summary="old")
    new = {**old, "modified": "2025-01-01T00:00:00Z", "summary": "new"}
    write_records(tmp_path / "feed" / "a", [new])
    write_records(tmp_path / "feed" / "b", [old])

    result = await sync_feeds(empty_db.sessions, tmp_path / "feed")

    assert [(s.name, s.reason) for s in result.skipped] == [
        ("b/PYSEC-2099-1.json", "duplicate of record PYSEC-2099-1")
    ]
    async with empty_db.sessions() as session:
        stored = await session.get(Advisory, "PYSEC-2099-1")
        assert stored is not None and stored.summary == "new"
