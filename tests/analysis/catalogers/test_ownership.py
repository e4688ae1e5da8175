"""Linking Python distributions to the Debian packages that installed them."""

from __future__ import annotations

from analysis.catalogers.ownership import link_python_to_deb
from analysis.model import Package, PackageType
from tests.analysis.catalogers.memory_fs import Link, MemoryFileSystem

DIST = "/usr/lib/python3/dist-packages"


def deb(name: str, *files: str) -> Package:
    return Package(PackageType.DEB, name, "1", f"pkg:deb/debian/{name}@1", files=files)


def python(name: str, path: str) -> Package:
    return Package(PackageType.PYTHON, name, "1", f"pkg:pypi/{name}@1", path=path)


def test_the_metadata_root_or_a_file_under_it_links_the_owner() -> None:
    fs = MemoryFileSystem({})
    packages = [
        deb("python3-pyinotify", "/usr", f"{DIST}/pyinotify-0.9.6.egg-info"),
        deb("python3-six", f"{DIST}/six-1.16.0.egg-info/PKG-INFO"),
        python("pyinotify", f"{DIST}/pyinotify-0.9.6.egg-info"),
        python("six", f"{DIST}/six-1.16.0.egg-info"),
        python("six", "/usr/local/lib/python3.11/dist-packages/six-1.15.0.dist-info"),
    ]

    linked = link_python_to_deb(fs, packages)

    assert [p.owned_by for p in linked] == [None, None, "python3-pyinotify", "python3-six", None]


def test_lists_naming_a_path_through_a_symlinked_directory_still_match() -> None:
    fs = MemoryFileSystem(
        {
            "/usr/lib/python3/dist-packages/attrs-23.1.0.dist-info/METADATA": b"",
            "/lib": Link("usr/lib"),
        }
    )
    packages = [
        deb("python3-attrs", "/lib/python3/dist-packages/attrs-23.1.0.dist-info/METADATA"),
        python("attrs", "/usr/lib/python3/dist-packages/attrs-23.1.0.dist-info"),
    ]

    linked = link_python_to_deb(fs, packages)

    assert linked[1].owned_by == "python3-attrs"
