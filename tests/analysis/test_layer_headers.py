"""Hostile tar headers in a layer: sizes, chains and sparse maps that would exhaust memory."""

from __future__ import annotations

import io
import tarfile
import tracemalloc

import pytest

from analysis.errors import CorruptImageError
from analysis.layers import (
    MAX_GLOBAL_PAX_RECORDS,
    MAX_HEADER_BYTES,
    MAX_HEADERS_PER_MEMBER,
    LayerEntry,
    read_layer,
)
from tests.analysis.oci_builder import gzip_bytes

LAYER = "hostile-layer"
END = b"\0" * 1024
OS_RELEASE = b"ID=debian\n"


def read(blob: bytes) -> list[LayerEntry]:
    entries: list[LayerEntry] = []
    read_layer(
        io.BytesIO(blob),
        name=LAYER,
        digest="",
        diff_id="",
        keep=lambda path: True,
        on_entry=entries.append,
    )
    return entries


def padded(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % tarfile.BLOCKSIZE)


def header(name: str, kind: bytes, size: int) -> bytes:
    """One ustar header block; its size field may claim more than follows."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.mode = 0o644
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def member(name: str, kind: bytes, data: bytes) -> bytes:
    return header(name, kind, len(data)) + padded(data)


def pax_record(key: str, value: str) -> bytes:
    """`LEN key=value\\n`, where LEN counts the whole record, its own digits included."""
    body = f" {key}={value}\n".encode()
    length = len(body) + 1
    while length != len(body) + len(str(length)):
        length = len(body) + len(str(length))
    return str(length).encode() + body


def os_release() -> bytes:
    return member("etc/os-release", tarfile.REGTYPE, OS_RELEASE)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (tarfile.XHDTYPE, pax_record("comment", "x" * MAX_HEADER_BYTES)),
        (tarfile.XGLTYPE, pax_record("comment", "x" * MAX_HEADER_BYTES)),
        (tarfile.GNUTYPE_LONGNAME, b"a" * MAX_HEADER_BYTES),
        (tarfile.GNUTYPE_LONGLINK, b"a" * MAX_HEADER_BYTES),
    ],
)
def test_an_extended_header_over_the_limit_makes_the_layer_corrupt(
    kind: bytes, data: bytes
) -> None:
    blob = gzip_bytes(member("././@Extended", kind, data) + os_release() + END)

    with pytest.raises(CorruptImageError) as caught:
        read(blob)

    assert f"layer {LAYER} is corrupt" in str(caught.value)
    assert f"more than {MAX_HEADER_BYTES} bytes" in str(caught.value)


def test_a_header_claiming_gigabytes_is_refused_before_it_is_read() -> None:
    source = io.BytesIO(gzip_bytes(header("././@PaxHeader", tarfile.XHDTYPE, 3 << 29) + END))

    with pytest.raises(CorruptImageError, match=f"more than {MAX_HEADER_BYTES} bytes"):
        read_layer(
            source,
            name=LAYER,
            digest="",
            diff_id="",
            keep=lambda path: True,
            on_entry=lambda entry: None,
        )


def test_a_long_chain_of_headers_is_refused() -> None:
    chain = member("././@PaxHeader", tarfile.XHDTYPE, pax_record("comment", "c")) * 2000

    with pytest.raises(CorruptImageError, match=f"more than {MAX_HEADERS_PER_MEMBER} headers"):
        read(gzip_bytes(chain + os_release() + END))


def test_an_old_gnu_sparse_map_over_the_limit_is_refused() -> None:
    block = bytearray(header("sparse", tarfile.GNUTYPE_SPARSE, 0))
    block[482] = 1
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    extension = bytearray(tarfile.BLOCKSIZE)
    extension[504] = 1
    extensions = bytes(extension) * (MAX_HEADER_BYTES // tarfile.BLOCKSIZE + 1)

    with pytest.raises(CorruptImageError, match=f"more than {MAX_HEADER_BYTES} bytes"):
        read(gzip_bytes(bytes(block) + extensions + END))


def test_a_malformed_sparse_map_makes_the_layer_corrupt() -> None:
    records = b"".join(
        pax_record(key, value)
        for key, value in [
            ("GNU.sparse.major", "1"),
            ("GNU.sparse.minor", "0"),
            ("GNU.sparse.name", "sparse"),
            ("GNU.sparse.realsize", "10"),
        ]
    )
    body = padded(b"not a number\n")
    blob = member("././@PaxHeader", tarfile.XHDTYPE, records)
    blob += header("sparse", tarfile.REGTYPE, len(body)) + body

    with pytest.raises(CorruptImageError, match="malformed extended header"):
        read(gzip_bytes(blob + END))


def test_too_many_global_pax_records_make_the_layer_corrupt() -> None:
    records = b"".join(
        pax_record(f"lading.key{index}", "v") for index in range(MAX_GLOBAL_PAX_RECORDS + 1)
    )
    blob = member("pax_global_header", tarfile.XGLTYPE, records) + os_release() + END

    with pytest.raises(CorruptImageError, match=f"more than {MAX_GLOBAL_PAX_RECORDS} global"):
        read(gzip_bytes(blob))


def test_real_extended_headers_are_read() -> None:
    long_name = "usr/share/" + "deep/" * 60 + "os-release"
    long_target = "../" * 40 + "usr/lib/os-release"
    buffer = io.BytesIO()
    for tar_format in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        with tarfile.open(fileobj=buffer, mode="w", format=tar_format) as tar:
            info = tarfile.TarInfo(long_name)
            info.size = len(OS_RELEASE)
            tar.addfile(info, io.BytesIO(OS_RELEASE))
            link = tarfile.TarInfo(long_name + ".link")
            link.type = tarfile.SYMTYPE
            link.linkname = long_target
            link.pax_headers = {"SCHILY.xattr.security.selinux": "system_u:object_r:etc_t:s0"}
            tar.addfile(link)

        entries = read(buffer.getvalue())

        assert [(e.path, e.content, e.link_target) for e in entries] == [
            (f"/{long_name}", OS_RELEASE, ""),
            (f"/{long_name}.link", None, long_target),
        ]
        buffer = io.BytesIO()


def test_members_are_not_piled_up_while_a_layer_is_read() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for index in range(40):
            info = tarfile.TarInfo(f"file{index}")
            info.pax_headers = {"comment": "x" * 900_000}
            tar.addfile(info, io.BytesIO(b""))
    blob = gzip_bytes(buffer.getvalue())

    tracemalloc.start()
    try:
        entries = read(blob)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert len(entries) == 40
    assert peak < 16 * 1024 * 1024
