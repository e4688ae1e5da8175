"""A catalog on a temporary SQLite file, with a resolver that needs no registry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis.errors import ImageNotFoundError
from analysis.platform import DEFAULT_PLATFORM, Platform
from analysis.reference import ImageReference
from analysis.sources import RegistryCredentials, ResolvedImage
from catalog_svc.images import ImageCatalog
from catalog_svc.queue import TaskQueue
from catalog_svc.registries import RegistryStore
from catalog_svc.tables import create_tables
from common.db import create_engine, session_factory, sqlite_url
from common.secretbox import SecretBox


class FakeResolver:
    """Resolves references to digests from a table, as a registry would."""

    def __init__(self) -> None:
        self.digests: dict[str, str] = {}
        self.seen_credentials: list[RegistryCredentials | None] = []

    def __call__(
        self,
        reference: ImageReference,
        platform: Platform,
        credentials: RegistryCredentials | None,
    ) -> ResolvedImage:
        self.seen_credentials.append(credentials)
        key = str(reference)
        if key not in self.digests:
            raise ImageNotFoundError(f"no image {key}")
        digest = self.digests[key]
        # A single-platform image, as most registries serve.
        return ResolvedImage(
            reference.with_digest(digest), digest, "sha256:" + "c" * 64, DEFAULT_PLATFORM
        )


@dataclass
class Catalog:
    images: ImageCatalog
    queue: TaskQueue
    registries: RegistryStore
    resolver: FakeResolver
    db_path: Path


@pytest.fixture
async def catalog(tmp_path: Path) -> AsyncIterator[Catalog]:
    engine = create_engine(sqlite_url(tmp_path))
    await create_tables(engine)
    sessions = session_factory(engine)
    queue = TaskQueue(sessions, lease_seconds=60)
    registries = RegistryStore(sessions, SecretBox.for_data_dir(tmp_path))
    resolver = FakeResolver()
    images = ImageCatalog(sessions, queue, registries, resolver=resolver)
    yield Catalog(images, queue, registries, resolver, tmp_path / "lading.db")
    await engine.dispose()
