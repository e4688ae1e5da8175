"""Reading one layer as a stream: compression, entries, kept content, digests, damage."""

from __future__ import annotations

import bz2
import io
import os
from collections.abc import Callable

import pytest
import zstandard

from analysis.digest import CHUNK_SIZE
from analysis.errors import AnalysisLimitError, CorruptImageError, DigestMismatchError
from analysis.filesystem import EntryKind
from analysis.layers import (
    Compression,
    LayerEntry,
    LayerSummary,
    file_too_large,
    normalize_path,
    read_layer,
)
from tests.analysis.oci_builder import (
    digest_of,
    directory,
    file,
    gzip_bytes,
    hardlink,
    symlink,
    tar_bytes,
)

MEMBERS = [
    directory("./etc"),
    file("./etc/os-release", "ID=debian\n"),
    file("etc/hostname", "lading\n", mode=0o600),
    symlink("usr/lib/os-release", "../../etc/os-release"),
    hardlink("etc/hostname.bak", "./etc/hostname"),
    file("/var/lib/dpkg/status", "Package: base-files\n"),
]


def read(
    blob: bytes,
    *,
    digest: str = "",
    diff_id: str = "",
    keep: tuple[str, ...] = ("/etc/os-release",),
    max_file_bytes: int = 1024,
) -> tuple[list[LayerEntry], LayerSummary]:
    entries: list[LayerEntry] = []
    summary = read_layer(
        io.BytesIO(blob),
        name=digest or "test-layer",
        digest=digest,
        diff_id=diff_id,
        keep=lambda path: path in keep,
        on_entry=entries.append,
        max_file_bytes=max_file_bytes,
    )
    return entries, summary


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("./x", "/x"),
        ("x", "/x"),
        ("/x", "/x"),
        ("./a//b/", "/a/b"),
        ("./", "/"),
        ("a/../../b", "/b"),
    ],
)
def test_paths_are_normalized(name: str, path: str) -> None:
    assert normalize_path(name) == path


def test_entries_in_tar_order_with_kinds_and_normalized_paths() -> None:
    raw = tar_bytes(MEMBERS)

    entries, _ = read(gzip_bytes(raw))

    assert [(e.path, e.kind) for e in entries] == [
        ("/etc", EntryKind.DIRECTORY),
        ("/etc/os-release", EntryKind.FILE),
        ("/etc/hostname", EntryKind.FILE),
        ("/usr/lib/os-release", EntryKind.SYMLINK),
        ("/etc/hostname.bak", EntryKind.FILE),
        ("/var/lib/dpkg/status", EntryKind.FILE),
    ]
    assert entries[2].mode == 0o600
    assert entries[2].size == len("lading\n")
    assert entries[3].link_target == "../../etc/os-release"
    assert (entries[4].hardlink, entries[4].link_target) == (True, "/etc/hostname")


def test_only_kept_files_carry_content() -> None:
    entries, _ = read(gzip_bytes(tar_bytes(MEMBERS)), keep=("/etc/os-release", "/etc/hostname"))

    contents = {e.path: e.content for e in entries}
    assert contents["/etc/os-release"] == b"ID=debian\n"
    assert contents["/etc/hostname"] == b"lading\n"
    assert contents["/var/lib/dpkg/status"] is None


def test_a_wanted_file_over_the_cap_is_indexed_as_too_large() -> None:
    raw = tar_bytes([file("small", b"y" * 10), file("big", b"x" * 2000)])

    entries, _ = read(raw, keep=("/big", "/small"), max_file_bytes=1000)

    assert [(e.path, e.size, e.content, e.too_large) for e in entries] == [
        ("/small", 10, b"y" * 10, False),
        ("/big", 2000, None, True),
    ]


def test_too_large_names_the_file_its_size_and_the_limit() -> None:
    error = file_too_large("/srv/app/status", 2000, 1000)

    assert isinstance(error, AnalysisLimitError)
    assert str(error) == (
        "/srv/app/status has 2000 bytes, over the limit of 1000 bytes for a file "
        "the catalogers read"
    )


def test_files_over_the_cap_that_nobody_wants_are_indexed() -> None:
    raw = tar_bytes([file("big", b"x" * 2000), file("small", b"y" * 10)])

    entries, _ = read(raw, keep=("/small",), max_file_bytes=1000)

    assert [(e.path, e.size, e.content, e.too_large) for e in entries] == [
        ("/big", 2000, None, False),
        ("/small", 10, b"y" * 10, False),
    ]


# A digest a test blob is declared to have, whatever its bytes.
DIGEST = digest_of(b"the blob the descriptor names")


class CountingSource:
    """A blob source that counts the bytes handed out."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.given = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        self.given += len(data)
        return data


@pytest.mark.parametrize("compress", [lambda raw: raw, gzip_bytes])
@pytest.mark.parametrize(
    ("digest", "message"),
    [
        ("", "layer test-layer is longer than the 1000 bytes its descriptor states"),
        (
            DIGEST,
            f"layer test-layer: expected digest {DIGEST} of 1000 bytes, the blob is longer",
        ),
    ],
)
def test_a_blob_longer_than_its_descriptor_stops_being_read(
    compress: Callable[[bytes], bytes], digest: str, message: str
) -> None:
    blob = compress(tar_bytes([file("data", os.urandom(3 * CHUNK_SIZE))]))
    source = CountingSource(blob)

    with pytest.raises(CorruptImageError) as caught:
        read_layer(
            source,
            name="test-layer",
            digest=digest,
            diff_id="",
            keep=lambda path: False,
            on_entry=lambda entry: None,
            size=1000,
        )

    assert str(caught.value) == message
    assert isinstance(caught.value, DigestMismatchError) == bool(digest)
    assert source.given <= CHUNK_SIZE


def test_a_blob_of_its_declared_size_is_read() -> None:
    blob = gzip_bytes(tar_bytes(MEMBERS))
    entries: list[LayerEntry] = []

    summary = read_layer(
        io.BytesIO(blob),
        name="test-layer",
        digest=digest_of(blob),
        diff_id="",
        keep=lambda path: False,
        on_entry=entries.append,
        size=len(blob),
    )

    assert len(entries) == len(MEMBERS)
    assert summary.size == len(blob)


@pytest.mark.parametrize(
    ("compress", "compression"),
    [
        (lambda raw: raw, Compression.NONE),
        (gzip_bytes, Compression.GZIP),
        (lambda raw: zstandard.ZstdCompressor().compress(raw), Compression.ZSTD),
    ],
)
def test_compression_is_detected_and_both_digests_are_checked(
    compress: Callable[[bytes], bytes], compression: Compression
) -> None:
    raw = tar_bytes(MEMBERS)
    blob = compress(raw)

    entries, summary = read(blob, digest=digest_of(blob), diff_id=digest_of(raw))

    assert len(entries) == len(MEMBERS)
    assert summary == LayerSummary(digest_of(blob), digest_of(raw), len(blob), compression)


def test_multi_frame_zstd_is_read_across_frames() -> None:
    raw = tar_bytes(MEMBERS)
    compressor = zstandard.ZstdCompressor()
    blob = compressor.compress(raw[:1536]) + compressor.compress(raw[1536:])

    entries, summary = read(blob, diff_id=digest_of(raw))

    assert len(entries) == len(MEMBERS)
    assert summary.compression is Compression.ZSTD


def test_a_wrong_blob_digest_names_expected_and_actual() -> None:
    blob = gzip_bytes(tar_bytes(MEMBERS))
    wrong = digest_of(b"something else")

    with pytest.raises(DigestMismatchError) as caught:
        read(blob, digest=wrong)

    assert wrong in str(caught.value)
    assert digest_of(blob) in str(caught.value)


def test_a_wrong_diff_id_is_a_digest_mismatch() -> None:
    raw = tar_bytes(MEMBERS)
    blob = gzip_bytes(raw)
    wrong = digest_of(b"not the tar")

    with pytest.raises(DigestMismatchError, match="diff_id") as caught:
        read(blob, digest=digest_of(blob), diff_id=wrong)

    assert digest_of(raw) in str(caught.value)


def test_truncated_gzip_is_corrupt_and_names_the_layer() -> None:
    blob = gzip_bytes(tar_bytes([file("data", bytes(range(256)) * 200)]))[:-300]
    digest = digest_of(blob)

    with pytest.raises(CorruptImageError, match="ends early") as caught:
        read(blob, digest=digest)

    assert not isinstance(caught.value, DigestMismatchError)
    assert digest in str(caught.value)


def test_garbled_gzip_is_corrupt() -> None:
    blob = bytearray(gzip_bytes(tar_bytes([file("data", bytes(range(256)) * 200)])))
    blob[40:60] = b"\xff" * 20

    with pytest.raises(CorruptImageError, match="test-layer is corrupt"):
        read(bytes(blob))


def test_truncated_plain_tar_is_corrupt() -> None:
    raw = tar_bytes([file("data", b"z" * 5000)])[:2048]

    with pytest.raises(CorruptImageError, match="not a readable tar stream"):
        read(raw, keep=("/data",), max_file_bytes=10_000)


def test_garbage_is_not_a_tar() -> None:
    with pytest.raises(CorruptImageError, match="tar"):
        read(b"this is not a tar archive at all" * 40)


def test_a_damaged_blob_with_a_wrong_digest_reports_the_digest() -> None:
    good = gzip_bytes(tar_bytes([file("data", bytes(range(256)) * 200)]))
    damaged = good[:100] + bytes(b ^ 0x55 for b in good[100:140]) + good[140:]

    with pytest.raises(DigestMismatchError):
        read(damaged, digest=digest_of(good))


def test_bzip2_layers_are_refused_clearly() -> None:
    with pytest.raises(CorruptImageError, match="bzip2 or xz"):
        read(bz2.compress(tar_bytes(MEMBERS)))


def test_whiteouts_pass_through_as_plain_entries() -> None:
    raw = tar_bytes([file("a/.wh.b"), file("a/.wh..wh..opq")])

    entries, _ = read(raw)

    assert [(e.path, e.kind) for e in entries] == [
        ("/a/.wh.b", EntryKind.FILE),
        ("/a/.wh..wh..opq", EntryKind.FILE),
    ]
