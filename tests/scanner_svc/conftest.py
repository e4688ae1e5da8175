"""Scanner fixtures: databases on temporary SQLite files, one of them holding the whole feed."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import SQLITE_FILE, create_engine, session_factory, sqlite_url
from scanner_svc.feeds.loader import FeedSnapshot, load_feed
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.feeds.store import sync_feeds
from scanner_svc.tables import create_tables
from tests.scanner_svc.support import FakeSbomProvider


@dataclass
class Database:
    sessions: async_sessionmaker[AsyncSession]
    path: Path


async def _synced_copy(data_dir: Path, feed: Path) -> None:
    engine = create_engine(sqlite_url(data_dir))
    await create_tables(engine)
    await sync_feeds(session_factory(engine), feed)
    await engine.dispose()


@pytest.fixture(scope="session")
def feed_snapshot(shared: Path) -> FeedSnapshot:
    """The whole OSV feed, loaded in memory once."""
    return load_feed(shared / "vulndata" / "osv")


@pytest.fixture(scope="session")
def feed_records(feed_snapshot: FeedSnapshot) -> tuple[OsvRecord, ...]:
    return feed_snapshot.records


@pytest.fixture(scope="session")
def synced_template(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file with the whole feed synced, made once and copied per test."""
    data_dir = tmp_path_factory.mktemp("synced-feed")
    asyncio.run(_synced_copy(data_dir, shared / "vulndata" / "osv"))
    return data_dir / SQLITE_FILE


@pytest.fixture
async def empty_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A database with the scanner's tables and no feed."""
    engine = create_engine(sqlite_url(tmp_path))
    await create_tables(engine)
    yield Database(session_factory(engine), tmp_path / SQLITE_FILE)
    await engine.dispose()


@pytest.fixture
async def synced_db(tmp_path: Path, synced_template: Path) -> AsyncIterator[Database]:
    """A private copy of the database holding the whole feed."""
    shutil.copy(synced_template, tmp_path / SQLITE_FILE)
    engine = create_engine(sqlite_url(tmp_path))
    yield Database(session_factory(engine), tmp_path / SQLITE_FILE)
    await engine.dispose()


@pytest.fixture
def provider() -> FakeSbomProvider:
    return FakeSbomProvider()
