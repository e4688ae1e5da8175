"""Storing a loaded feed: the records a sync delivers are merged in, in one transaction.

OSV never deletes a record; it withdraws it, and a withdrawn record never matches. So a sync
adds new records and replaces those it delivers again under the same id, and leaves every
other record alone: syncing OSV's per-ecosystem exports one after another builds up the whole
feed, and a multi-ecosystem record in one export cannot erase another export's records. The
stored records stay intact until the new ones are committed, and a path that cannot be loaded
never reaches the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scanner_svc.ecosystems import normalize_name
from scanner_svc.feeds.loader import FeedSnapshot, SkippedFile, load_feed
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.severity import base_score, severity_of_score
from scanner_svc.tables import Advisory, AffectedPackage, FeedSync

Row = TypeVar("Row")

INSERT_BATCH = 1000
"""Rows per INSERT statement (default 1000), to keep each statement's parameters bounded."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync stored: its generation id, counts per ecosystem and the files skipped."""

    generation: int
    path: str
    synced_at: datetime
    counts: dict[str, int]
    records: int
    withdrawn: int
    skipped: tuple[SkippedFile, ...]


async def sync_feeds(sessions: async_sessionmaker[AsyncSession], path: Path) -> SyncResult:
    """Load the OSV records under `path` and make them the feed; raises `FeedError` (and keeps
    the previous feed) when the path is unusable."""
    snapshot = await asyncio.to_thread(load_feed, path)
    synced_at = datetime.now(UTC)

    async with sessions() as session, session.begin():
        replaced = _advisories_replaced(snapshot)
        for ids in _batches(replaced):
            await session.execute(
                delete(AffectedPackage).where(AffectedPackage.advisory_id.in_(ids))
            )
            await session.execute(delete(Advisory).where(Advisory.id.in_(ids)))
        for batch in _batches([_advisory_row(r) for r in snapshot.records]):
            await session.execute(insert(Advisory), batch)
        for batch in _batches(list(_index_rows(snapshot.records))):
            await session.execute(insert(AffectedPackage), batch)

        sync = FeedSync(
            path=str(path),
            synced_at=synced_at,
            records=len(snapshot.records),
            withdrawn=snapshot.withdrawn,
            skipped=len(snapshot.skipped),
            counts=snapshot.counts,
        )
        session.add(sync)
        await session.flush()
        generation = sync.id

    return _result(snapshot, generation, synced_at)


def _advisories_replaced(snapshot: FeedSnapshot) -> list[str]:
    """The stored advisories the snapshot supersedes: those it delivers again."""
    return sorted({record.id for record in snapshot.records})


def _result(snapshot: FeedSnapshot, generation: int, synced_at: datetime) -> SyncResult:
    """The summary of a committed sync."""
    return SyncResult(
        generation=generation,
        path=str(snapshot.path),
        synced_at=synced_at,
        counts=snapshot.counts,
        records=len(snapshot.records),
        withdrawn=snapshot.withdrawn,
        skipped=snapshot.skipped,
    )


def _advisory_row(record: OsvRecord) -> dict[str, Any]:
    """The advisories row of a record; its severity is scored here, once per sync."""
    score = base_score(record.severity)
    return {
        "id": record.id,
        "modified": parse_timestamp(record.modified),
        "withdrawn": record.withdrawn is not None,
        "withdrawn_at": parse_timestamp(record.withdrawn),
        "summary": record.summary,
        "severity": severity_of_score(score).value,
        "cvss_score": score,
        "raw": dict(record.raw),
    }


def _index_rows(records: Sequence[OsvRecord]) -> Iterator[dict[str, Any]]:
    """One row per distinct (ecosystem, normalised name) an advisory names."""
    for record in records:
        keys = {
            (a.package.ecosystem, normalize_name(a.package.ecosystem, a.package.name))
            for a in record.affected
            if a.package is not None
        }
        for ecosystem, name in sorted(keys):
            yield {"ecosystem": ecosystem, "name": name, "advisory_id": record.id}


def _batches(rows: list[Row]) -> Iterator[list[Row]]:
    """`rows` in slices of at most `INSERT_BATCH`."""
    for start in range(0, len(rows), INSERT_BATCH):
        yield rows[start : start + INSERT_BATCH]


def parse_timestamp(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime (UTC when it has no zone); None when absent
    or unreadable (the verbatim text stays in the stored record)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def latest_sync(session: AsyncSession) -> FeedSync | None:
    """The most recent sync: its id is the current feed generation. None before any sync."""
    result = await session.scalars(select(FeedSync).order_by(FeedSync.id.desc()).limit(1))
    return result.first()


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives them back without zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
