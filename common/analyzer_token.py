"""The token analyzers present to the analysis queue.

Tasks carry registry credentials, so only analyzers of this deployment may take them: the
deployment keeps a random token in its data directory (mode 0600) and the queue refuses calls
that do not present it.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

TOKEN_FILE = "analyzer.token"
TOKEN_ENV = "LADING_ANALYZER_TOKEN"
METADATA_KEY = "authorization"


class AnalyzerTokenError(Exception):
    """The token file is readable by other users or cannot be created."""


def load_or_create(data_dir: Path) -> str:
    """`LADING_ANALYZER_TOKEN`, else `DATA_DIR/analyzer.token`, created mode 0600."""
    from_env = os.environ.get(TOKEN_ENV)
    if from_env:
        return from_env

    path = data_dir / TOKEN_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))

    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AnalyzerTokenError(
            f"the analyzer token file {path} is readable by other users; run `chmod 600 {path}`"
        )
    return path.read_text().strip()


def analyzer_metadata(token: str) -> tuple[tuple[str, str], ...]:
    """The call metadata that presents `token`; none when there is no token."""
    return ((METADATA_KEY, f"Bearer {token}"),) if token else ()


def presented(metadata: Iterable[tuple[str, str | bytes]] | None, token: str) -> bool:
    """Whether the call metadata presents `token` (compared in constant time)."""
    expected = f"Bearer {token}".encode()
    for key, value in metadata or ():
        if key == METADATA_KEY:
            given = value if isinstance(value, bytes) else value.encode()
            return hmac.compare_digest(given, expected)
    return False
