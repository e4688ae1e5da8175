"""Reading one image layer: a tar stream, perhaps compressed, read once and never extracted.

A layer is read front to back exactly once. Its compressed bytes are hashed against the
manifest's descriptor digest and its uncompressed bytes against the config's diff_id while
they stream past; compression is recognised from the first bytes rather than trusted from the
media type, since registries and tools are not always consistent about it. Each tar member
is handed to a callback as a LayerEntry; whiteouts are passed through untouched, as applying
them is the squash's business.

A layer is untrusted input that may be a compression bomb, so what one member can make the
reader hold is bounded: the extended headers in front of a member (pax records, GNU long
names, sparse maps), which tarfile would read whole into memory whatever size they claim, and
the content of a wanted file, which over the per-file limit is marked too large instead.
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
from typing import TYPE_CHECKING, Self

import zstandard

from analysis.digest import CHUNK_SIZE, DigestReader, Readable
from analysis.errors import (
    AnalysisError,
    AnalysisLimitError,
    CorruptImageError,
    DigestMismatchError,
)
from analysis.filesystem import EntryKind

if TYPE_CHECKING:
    from tarfile import _Fileobj

# The largest file whose content a layer read holds in memory, in bytes (128 MiB). A wanted
# file that is bigger is indexed as too large, and reading it raises AnalysisLimitError; the
# cap keeps one huge file from exhausting memory.
DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024
# The most bytes of file content held for one image's catalogers (default 512 MiB).
DEFAULT_MAX_KEPT_BYTES = 512 * 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BZIP2_MAGIC = b"BZh"
_XZ_MAGIC = b"\xfd7zXZ\x00"

# The most bytes of headers read for one tar member, its extended headers included (1 MiB).
# Real pax records and long names take a few KiB at most.
MAX_HEADER_BYTES = 1024 * 1024
# The most headers read for one tar member (8). Real tars use up to three (pax, GNU long
# name, GNU long link); tarfile reads a chain of them recursively.
MAX_HEADERS_PER_MEMBER = 8
# The most global pax records one layer may set (64). Real tars set one or two, if any;
# every later member gets its own copy of them.
MAX_GLOBAL_PAX_RECORDS = 64

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
    `keep` accepted and that are no bigger than the per-file cap; a wanted file over the cap
    has `too_large` set instead, so that reading it later can say why it is missing.
    """

    path: str
    kind: EntryKind
    size: int = 0
    mode: int = 0
    link_target: str = ""
    hardlink: bool = False
    content: bytes | None = None
    too_large: bool = False


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
    size: int = -1,
) -> LayerSummary:
    """Stream the layer `blob` once, calling `on_entry` for each member, then check digests.

    `name` identifies the layer in error messages (its digest, when there is one). `digest`
    and `diff_id` are the expected digests of the blob and of its uncompressed tar; an empty
    one is computed but not checked. `size` is the blob's size in bytes as its descriptor
    states it (-1 if unknown): a blob found longer stops being read there. A broken stream or
    an oversized header raises CorruptImageError, unless the blob's own digest is wrong,
    which raises DigestMismatchError as the more basic fault.
    """
    compressed = DigestReader(blob if size < 0 else _SizeCapped(blob, size, name, digest))
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


class _SizeCapped:
    """A blob that may not be longer than its descriptor says.

    Reading stops at the first chunk past `limit` bytes, rather than after decompressing
    whatever a source chooses to send. A longer blob cannot be the one its descriptor names,
    so with an expected `digest` this is the DigestMismatchError that reading to the end
    would have raised; without one, a CorruptImageError.
    """

    def __init__(self, source: Readable, limit: int, name: str, digest: str) -> None:
        self._source = source
        self._limit = limit
        self._name = name
        self._digest = digest
        self._seen = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._source.read(size)
        self._seen += len(data)
        if self._seen <= self._limit:
            return data

        if self._digest:
            raise DigestMismatchError(
                f"layer {self._name}: expected digest {self._digest} of {self._limit} bytes, "
                "the blob is longer"
            )
        raise CorruptImageError(
            f"layer {self._name} is longer than the {self._limit} bytes its descriptor states"
        )


class _HeaderBudget:
    """The tar stream as tarfile sees it while it reads the headers of one member.

    It gives at most MAX_HEADER_BYTES over all of them, refusing a read that would go past
    that before any of it is read, which bounds what a header claiming a huge size can make
    tarfile hold. The other methods pass through.
    """

    def __init__(self, stream: _Fileobj) -> None:
        self.stream = stream
        self.headers = 1
        self._left = MAX_HEADER_BYTES

    def read(self, size: int, /) -> bytes:
        if size > self._left:
            raise tarfile.HeaderError(
                f"the headers of one member take more than {MAX_HEADER_BYTES} bytes"
            )
        self._left -= size
        return self.stream.read(size)

    def write(self, data: bytes, /) -> object:
        return self.stream.write(data)

    def tell(self) -> int:
        return self.stream.tell()

    def seek(self, position: int, /) -> object:
        return self.stream.seek(position)

    def close(self) -> object:
        return self.stream.close()


class _BoundedTarInfo(tarfile.TarInfo):
    """A TarInfo whose headers are read within MAX_HEADER_BYTES, MAX_HEADERS_PER_MEMBER and
    MAX_GLOBAL_PAX_RECORDS; going past one raises a HeaderError.

    tarfile reads a pax or GNU long-name header, or a sparse map, whole into memory at the
    size the header claims, and follows a chain of headers by recursion. Every header of a
    member is read through `fromtarfile`, so its outermost call, for the member's first
    header, puts a _HeaderBudget in front of the stream until the member is read.

    The error is a plain HeaderError, which tarfile passes on: it reads some of its
    subclasses (InvalidHeaderError) past the first member as the end of the archive, which
    would silently drop the rest of the layer.
    """

    @classmethod
    def fromtarfile(cls, archive: tarfile.TarFile) -> Self:
        stream = archive.fileobj
        if isinstance(stream, _HeaderBudget):
            stream.headers += 1
            if stream.headers > MAX_HEADERS_PER_MEMBER:
                raise tarfile.HeaderError(
                    f"more than {MAX_HEADERS_PER_MEMBER} headers for one member"
                )
            return super().fromtarfile(archive)

        archive.fileobj = _HeaderBudget(stream)
        try:
            member = super().fromtarfile(archive)
        except (ValueError, IndexError) as exc:
            # tarfile lets these out of malformed numbers in sparse maps.
            raise tarfile.HeaderError(f"malformed extended header ({exc})") from exc
        finally:
            archive.fileobj = stream

        if len(archive.pax_headers) > MAX_GLOBAL_PAX_RECORDS:
            raise tarfile.HeaderError(f"more than {MAX_GLOBAL_PAX_RECORDS} global pax records")
        return member


class _LayerTarFile(tarfile.TarFile):
    """A tar read in stream mode with bounded headers (see _BoundedTarInfo)."""

    tarinfo = _BoundedTarInfo
    # Every member read so far; tarfile keeps this list but does not declare it.
    members: list[tarfile.TarInfo]


def _read_members(
    stream: DigestReader,
    keep: Callable[[str], bool],
    on_entry: Callable[[LayerEntry], None],
    max_file_bytes: int,
) -> None:
    """Walk the tar in stream mode, turning each member into a LayerEntry.

    tarfile keeps every member it has read, with its pax records, for random access that a
    stream cannot offer; the list is emptied as the walk goes so that a layer of many
    members with large headers does not pile them up.
    """
    with _LayerTarFile.open(fileobj=stream, mode="r|", bufsize=CHUNK_SIZE) as tar:
        while (member := tar.next()) is not None:
            tar.members.clear()
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

    whiteout = posixpath.basename(path).startswith(".wh.")
    if whiteout or not keep(path):
        return LayerEntry(path, EntryKind.FILE, member.size, mode)
    if member.size > max_file_bytes:
        return LayerEntry(path, EntryKind.FILE, member.size, mode, too_large=True)

    file = tar.extractfile(member)
    content = file.read() if file is not None else None
    if content is not None and len(content) != member.size:
        raise tarfile.ReadError(f"{path} ends after {len(content)} of {member.size} bytes")
    return LayerEntry(path, EntryKind.FILE, member.size, mode, content=content)


def file_too_large(path: str, size: int, max_file_bytes: int) -> AnalysisLimitError:
    """The error for reading a wanted file whose content is over the per-file limit."""
    return AnalysisLimitError(
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
