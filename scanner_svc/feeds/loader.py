"""Loading a feed path into memory: every OSV record it holds, and every file it skipped.

A feed is a directory searched recursively, or a zip archive. Each file that decodes as JSON
and looks like an OSV record is taken; anything else is skipped and named, so an operator can
see what was ignored. Loading touches no database: a bad path changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from scanner_svc.errors import FeedError, InvalidOsvRecord
from scanner_svc.feeds.osv import OsvRecord, looks_like_osv, parse_record
from scanner_svc.feeds.reader import read_feed_files


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the feed that gave no record, and why."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class FeedSnapshot:
    """The records of one feed path (unique ids, file order) and the files skipped."""

    path: Path
    records: tuple[OsvRecord, ...]
    skipped: tuple[SkippedFile, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Records per ecosystem of their affected entries (withdrawn ones included)."""
        counter: Counter[str] = Counter()
        for record in self.records:
            counter.update(record.ecosystems)
        return dict(sorted(counter.items()))

    @property
    def withdrawn(self) -> int:
        """How many records are withdrawn: stored, but they never match."""
        return sum(1 for record in self.records if record.withdrawn is not None)


def load_feed(path: Path) -> FeedSnapshot:
    """Read every OSV record under `path`; raises `FeedError` if the path is unusable or holds
    no OSV record at all (a sync of such a path would wipe the feed, which is never meant)."""
    records: dict[str, tuple[str, OsvRecord]] = {}
    skipped: list[SkippedFile] = []

    for feed_file in read_feed_files(path):
        if feed_file.content is None:
            skipped.append(SkippedFile(feed_file.name, feed_file.problem or "unreadable"))
            continue

        record_or_reason = _parse(feed_file.content)
        if isinstance(record_or_reason, str):
            skipped.append(SkippedFile(feed_file.name, record_or_reason))
            continue

        record = record_or_reason
        previous = records.get(record.id)
        if previous is not None:
            # Two files with one id: keep the newer revision, name the other as skipped.
            kept, dropped = _newer(previous, (feed_file.name, record))
            records[record.id] = kept
            skipped.append(SkippedFile(dropped[0], f"duplicate of record {record.id}"))
            continue
        records[record.id] = (feed_file.name, record)

    if not records:
        raise FeedError(
            f"feed path {path} holds no OSV record ({len(skipped)} files skipped); "
            "point it at a directory or zip of OSV JSON files"
        )
    return FeedSnapshot(
        path=path,
        records=tuple(record for _, record in records.values()),
        skipped=tuple(sorted(skipped, key=lambda s: s.name)),
    )


def _parse(content: bytes) -> OsvRecord | str:
    """The record a file holds, or the reason it holds none."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return "not JSON"

    if not looks_like_osv(data):
        return "JSON but not an OSV record"

    try:
        return parse_record(data)
    except InvalidOsvRecord as exc:
        return f"malformed OSV record: {exc}"


def _newer(
    first: tuple[str, OsvRecord], second: tuple[str, OsvRecord]
) -> tuple[tuple[str, OsvRecord], tuple[str, OsvRecord]]:
    """(kept, dropped) of two files with the same record id: the later `modified` wins,
    the first file on a tie (RFC 3339 UTC timestamps sort as text)."""
    if (second[1].modified or "") > (first[1].modified or ""):
        return second, first
    return first, second
