"""The Python cataloger: metadata forms, names, purls and the files each distribution owns."""

from __future__ import annotations

from pathlib import Path

from analysis.catalogers.python import PythonCataloger
from analysis.model import PackageType
from tests.analysis.catalogers.memory_fs import Link, MemoryFileSystem

SITE = "/usr/local/lib/python3.11/site-packages"


def metadata(name: str, version: str) -> bytes:
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nLong description.\n".encode()
    )


def test_c02_finds_the_five_distributions_in_all_three_forms(shared: Path) -> None:
    cataloger = PythonCataloger()
    fs = MemoryFileSystem.from_directory(shared / "cases" / "C02", keep=cataloger.wants)

    packages = cataloger.catalog(fs)

    rows = sorted(
        (p.name, p.metadata["normalized_name"], p.version, p.purl, p.path) for p in packages
    )
    assert rows == [
        (
            "Flask-Login",
            "flask-login",
            "0.6.3",
            "pkg:pypi/flask-login@0.6.3",
            f"{SITE}/Flask_Login-0.6.3.dist-info",
        ),
        (
            "PyYAML",
            "pyyaml",
            "6.0.1",
            "pkg:pypi/pyyaml@6.0.1",
            f"{SITE}/PyYAML-6.0.1-py3.11.egg-info",
        ),
        (
            "python-dateutil",
            "python-dateutil",
            "2.8.2",
            "pkg:pypi/python-dateutil@2.8.2",
            f"{SITE}/Python_Dateutil-2.8.2-py3.11.egg-info",
        ),
        (
            "typing_extensions",
            "typing-extensions",
            "4.9.0",
            "pkg:pypi/typing-extensions@4.9.0",
            f"{SITE}/typing_extensions-4.9.0.dist-info",
        ),
        (
            "zope.interface",
            "zope-interface",
            "6.0",
            "pkg:pypi/zope-interface@6.0",
            f"{SITE}/zope.interface-6.0.dist-info",
        ),
    ]
    assert {p.type for p in packages} == {PackageType.PYTHON}


def test_c02_owned_files_from_record_and_installed_files(shared: Path) -> None:
    cataloger = PythonCataloger()
    fs = MemoryFileSystem.from_directory(shared / "cases" / "C02", keep=cataloger.wants)

    files = {p.metadata["normalized_name"]: p.files for p in cataloger.catalog(fs)}

    assert sorted(files["flask-login"]) == [
        "/usr/local/bin/flask-login-tool",
        f"{SITE}/Flask_Login-0.6.3.dist-info/INSTALLER",
        f"{SITE}/Flask_Login-0.6.3.dist-info/METADATA",
        f"{SITE}/Flask_Login-0.6.3.dist-info/RECORD",
        f"{SITE}/flask_login/__init__.py",
        f"{SITE}/flask_login/__pycache__/__init__.cpython-311.pyc",
        f"{SITE}/flask_login/login_manager.py",
    ]
    assert sorted(files["pyyaml"]) == [
        f"{SITE}/PyYAML-6.0.1-py3.11.egg-info/PKG-INFO",
        f"{SITE}/PyYAML-6.0.1-py3.11.egg-info/installed-files.txt",
        f"{SITE}/PyYAML-6.0.1-py3.11.egg-info/top_level.txt",
        f"{SITE}/yaml/__init__.py",
        f"{SITE}/yaml/loader.py",
    ]
    assert files["python-dateutil"] == ()
    assert sorted(files["zope-interface"]) == [
        f"{SITE}/zope.interface-6.0.dist-info/METADATA",
        f"{SITE}/zope.interface-6.0.dist-info/RECORD",
        f"{SITE}/zope/interface/__init__.py",
    ]


def test_name_and_version_come_from_metadata_not_the_directory_name() -> None:
    fs = MemoryFileSystem(
        {f"{SITE}/misleading-9.9.dist-info/METADATA": metadata("Real.Name", "1.0")}
    )

    [package] = PythonCataloger().catalog(fs)

    assert (package.name, package.version, package.metadata) == (
        "Real.Name",
        "1.0",
        {"normalized_name": "real-name"},
    )


def test_site_packages_behind_a_symlink_is_reported_once_under_its_real_path() -> None:
    cataloger = PythonCataloger()
    real = "/opt/venv/lib/python3.11/site-packages"
    fs = MemoryFileSystem(
        {
            f"{real}/attrs-23.1.0.dist-info/METADATA": metadata("attrs", "23.1.0"),
            SITE: Link("../../../../../../../opt/venv/lib/python3.11/site-packages"),
        },
        keep=cataloger.wants,
    )

    packages = cataloger.catalog(fs)

    assert [(p.name, p.version, p.path) for p in packages] == [
        ("attrs", "23.1.0", f"{real}/attrs-23.1.0.dist-info")
    ]


def test_metadata_without_name_or_version_and_unkept_files_are_skipped() -> None:
    fs = MemoryFileSystem(
        {
            f"{SITE}/noversion-1.dist-info/METADATA": b"Metadata-Version: 2.1\nName: noversion\n",
            f"{SITE}/noname-1.egg-info": b"Metadata-Version: 1.0\nVersion: 1\n",
            f"{SITE}/unkept-1.dist-info/METADATA": metadata("unkept", "1"),
            f"{SITE}/ok-1.dist-info/METADATA": metadata("ok", "1"),
        },
        keep=lambda path: "unkept" not in path,
    )

    assert [p.name for p in PythonCataloger().catalog(fs)] == ["ok"]


def test_record_paths_never_climb_above_the_root() -> None:
    record = b"../../../../../../../../etc/passwd,,\n/abs/path.py,,\n"
    fs = MemoryFileSystem(
        {
            f"{SITE}/climber-1.dist-info/METADATA": metadata("climber", "1"),
            f"{SITE}/climber-1.dist-info/RECORD": record,
        }
    )

    [package] = PythonCataloger().catalog(fs)

    assert package.files == ("/etc/passwd", "/abs/path.py")


def test_wants_matches_metadata_shapes_only() -> None:
    wants = PythonCataloger().wants

    assert wants(f"{SITE}/x-1.dist-info/METADATA")
    assert wants(f"{SITE}/x-1.dist-info/RECORD")
    assert wants(f"{SITE}/x-1.egg-info/PKG-INFO")
    assert wants(f"{SITE}/x-1.egg-info/installed-files.txt")
    assert wants("/usr/lib/python3/dist-packages/x-1.egg-info")
    assert not wants(f"{SITE}/x-1.dist-info/INSTALLER")
    assert not wants(f"{SITE}/x/METADATA")
    assert not wants(f"{SITE}/x/__init__.py")
