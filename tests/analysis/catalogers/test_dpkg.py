"""The dpkg cataloger: which status entries count, source fields, file lists and purls."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.catalogers.dpkg import DpkgCataloger, deb_purl, parse_source
from analysis.model import Distro, PackageType
from tests.analysis.catalogers.memory_fs import Link, MemoryFileSystem
from tests.cases import C01_PACKAGES, C09_PACKAGES

OS_RELEASE = b'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'


def paragraph(name: str, version: str, **fields: str) -> str:
    """One status paragraph; keyword fields use `_` for `-` in their names."""
    lines = [f"Package: {name}", f"Version: {version}"]
    lines += [f"{key.replace('_', '-')}: {value}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def test_c01_reports_exactly_the_packages_whose_files_are_on_disk(shared: Path) -> None:
    fs = MemoryFileSystem.from_directory(shared / "cases" / "C01")

    packages = DpkgCataloger().catalog(fs)

    rows = sorted((p.name, p.version, p.source_name, p.source_version) for p in packages)
    assert rows == C01_PACKAGES
    states = {p.name: p.metadata["status"] for p in packages}
    assert states == {
        "base-files": "installed",
        "bash": "installed",
        "libexample1": "half-installed",
        "libfoo-data": "half-configured",
        "libssl3": "installed",
        "login": "installed",
        "nano": "installed",
        "tzdata": "unpacked",
    }
    assert {p.type for p in packages} == {PackageType.DEB}
    assert {p.path for p in packages} == {"/var/lib/dpkg/status"}


def test_c09_source_names_and_versions(shared: Path) -> None:
    fs = MemoryFileSystem.from_directory(shared / "cases" / "C09")

    packages = DpkgCataloger().catalog(fs)

    rows = sorted(
        (p.name, p.architecture, p.version, p.source_name, p.source_version) for p in packages
    )
    assert rows == C09_PACKAGES


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("", ("bin", "1.0-1+b1")),
        ("src", ("src", "1.0-1+b1")),
        ("src (1.0-1)", ("src", "1.0-1")),
        ("  src   (2:3.4-5)  ", ("src", "2:3.4-5")),
    ],
)
def test_parse_source(field: str, expected: tuple[str, str]) -> None:
    assert parse_source(field, "bin", "1.0-1+b1") == expected


def test_purls_name_distro_arch_and_a_differing_source() -> None:
    bookworm = Distro("debian", "12", "bookworm")

    libc6 = deb_purl("libc6", "2.36-9+deb12u7", "amd64", "glibc", "2.36-9+deb12u7", bookworm)
    bash = deb_purl("bash", "5.2.15-2+b7", "amd64", "bash", "5.2.15-2", bookworm)
    dash = deb_purl("dash", "0.5.12-2", "amd64", "dash", "0.5.12-2", bookworm)
    login = deb_purl("login", "1:4.13+dfsg1-1+b1", "amd64", "shadow", "1:4.13+dfsg1-1", None)

    assert libc6 == (
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12&upstream=glibc"
    )
    assert bash == (
        "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2"
    )
    assert dash == "pkg:deb/debian/dash@0.5.12-2?arch=amd64&distro=debian-12"
    assert login == (
        "pkg:deb/debian/login@1:4.13%2Bdfsg1-1%2Bb1?arch=amd64&upstream=shadow%401:4.13%2Bdfsg1-1"
    )


def test_namespace_and_distro_come_from_os_release() -> None:
    status = paragraph("base-files", "13.5", Status="install ok installed", Architecture="amd64")
    fs = MemoryFileSystem(
        {
            "/etc/os-release": b'ID=ubuntu\nVERSION_ID="24.04"\n',
            "/var/lib/dpkg/status": status.encode(),
        }
    )

    [package] = DpkgCataloger().catalog(fs)

    assert package.purl == "pkg:deb/ubuntu/base-files@13.5?arch=amd64&distro=ubuntu-24.04"


def test_files_come_from_plain_and_multiarch_lists() -> None:
    status = "\n".join(
        [
            paragraph("libc6", "2.36-9", Status="install ok installed", Architecture="amd64"),
            paragraph("libc6", "2.36-9", Status="install ok installed", Architecture="i386"),
            paragraph("dash", "0.5.12-2", Status="install ok installed", Architecture="amd64"),
        ]
    )
    fs = MemoryFileSystem(
        {
            "/var/lib/dpkg/status": status.encode(),
            "/var/lib/dpkg/info/libc6:amd64.list": b"/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n",
            "/var/lib/dpkg/info/libc6:i386.list": b"/.\n/lib\n/lib/i386-linux-gnu/libc.so.6\n",
            "/var/lib/dpkg/info/dash.list": b"/.\n/bin\n/bin/dash\n",
        }
    )

    files = {(p.name, p.architecture): p.files for p in DpkgCataloger().catalog(fs)}

    assert files == {
        ("libc6", "amd64"): ("/lib", "/lib/x86_64-linux-gnu/libc.so.6"),
        ("libc6", "i386"): ("/lib", "/lib/i386-linux-gnu/libc.so.6"),
        ("dash", "amd64"): ("/bin", "/bin/dash"),
    }


def test_distroless_status_d_paragraphs_without_md5sums() -> None:
    fs = MemoryFileSystem(
        {
            "/etc/os-release": OS_RELEASE,
            "/var/lib/dpkg/status.d/base-files": paragraph(
                "base-files", "12.4+deb12u15", Architecture="amd64"
            ).encode(),
            "/var/lib/dpkg/status.d/base-files.md5sums": b"0123  etc/debian_version\n",
            "/var/lib/dpkg/status.d/tzdata": paragraph(
                "tzdata", "2026b-0+deb12u1", Architecture="all"
            ).encode(),
        }
    )

    packages = DpkgCataloger().catalog(fs)

    assert [(p.name, p.version, p.path) for p in packages] == [
        ("base-files", "12.4+deb12u15", "/var/lib/dpkg/status.d/base-files"),
        ("tzdata", "2026b-0+deb12u1", "/var/lib/dpkg/status.d/tzdata"),
    ]
    assert packages[1].purl == "pkg:deb/debian/tzdata@2026b-0%2Bdeb12u1?arch=all&distro=debian-12"


def test_database_behind_a_symlinked_directory_is_kept_and_read() -> None:
    cataloger = DpkgCataloger()
    status = paragraph("tar", "1.34+dfsg-1.2", Status="install ok installed", Architecture="amd64")
    fs = MemoryFileSystem(
        {
            "/usr/lib/os-release.d/debian-12": OS_RELEASE,
            "/usr/lib/os-release": Link("../../../../usr/lib/os-release.d/debian-12"),
            "/etc/os-release": Link("../usr/lib/os-release"),
            "/srv/pkgdb/status": status.encode(),
            "/srv/pkgdb/info/tar.list": b"/.\n/bin\n/bin/tar\n",
            "/var/lib/dpkg": Link("/srv/pkgdb"),
            "/srv/other/file": b"not wanted",
        },
        keep=cataloger.wants,
    )

    [package] = cataloger.catalog(fs)

    assert (package.name, package.path, package.files) == (
        "tar",
        "/srv/pkgdb/status",
        ("/bin", "/bin/tar"),
    )
    assert package.purl.endswith("?arch=amd64&distro=debian-12")
    assert fs.read("/srv/other/file") is None


def test_malformed_or_incomplete_paragraphs_are_skipped() -> None:
    status = "\n".join(
        [
            paragraph("broken-status", "1", Status="install ok"),
            paragraph("", "1", Status="install ok installed"),
            "Package: no-version\nStatus: install ok installed\n",
            paragraph("good", "1", Status="install ok installed"),
        ]
    )
    fs = MemoryFileSystem({"/var/lib/dpkg/status": status.encode()})

    assert [p.name for p in DpkgCataloger().catalog(fs)] == ["good"]


def test_undecodable_bytes_do_not_fail_the_database() -> None:
    status = paragraph("good", "1", Status="install ok installed", Maintainer="Jos\xe9")
    fs = MemoryFileSystem({"/var/lib/dpkg/status": status.encode("latin-1")})

    assert [(p.name, p.version) for p in DpkgCataloger().catalog(fs)] == [("good", "1")]


def test_no_database_gives_no_packages() -> None:
    assert DpkgCataloger().catalog(MemoryFileSystem({"/etc/hostname": b"x\n"})) == []
