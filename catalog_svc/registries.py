"""Registry access settings, with passwords encrypted at rest and never returned."""

from __future__ import annotations

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analysis.reference import DOCKER_HUB
from analysis.sources import RegistryCredentials
from catalog_svc.errors import InvalidRequestError, RegistryNotFoundError
from catalog_svc.tables import Registry
from common.secretbox import SecretBox


def normalize_host(host: str) -> str:
    """`HOST[:PORT]` in lower case, without a scheme or a trailing slash."""
    text = host.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    name, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    valid_port = not port or (port.isdigit() and 0 < int(port) < 65536)
    if not name or "/" in text or not valid_port:
        raise InvalidRequestError(f"{host!r} is not a registry host; expected HOST[:PORT]")
    # Docker Hub answers under several names; references always name it docker.io.
    return DOCKER_HUB if text in DOCKER_HUB_ALIASES else text


log = structlog.get_logger("lading.catalog.registries")

DOCKER_HUB_ALIASES = {"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}


class RegistryStore:
    """The registries an account has configured."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], secrets: SecretBox) -> None:
        self._sessions = sessions
        self._secrets = secrets

    async def add(
        self, account: str, host: str, insecure: bool, username: str, password: str
    ) -> Registry:
        """Create or replace the settings of `host`."""
        host = normalize_host(host)
        if password and not username:
            raise InvalidRequestError("a registry password needs a username")

        async with self._sessions() as session, session.begin():
            registry = await self._find(session, account, host)
            if registry is None:
                registry = Registry(account=account, host=host)
                session.add(registry)
            registry.insecure = insecure
            registry.username = username
            registry.password_encrypted = self._secrets.encrypt(password) if password else None

        log.info("registry_saved", host=host, insecure=insecure, with_password=bool(password))
        return registry

    async def list(self, account: str) -> list[Registry]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Registry).where(Registry.account == account).order_by(Registry.host)
            )
            return list(rows)

    async def delete(self, account: str, host: str) -> None:
        host = normalize_host(host)
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(Registry).where(Registry.account == account, Registry.host == host)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise RegistryNotFoundError(f"no registry {host} is configured")
        log.info("registry_deleted", host=host)

    async def credentials(self, account: str, host: str) -> RegistryCredentials | None:
        """The decrypted access settings for `host`, or None when it is not configured."""
        async with self._sessions() as session:
            registry = await self._find(session, account, normalize_host(host))
        if registry is None:
            return None

        password = ""
        if registry.password_encrypted is not None:
            password = self._secrets.decrypt(registry.password_encrypted)
        return RegistryCredentials(
            username=registry.username, password=password, insecure=registry.insecure
        )

    @staticmethod
    async def _find(session: AsyncSession, account: str, host: str) -> Registry | None:
        result = await session.scalars(
            select(Registry).where(Registry.account == account, Registry.host == host)
        )
        return result.first()
