"""Reading the files of a feed path: a directory (searched recursively) or a zip archive."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner_svc.errors import FeedError, FeedPathNotFound

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files larger than this (in bytes; default 64 MiB) are skipped: no OSV record is that big,
and a zip member claiming more may be a decompression bomb."""

_READABLE_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


@dataclass(frozen=True, slots=True)
class FeedFile:
    """One file of a feed: its name relative to the feed root, and its bytes or why they are
    missing (`content` is None exactly when `problem` says why)."""

    name: str
    content: bytes | None
    problem: str | None = None


def read_feed_files(path: Path) -> Iterator[FeedFile]:
    """The files under `path`, in name order; raises `FeedError` when `path` itself is unusable.

    The checks run before the first file is read, so a bad path fails at the call.
    """
    if not path.exists():
        raise FeedPathNotFound(f"feed path {path} does not exist on the scanner's machine")

    if path.is_dir():
        return _directory_files(path)

    if path.is_file() and zipfile.is_zipfile(path):
        try:
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise FeedError(f"feed path {path} is not a readable zip archive: {exc}") from exc
        return _zip_files(archive)

    raise FeedError(f"feed path {path} is neither a directory nor a zip archive of OSV records")


def _directory_files(root: Path) -> Iterator[FeedFile]:
    """Every regular file under `root`, at any depth; an unreadable one is named, not fatal."""
    try:
        paths = sorted(p for p in root.rglob("*") if p.is_file())
    except OSError as exc:
        raise FeedError(f"feed directory {root} cannot be listed: {exc}") from exc

    for file_path in paths:
        name = file_path.relative_to(root).as_posix()
        try:
            size = file_path.stat().st_size
            if size > MAX_FILE_BYTES:
                yield FeedFile(name, None, f"larger than {MAX_FILE_BYTES} bytes")
                continue
            yield FeedFile(name, file_path.read_bytes())
        except OSError as exc:
            yield FeedFile(name, None, f"unreadable: {exc.strerror or exc}")


def _zip_files(archive: zipfile.ZipFile) -> Iterator[FeedFile]:
    """Every file member of the archive, which is closed once all are read."""
    with archive:
        members = sorted(
            (info for info in archive.infolist() if not info.is_dir()), key=lambda i: i.filename
        )
        for info in members:
            if info.file_size > MAX_FILE_BYTES:
                yield FeedFile(info.filename, None, f"larger than {MAX_FILE_BYTES} bytes")
                continue
            if info.compress_type not in _READABLE_COMPRESSION:
                yield FeedFile(info.filename, None, "compressed with an unsupported method")
                continue
            try:
                content = archive.read(info)
            except (OSError, zipfile.BadZipFile, zlib.error) as exc:
                # A damaged member (bad CRC, unsupported compression) costs only that file.
                yield FeedFile(info.filename, None, f"unreadable zip member: {exc}")
                continue
            yield FeedFile(info.filename, content)
