"""Encryption of stored secrets (registry passwords) with a key only the deployment holds."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_ENV = "LADING_SECRET_KEY"
KEY_FILE = "secret.key"


class SecretKeyError(Exception):
    """The key is missing, malformed, readable by others, or does not open a stored secret."""


class SecretBox:
    """Encrypts and decrypts small secrets; the key never leaves this object."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as error:
            raise SecretKeyError(
                f"the secret key is not a valid Fernet key (32 url-safe base64 bytes): {error}"
            ) from error

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> SecretBox:
        """The key from `LADING_SECRET_KEY`, else `DATA_DIR/secret.key`, created mode 0600."""
        from_env = os.environ.get(KEY_ENV)
        if from_env:
            return cls(from_env.encode())

        path = data_dir / KEY_FILE
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())

        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretKeyError(
                f"the key file {path} is readable by other users; run `chmod 600 {path}`"
            )
        return cls(path.read_bytes().strip())

    def encrypt(self, secret: str) -> bytes:
        return self._fernet.encrypt(secret.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as error:
            raise SecretKeyError(
                "a stored secret cannot be decrypted with the current key; was the key "
                f"file or {KEY_ENV} changed?"
            ) from error
