"""Finds installed Python distributions by their metadata: `.dist-info` and `.egg-info` forms."""

from __future__ import annotations

import csv
import posixpath
from dataclasses import dataclass

from packageurl import PackageURL
from packaging.metadata import parse_email
from packaging.utils import canonicalize_name

from analysis.catalogers.base import basename, join_normalized, parent_name
from analysis.filesystem import EntryKind, FileSystem
from analysis.model import Package, PackageType

DIST_INFO = ".dist-info"
EGG_INFO = ".egg-info"


@dataclass(frozen=True, slots=True)
class _Location:
    """Where one distribution's metadata lives.

    `root` is the .dist-info/.egg-info path (a directory, or a single file for the old egg-info
    form) and identifies the distribution; `metadata` is the file holding its headers.
    """

    root: str
    metadata: str


class PythonCataloger:
    """Reports every Python distribution whose metadata is anywhere in the filesystem.

    Only real paths are walked, so a site-packages directory reached through symlinks is seen
    once, under its real name.
    """

    name = "python"

    def wants(self, path: str) -> bool:
        """Metadata and file lists inside .dist-info/.egg-info directories, and egg-info files."""
        name = basename(path)
        parent = parent_name(path)
        if parent.endswith(DIST_INFO):
            return name in ("METADATA", "RECORD")

        if parent.endswith(EGG_INFO):
            return name in ("PKG-INFO", "installed-files.txt")

        return name.endswith(EGG_INFO)

    def catalog(self, fs: FileSystem) -> list[Package]:
        """One package per readable metadata file that names a distribution and its version."""
        packages: list[Package] = []
        for entry in fs.entries():
            if entry.kind is not EntryKind.FILE:
                continue

            location = _locate(entry.path)
            if location is None:
                continue

            package = _package(fs, location)
            if package is not None:
                packages.append(package)
        return packages


def _locate(path: str) -> _Location | None:
    """The distribution whose metadata the regular file at `path` is, if it is such a file."""
    name = basename(path)
    parent = parent_name(path)
    if (parent.endswith(DIST_INFO) and name == "METADATA") or (
        parent.endswith(EGG_INFO) and name == "PKG-INFO"
    ):
        return _Location(root=posixpath.dirname(path), metadata=path)

    if name.endswith(EGG_INFO):
        return _Location(root=path, metadata=path)
    return None


def _package(fs: FileSystem, location: _Location) -> Package | None:
    """The package described at `location`; None if its metadata lacks a name or a version.

    The name and version come from the metadata headers only: directory names are escaped or
    lower-cased by some installers and are no reliable source for either.
    """
    content = fs.read(location.metadata)
    if content is None:
        return None

    headers, _ = parse_email(content)
    name = (headers.get("name") or "").strip()
    version = (headers.get("version") or "").strip()
    if not name or not version:
        return None

    normalized = canonicalize_name(name)
    return Package(
        type=PackageType.PYTHON,
        name=name,
        version=version,
        purl=str(PackageURL(type="pypi", name=normalized, version=version).to_string()),
        path=location.root,
        files=_owned_files(fs, location),
        metadata={"normalized_name": normalized},
    )


def _owned_files(fs: FileSystem, location: _Location) -> tuple[str, ...]:
    """The absolute paths the distribution installed, from RECORD or installed-files.txt.

    RECORD paths are relative to the directory holding the .dist-info (PEP 376/627);
    installed-files.txt paths are relative to the .egg-info directory itself.
    """
    if location.root.endswith(DIST_INFO):
        record = fs.read(f"{location.root}/RECORD")
        if record is None:
            return ()

        lines = record.decode("utf-8", errors="replace").splitlines()
        base = posixpath.dirname(location.root)
        return tuple(join_normalized(base, row[0]) for row in csv.reader(lines) if row and row[0])

    if location.root != location.metadata:
        listing = fs.read(f"{location.root}/installed-files.txt")
        if listing is None:
            return ()

        lines = listing.decode("utf-8", errors="replace").splitlines()
        return tuple(join_normalized(location.root, line.strip()) for line in lines if line.strip())
    return ()
