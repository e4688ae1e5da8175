"""Whole analyses: images and directories read once, cataloged, linked and deduplicated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from analysis.analyze import analyze, catalog_filesystem
from analysis.catalogers import default_catalogers
from analysis.model import Distro, Package, PackageType, Sbom
from analysis.platform import DEFAULT_PLATFORM
from analysis.reference import parse_reference
from analysis.sources import read_image
from tests.analysis.catalogers.memory_fs import MemoryFileSystem
from tests.cases import C01_PACKAGES, C09_PACKAGES, C14_PACKAGES

BOOKWORM = Distro("debian", "12", "bookworm")


def analyze_path(kind: str, path: Path) -> Sbom:
    return analyze(parse_reference(f"{kind}:{path}"))


def of_type(sbom: Sbom, kind: PackageType) -> list[Package]:
    return [p for p in sbom.packages if p.type is kind]


def groundtruth(shared: Path, image: str) -> dict[str, Any]:
    path = shared / "images" / "ground-truth" / image / "groundtruth.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture(scope="module")
def debian_python(shared: Path) -> Sbom:
    """The debian-python image analyzed once for the tests that look at it."""
    return analyze_path("oci-dir", shared / "images" / "oci" / "debian-python")


def test_debian_python_matches_the_ground_truth(shared: Path, debian_python: Sbom) -> None:
    truth = groundtruth(shared, "debian-python")
    sbom = debian_python

    debs = sorted(
        (p.name, p.version, p.architecture, p.source_name, p.source_version)
        for p in of_type(sbom, PackageType.DEB)
    )
    expected_debs = sorted(
        (row["name"], row["version"], row["architecture"], row["source"], row["source_version"])
        for row in truth["dpkg"]
    )
    assert len(debs) == 115
    assert debs == expected_debs

    pythons = sorted(
        (canonicalize_name(p.name), p.version, p.path, p.owned_by)
        for p in of_type(sbom, PackageType.PYTHON)
    )
    expected_pythons = sorted(
        (canonicalize_name(row["name"]), row["version"], row["path"], row["owned_by_dpkg"])
        for row in truth["python"]
    )
    assert len(pythons) == 16
    assert pythons == expected_pythons

    assert "ecdsa" not in {p.name for p in sbom.packages}
    assert sbom.distro == BOOKWORM
    assert len(sbom.layers) == 5
    assert sbom.image_id.startswith("sha256:")


@pytest.mark.parametrize("image", ["java-app", "go-app"])
def test_dpkg_rows_match_the_ground_truth(shared: Path, image: str) -> None:
    """java-app has packages with unmet dependencies; go-app has only `status.d/` paragraphs."""
    truth = groundtruth(shared, image)

    sbom = analyze_path("oci-dir", shared / "images" / "oci" / image)

    debs = sorted(
        (p.name, p.version, p.architecture, p.source_name, p.source_version)
        for p in of_type(sbom, PackageType.DEB)
    )
    assert debs == sorted(
        (row["name"], row["version"], row["architecture"], row["source"], row["source_version"])
        for row in truth["dpkg"]
    )
    assert of_type(sbom, PackageType.PYTHON) == []
    assert sbom.distro == BOOKWORM


def test_debian_python_purls_metadata_and_order(debian_python: Sbom) -> None:
    sbom = debian_python

    by_name = {(p.type, p.name, p.path): p for p in sbom.packages}
    libc6 = next(p for p in sbom.packages if p.name == "libc6")
    flask = by_name[
        (
            PackageType.PYTHON,
            "Flask",
            "/usr/local/lib/python3.11/dist-packages/Flask-1.1.2.dist-info",
        )
    ]

    assert libc6.purl.startswith("pkg:deb/debian/libc6@2.36-9%2Bdeb12u")
    assert libc6.purl.endswith("?arch=amd64&distro=debian-12&upstream=glibc")
    assert libc6.path == "/var/lib/dpkg/status"
    assert "/lib/x86_64-linux-gnu/libc.so.6" in libc6.files
    assert flask.purl == "pkg:pypi/flask@1.1.2"
    assert flask.metadata == {"normalized_name": "flask"}
    assert "/usr/local/lib/python3.11/dist-packages/flask/app.py" in flask.files
    keys = [(p.type, p.name, p.version, p.architecture, p.path) for p in sbom.packages]
    assert keys == sorted(set(keys))


def test_c14_whiteouts_reinstalls_and_opaque_directories(shared: Path) -> None:
    sbom = analyze_path("oci-dir", shared / "cases" / "C14" / "image")

    rows = sorted((p.type.value, p.name, p.version) for p in sbom.packages)

    assert rows == C14_PACKAGES
    assert sbom.distro is not None
    assert (sbom.distro.id, sbom.distro.version_id) == ("debian", "12")
    assert len(sbom.layers) == 4


def test_c14_npm_row_is_on_the_squashed_filesystem(shared: Path) -> None:
    ref = parse_reference(f"oci-dir:{shared / 'cases' / 'C14' / 'image'}")
    fs = read_image(ref, DEFAULT_PLATFORM, None, lambda path: "node_modules" in path).filesystem

    assert fs.listdir("/opt/plugins/node_modules") == ["lodash"]
    package_json = fs.read("/opt/plugins/node_modules/lodash/package.json")
    assert package_json is not None
    assert json.loads(package_json)["version"] == "4.17.21"


def test_c15_symlinks_resolve_inside_the_image_root(shared: Path) -> None:
    sbom = analyze_path("oci-dir", shared / "cases" / "C15" / "image")

    rows = [(p.type.value, p.name, p.version, p.path) for p in sbom.packages]

    assert rows == [
        ("deb", "base-files", "12.4+deb12u5", "/srv/pkgdb/status"),
        ("deb", "libzstd1", "1.5.4+dfsg2-5", "/srv/pkgdb/status"),
        ("deb", "tar", "1.34+dfsg-1.2+deb12u1", "/srv/pkgdb/status"),
        (
            "python",
            "attrs",
            "23.1.0",
            "/opt/venv/lib/python3.11/site-packages/attrs-23.1.0.dist-info",
        ),
    ]
    assert sbom.distro == BOOKWORM


def test_c01_through_a_directory_source(shared: Path) -> None:
    sbom = analyze_path("dir", shared / "cases" / "C01")

    rows = [(p.name, p.version, p.source_name, p.source_version) for p in sbom.packages]

    assert rows == C01_PACKAGES
    assert sbom.distro is None
    assert sbom.layers == ()


def test_c09_through_a_directory_source(shared: Path) -> None:
    sbom = analyze_path("dir", shared / "cases" / "C09")

    rows = [
        (p.name, p.architecture, p.version, p.source_name, p.source_version) for p in sbom.packages
    ]

    assert rows == C09_PACKAGES


def test_c02_through_a_directory_source(shared: Path) -> None:
    sbom = analyze_path("dir", shared / "cases" / "C02")

    rows = sorted((p.metadata["normalized_name"], p.version, p.purl, p.name) for p in sbom.packages)
    site = "/usr/local/lib/python3.11/site-packages"
    by_name = {p.name: p for p in sbom.packages}
    flask_login, pyyaml = by_name["Flask-Login"], by_name["PyYAML"]

    assert rows == [
        ("flask-login", "0.6.3", "pkg:pypi/flask-login@0.6.3", "Flask-Login"),
        ("python-dateutil", "2.8.2", "pkg:pypi/python-dateutil@2.8.2", "python-dateutil"),
        ("pyyaml", "6.0.1", "pkg:pypi/pyyaml@6.0.1", "PyYAML"),
        ("typing-extensions", "4.9.0", "pkg:pypi/typing-extensions@4.9.0", "typing_extensions"),
        ("zope-interface", "6.0", "pkg:pypi/zope-interface@6.0", "zope.interface"),
    ]
    assert sorted(flask_login.files) == [
        "/usr/local/bin/flask-login-tool",
        f"{site}/Flask_Login-0.6.3.dist-info/INSTALLER",
        f"{site}/Flask_Login-0.6.3.dist-info/METADATA",
        f"{site}/Flask_Login-0.6.3.dist-info/RECORD",
        f"{site}/flask_login/__init__.py",
        f"{site}/flask_login/__pycache__/__init__.cpython-311.pyc",
        f"{site}/flask_login/login_manager.py",
    ]
    assert sorted(pyyaml.files) == [
        f"{site}/PyYAML-6.0.1-py3.11.egg-info/PKG-INFO",
        f"{site}/PyYAML-6.0.1-py3.11.egg-info/installed-files.txt",
        f"{site}/PyYAML-6.0.1-py3.11.egg-info/top_level.txt",
        f"{site}/yaml/__init__.py",
        f"{site}/yaml/loader.py",
    ]


def test_catalog_filesystem_deduplicates_links_and_sorts() -> None:
    status = (
        b"Package: python3-six\nStatus: install ok installed\nArchitecture: all\n"
        b"Version: 1.16.0-4\nSource: six\n"
    )
    six_list = b"/.\n/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO\n"
    fs = MemoryFileSystem(
        {
            "/etc/os-release": b"ID=debian\nVERSION_ID=12\nVERSION_CODENAME=bookworm\n",
            "/var/lib/dpkg/status": status,
            "/var/lib/dpkg/info/python3-six.list": six_list,
            "/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO": (
                b"Name: six\nVersion: 1.16.0\n"
            ),
            "/usr/local/lib/python3.11/dist-packages/six-1.15.0.dist-info/METADATA": (
                b"Name: six\nVersion: 1.15.0\n"
            ),
        }
    )
    catalogers = [*default_catalogers(), *default_catalogers()]

    image_distro, packages = catalog_filesystem(fs, catalogers)

    assert image_distro == BOOKWORM
    assert [(p.type.value, p.name, p.version, p.owned_by) for p in packages] == [
        ("deb", "python3-six", "1.16.0-4", None),
        ("python", "six", "1.15.0", None),
        ("python", "six", "1.16.0", "python3-six"),
    ]
