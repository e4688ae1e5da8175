"""Shared cases C11 (dpkg ordering) and C18 (Debian via source, PyPI names), end to end
through a sync and a scan."""

from __future__ import annotations

from pathlib import Path

from protos import sbom_pb2
from scanner_svc.feeds.store import sync_feeds
from scanner_svc.scanning import Scanner
from tests.scanner_svc.conftest import Database
from tests.scanner_svc.support import (
    FakeSbomProvider,
    deb,
    debian_distro,
    osv_record,
    python,
    write_records,
)

DIGEST = "sha256:" + "c" * 64


def _debian_fix(cve: str, source: str, fixed: str) -> dict[str, object]:
    """The OSV form of one security-tracker entry: resolved in bookworm at `fixed`."""
    return osv_record(
        f"DEBIAN-{cve}",
        "Debian:12",
        source,
        [{"introduced": "0"}, {"fixed": fixed}],
        aliases=[cve],
    )


def _cve(cve: str) -> tuple[str, tuple[str]]:
    """The id and aliases of a Debian finding: the tracker's CVE stands as the alias."""
    return f"DEBIAN-{cve}", (cve,)


Row = tuple[str, str, str, str, tuple[str, ...], str | None]


async def _scan(db: Database, provider: FakeSbomProvider, sbom: sbom_pb2.Sbom) -> list[Row]:
    provider.sboms[DIGEST] = sbom
    result = await Scanner(db.sessions, provider).scan(DIGEST)
    return [
        (
            f.package,
            f.version,
            f"{f.source_package}@{f.source_version}",
            f.id,
            f.aliases,
            f.fixed_in,
        )
        for f in result.findings
    ]


async def test_c11_dpkg_version_ordering(
    empty_db: Database, provider: FakeSbomProvider, tmp_path: Path
) -> None:
    feed = write_records(
        tmp_path / "c11",
        [
            _debian_fix("CVE-2099-1101", "vim", "9.1.0016-1"),
            _debian_fix("CVE-2099-1102", "openssl", "3.0.15-1"),
            _debian_fix("CVE-2099-1103", "glibc", "2.36-9+deb12u9"),
            _debian_fix("CVE-2099-1104", "widget", "1.2.3-1"),
            _debian_fix("CVE-2099-1105", "curl", "7.88.1-10+deb12u5"),
            _debian_fix("CVE-2099-1106", "zlib", "1.3-1"),
            _debian_fix("CVE-2099-1107", "gcc-12", "12.2.0-14+deb12u1"),
            _debian_fix("CVE-2099-1108", "bash", "5.2.15-3"),
            _debian_fix("CVE-2099-1109", "bash", "5.2.15-2"),
        ],
    )
    await sync_feeds(empty_db.sessions, feed)
    sbom = sbom_pb2.Sbom(
        distro=debian_distro(),
        packages=[
            deb("vim", "2:9.0.1378-2"),
            deb("libssl3", "3.0.15-1~deb12u1", "openssl"),
            deb("libc6", "2.36-9+deb12u10", "glibc"),
            deb("libwidget1", "1.2.3~rc1-1", "widget"),
            deb("curl", "7.88.1-10+deb12u5"),
            deb("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
            deb("libgcc-s1", "12.2.0-14", "gcc-12"),
            deb("bash", "5.2.15-2+b7", "bash", "5.2.15-2"),
        ],
    )

    findings = await _scan(empty_db, provider, sbom)

    assert findings == [
        ("bash", "5.2.15-2+b7", "bash@5.2.15-2", *_cve("CVE-2099-1108"), "5.2.15-3"),
        ("libgcc-s1", "12.2.0-14", "gcc-12@12.2.0-14", *_cve("CVE-2099-1107"), "12.2.0-14+deb12u1"),
        (
            "libssl3",
            "3.0.15-1~deb12u1",
            "openssl@3.0.15-1~deb12u1",
            *_cve("CVE-2099-1102"),
            "3.0.15-1",
        ),
        ("libwidget1", "1.2.3~rc1-1", "widget@1.2.3~rc1-1", *_cve("CVE-2099-1104"), "1.2.3-1"),
    ]


async def test_c18_debian_through_source_and_pypi_names_normalised(
    empty_db: Database, provider: FakeSbomProvider, shared: Path
) -> None:
    case = shared / "cases" / "C18"
    await sync_feeds(empty_db.sessions, case / "osv")
    site = "/usr/local/lib/python3.11/site-packages"
    sbom = sbom_pb2.Sbom(
        distro=debian_distro(),
        packages=[
            deb("openssl", "3.0.11-1~deb12u1"),
            deb("libssl3", "3.0.11-1~deb12u1", "openssl"),
            deb("dmsetup", "2:1.02.185-2", "lvm2", "2.03.16-2"),
            deb("libdevmapper1.02.1", "2:1.02.185-2", "lvm2", "2.03.16-2"),
            deb("lvm2", "2.03.16-2"),
            python("Jinja2", "3.1.2", f"{site}/Jinja2-3.1.2.dist-info"),
            python("ruamel.yaml", "0.17.20", f"{site}/ruamel.yaml-0.17.20.dist-info"),
            python("PyYAML", "6.0.1", f"{site}/PyYAML-6.0.1.dist-info"),
            python("Flask-Cors", "4.0.0", f"{site}/Flask_Cors-4.0.0.dist-info"),
        ],
    )

    findings = await _scan(empty_db, provider, sbom)

    lvm2 = ("lvm2@2.03.16-2", *_cve("CVE-2099-1802"), "2.03.16-3")
    openssl = ("openssl@3.0.11-1~deb12u1", *_cve("CVE-2099-1801"), "3.0.11-1~deb12u2")
    assert findings == [
        ("dmsetup", "2:1.02.185-2", *lvm2),
        ("libdevmapper1.02.1", "2:1.02.185-2", *lvm2),
        ("libssl3", "3.0.11-1~deb12u1", *openssl),
        ("lvm2", "2.03.16-2", *lvm2),
        ("openssl", "3.0.11-1~deb12u1", *openssl),
        ("Flask-Cors", "4.0.0", "@", "GHSA-4g6h-7j8m-9p2q", ("CVE-2099-1814",), "4.0.1"),
        ("Jinja2", "3.1.2", "@", "PYSEC-2099-11", ("CVE-2099-1811",), "3.1.3"),
        ("ruamel.yaml", "0.17.20", "@", "GHSA-2c9f-3h4m-5p6q", ("CVE-2099-1812",), "0.17.21"),
    ]
