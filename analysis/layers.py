"""Reading one image layer: a tar stream, perhaps compressed, read once and never extracted.

A layer is read front to back exactly once. Its compressed bytes are hashed against the
manifest's descriptor digest and its uncompressed bytes against the config's diff_id while
they stream past; compression is recognised from the first bytes rather than trusted from the
media type, since registries and tools are not always consistent about it. Each tar member
is handed to a callback as a LayerEntry; whiteouts are passed through untouched, as applying
them is the squash's business.
"""

from __future__ import annotations

import gzip
import io
import posixpath
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import zstandard

from analysis.digest import CHUNK_SIZE, DigestReader, Readable
from analysis.errors import (
    AnalysisError,
    AnalysisLimitError,
    CorruptImageError,
    DigestMismatchError,
)
from analysis.filesystem import EntryKind

# The largest file whose content a layer read holds in memory, in bytes (128 MiB). A file the
# catalogers need that is bigger stops the analysis; the cap keeps one huge file from
# exhausting memory.
DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024
# The most bytes of file content held for one image's catalogers (default 512 MiB).
DEFAULT_MAX_KEPT_BYTES = 512 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BZIP2_MAGIC = b"BZh"
_XZ_MAGIC = b"\xfd7zXZ\x00"

# What a damaged tar or compressed stream raises while it is being read.
_FORMAT_ERRORS = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, zstandard.ZstdError)


class Compression(StrEnum):
    """How a layer blob is compressed, as found from its first bytes."""

    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"


@dataclass(frozen=True, slots=True)
class LayerEntry:
    """One tar member of a layer, its path normalized to an absolute path (`/etc/passwd`).

    A hardlink member has kind FILE, `hardlink` set and `link_target` naming the (normalized)
    path whose content it shares. `content` is held only for regular files that the caller's
    `keep` accepted and that are no bigger than the per-file cap.
    """

    path: str
    kind: EntryKind
    size: int = 0
    mode: int = 0
    link_target: str = ""
    hardlink: bool = False
    content: bytes | None = None


@dataclass(frozen=True, slots=True)
class LayerSummary:
    """What reading a whole layer measured: its digests, its blob size and its compression."""

    digest: str
    diff_id: str
    size: int
    compression: Compression


def normalize_path(name: str) -> str:
    """An absolute, normalized path for a tar member name (`./x`, `x` and `/x` are `/x`).

    `..` components are resolved lexically and cannot climb above the root.
    """
    return posixpath.normpath("/" + name.lstrip("/"))


def read_layer(
    blob: Readable,
    *,
    name: str,
    digest: str,
    diff_id: str,
    keep: Callable[[str], bool],
    on_entry: Callable[[LayerEntry], None],
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> LayerSummary:
    """Stream the layer `blob` once, calling `on_entry` for each member, then check digests.

    `name` identifies the layer in error messages (its digest, when there is one). `digest`
    and `diff_id` are the expected digests of the blob and of its uncompressed tar; an empty
    one is computed but not checked. A broken stream raises CorruptImageError, unless the
    blob's own digest is wrong, which raises DigestMismatchError as the more basic fault.
    """
    compressed = DigestReader(blob)
    buffered = io.BufferedReader(compressed, CHUNK_SIZE)

    try:
        compression = _detect_compression(buffered.peek(8)[:8], name)
        uncompressed = DigestReader(_decompress(compression, buffered))
        _read_members(uncompressed, keep, on_entry, max_file_bytes)
        uncompressed.drain()
        _drain(buffered)
    except _FORMAT_ERRORS as exc:
        if _drain_quietly(buffered):
            _check(compressed.digest, digest, f"layer {name}")
        raise CorruptImageError(f"layer {name} is corrupt: {_describe(exc)}") from exc

    _check(compressed.digest, digest, f"layer {name}")
    _check(uncompressed.digest, diff_id, f"uncompressed content (diff_id) of layer {name}")
    return LayerSummary(compressed.digest, uncompressed.digest, compressed.size, compression)


def _detect_compression(magic: bytes, name: str) -> Compression:
    """The compression the first bytes of a blob announce; plain tar when none does."""
    if magic.startswith(_GZIP_MAGIC):
        return Compression.GZIP
    if magic.startswith(_ZSTD_MAGIC):
        return Compression.ZSTD
    if magic.startswith(_BZIP2_MAGIC) or magic.startswith(_XZ_MAGIC):
        raise CorruptImageError(f"layer {name} uses bzip2 or xz compression, not supported")
    return Compression.NONE


def _decompress(compression: Compression, stream: io.BufferedReader[DigestReader]) -> Readable:
    """A stream of the uncompressed bytes of `stream`."""
    if compression is Compression.GZIP:
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if compression is Compression.ZSTD:
        reader: Readable = zstandard.ZstdDecompressor().stream_reader(
            stream, read_across_frames=True, closefd=False
        )
        return reader
    return stream


def _read_members(
    stream: DigestReader,
    keep: Callable[[str], bool],
    on_entry: Callable[[LayerEntry], None],
    max_file_bytes: int,
) -> None:
    """Walk the tar in stream mode, turning each member into a LayerEntry."""
    with tarfile.open(fileobj=stream, mode="r|", bufsize=CHUNK_SIZE) as tar:
        for member in tar:
            on_entry(_entry(tar, member, keep, max_file_bytes))


def _entry(
    tar: tarfile.TarFile,
    member: tarfile.TarInfo,
    keep: Callable[[str], bool],
    max_file_bytes: int,
) -> LayerEntry:
    """The LayerEntry for one tar member, with its content read when it is to be kept."""
    path = normalize_path(member.name)
    mode = member.mode & 0o7777

    if member.isdir():
        return LayerEntry(path, EntryKind.DIRECTORY, mode=mode)
    if member.issym():
        return LayerEntry(path, EntryKind.SYMLINK, mode=mode, link_target=member.linkname)
    if member.islnk():
        target = normalize_path(member.linkname)
        return LayerEntry(path, EntryKind.FILE, mode=mode, link_target=target, hardlink=True)
    if not member.isreg():
        return LayerEntry(path, EntryKind.OTHER, mode=mode)

    content = None
    whiteout = posixpath.basename(path).startswith(".wh.")
    if not whiteout and keep(path):
        check_file_size(path, member.size, max_file_bytes)
        file = tar.extractfile(member)
        content = file.read() if file is not None else None
        if content is not None and len(content) != member.size:
            raise tarfile.ReadError(f"{path} ends after {len(content)} of {member.size} bytes")
    return LayerEntry(path, EntryKind.FILE, member.size, mode, content=content)


def check_file_size(path: str, size: int, max_file_bytes: int) -> None:
    """Refuse a file the catalogers need that is over the per-file limit."""
    if size > max_file_bytes:
        raise AnalysisLimitError(
            f"{path} has {size} bytes, over the limit of {max_file_bytes} bytes for a file "
            "the catalogers read"
        )


def _drain(stream: Readable) -> None:
    """Read a stream to its end (trailing padding still counts towards the blob digest)."""
    while stream.read(CHUNK_SIZE):
        pass


def _drain_quietly(stream: Readable) -> bool:
    """Read what is left of a blob after a format error, so its digest can still be checked.

    Returns whether the end was reached. A source failure met while draining is not raised:
    the format error is what gets reported then.
    """
    try:
        _drain(stream)
    except (AnalysisError, OSError):
        return False
    return True


def _check(actual: str, expected: str, what: str) -> None:
    """Raise DigestMismatchError when an expected digest is given and differs."""
    if expected and actual != expected:
        raise DigestMismatchError(f"{what}: expected digest {expected}, content has {actual}")


def _describe(exc: BaseException) -> str:
    """A short statement of what is wrong with a broken layer stream."""
    if isinstance(exc, EOFError):
        return "the compressed stream ends early (truncated?)"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"bad gzip data ({exc})"
    if isinstance(exc, zstandard.ZstdError):
        return f"bad zstd data ({exc})"
    return f"not a readable tar stream ({exc})"
