"""Registry passwords are stored encrypted and handed back only to the analysis."""

from __future__ import annotations

import pytest

from analysis.platform import DEFAULT_PLATFORM
from catalog_svc.errors import InvalidRequestError, RegistryNotFoundError
from tests.catalog_svc.conftest import Catalog

PASSWORD = "s3cr3t-Pa55word-for-tests"


async def test_password_is_encrypted_at_rest(catalog: Catalog) -> None:
    await catalog.registries.add("admin", "Registry.Example:5000", False, "alice", PASSWORD)

    assert PASSWORD.encode() not in catalog.db_path.read_bytes()
    for wal in catalog.db_path.parent.glob("lading.db-*"):
        assert PASSWORD.encode() not in wal.read_bytes()
    credentials = await catalog.registries.credentials("admin", "registry.example:5000")
    assert credentials is not None
    assert credentials.password == PASSWORD
    assert PASSWORD not in repr(credentials)
    assert (catalog.db_path.parent / "secret.key").stat().st_mode & 0o077 == 0


async def test_credentials_reach_the_resolver(catalog: Catalog) -> None:
    await catalog.registries.add("admin", "registry.example:5000", True, "alice", PASSWORD)
    catalog.resolver.digests["registry.example:5000/app:1.0"] = "sha256:" + "b" * 64

    await catalog.images.add("admin", "registry.example:5000/app:1.0", DEFAULT_PLATFORM, False)

    seen = catalog.resolver.seen_credentials[-1]
    assert seen is not None and seen.username == "alice" and seen.insecure


async def test_bad_host_and_unknown_registry(catalog: Catalog) -> None:
    with pytest.raises(InvalidRequestError):
        await catalog.registries.add("admin", "host/with/path", False, "", "")
    with pytest.raises(RegistryNotFoundError):
        await catalog.registries.delete("admin", "nowhere:5000")


@pytest.mark.parametrize("host", ["a:99999", "a:0", "a:x", ":5000", "a/b"])
async def test_hosts_that_cannot_be_registries(catalog: Catalog, host: str) -> None:
    with pytest.raises(InvalidRequestError, match="expected HOST"):
        await catalog.registries.add("admin", host, False, "", "")


async def test_docker_hub_aliases_are_one_registry(catalog: Catalog) -> None:
    await catalog.registries.add("admin", "index.docker.io", False, "alice", PASSWORD)

    assert await catalog.registries.credentials("admin", "docker.io") is not None
