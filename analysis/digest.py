"""Content digests (`sha256:<hex>`): computing them, and checking blobs against them.

Every blob an image is made of is named by the digest of its bytes; checking it while the
bytes stream past is what makes a tampered or damaged download fail loudly instead of
producing a wrong inventory.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import TYPE_CHECKING, Protocol

from analysis.errors import CorruptImageError, DigestMismatchError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_DIGEST = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")

# How much a reader asks its source for at a time, in bytes.
CHUNK_SIZE = 1024 * 1024


class Readable(Protocol):
    """Anything with a binary `read(size)`: an open file, a tar member, an HTTP stream."""

    def read(self, size: int = -1, /) -> bytes: ...


def is_digest(text: str) -> bool:
    """Whether `text` is a digest this library can check (sha256 or sha512, lowercase hex)."""
    return bool(_DIGEST.match(text))


def sha256_digest(data: bytes) -> str:
    """The `sha256:<hex>` digest of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _hasher(digest: str) -> hashlib._Hash:
    """A fresh hash object for the algorithm `digest` names (sha256 when none is given)."""
    if not digest:
        return hashlib.sha256()
    if not is_digest(digest):
        raise CorruptImageError(f"unsupported or malformed digest {digest!r}")
    return hashlib.new(digest.split(":", 1)[0])


def check_bytes(data: bytes, expected: str, what: str) -> str:
    """Check that `data` has the digest `expected`; returns it. `what` names the blob."""
    hasher = _hasher(expected)
    hasher.update(data)
    actual = f"{hasher.name}:{hasher.hexdigest()}"
    if actual != expected:
        raise DigestMismatchError(f"{what}: expected digest {expected}, content has {actual}")
    return actual


class DigestReader(io.RawIOBase):
    """A read-only stream that hashes and counts the bytes read through it.

    With `expected` set, reaching the end of the source checks the digest and raises
    DigestMismatchError naming `what`, the expected and the actual digest.
    """

    def __init__(self, source: Readable, expected: str = "", what: str = "blob") -> None:
        super().__init__()
        self._source = source
        self._hasher = _hasher(expected)
        self._expected = expected
        self._what = what
        self._checked = False
        self.size = 0

    @property
    def digest(self) -> str:
        """The digest of the bytes read so far (`sha256:<hex>` unless `expected` said sha512)."""
        return f"{self._hasher.name}:{self._hasher.hexdigest()}"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self._source.read(len(view))
        if not data:
            self._at_end()
            return 0

        count = len(data)
        view[:count] = data
        self._hasher.update(data)
        self.size += count
        return count

    def drain(self) -> None:
        """Read the source to its end, so that the digest covers every byte of it."""
        while self.read(CHUNK_SIZE):
            pass

    def _at_end(self) -> None:
        """Check the digest the first time the end of the source is reached."""
        if self._checked or not self._expected:
            return

        self._checked = True
        if self.digest != self._expected:
            raise DigestMismatchError(
                f"{self._what}: expected digest {self._expected}, content has {self.digest}"
            )
