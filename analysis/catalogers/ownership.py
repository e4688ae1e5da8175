"""Links Python distributions to the Debian packages that installed them."""

from __future__ import annotations

import dataclasses

from analysis.catalogers.python import DIST_INFO, EGG_INFO
from analysis.filesystem import FileSystem
from analysis.model import Package, PackageType


def link_python_to_deb(fs: FileSystem, packages: list[Package]) -> list[Package]:
    """`packages` with `owned_by` set on each Python package a Debian package installed.

    A distribution belongs to the Debian package whose file list names its .dist-info/.egg-info
    path or a file under it. Lists name paths as dpkg wrote them, possibly through a symlinked
    directory, so each listed metadata root is matched both as written and as resolved.
    """
    owners = _metadata_owners(fs, packages)
    if not owners:
        return packages

    linked: list[Package] = []
    for package in packages:
        owner = owners.get(package.path) if package.type is PackageType.PYTHON else None
        if owner is not None and package.owned_by is None:
            package = dataclasses.replace(package, owned_by=owner)
        linked.append(package)
    return linked


def _metadata_owners(fs: FileSystem, packages: list[Package]) -> dict[str, str]:
    """Each Python metadata root named in a Debian file list, mapped to that package's name."""
    owners: dict[str, str] = {}
    for package in packages:
        if package.type is not PackageType.DEB:
            continue

        for path in package.files:
            root = _metadata_root(path)
            if root is None or root in owners:
                continue

            owners[root] = package.name
            real = fs.resolve(root)
            if real is not None:
                owners.setdefault(real, package.name)
    return owners


def _metadata_root(path: str) -> str | None:
    """The leading part of `path` up to its first .dist-info/.egg-info component, if any."""
    parts = path.split("/")
    for index, part in enumerate(parts):
        if part.endswith((DIST_INFO, EGG_INFO)):
            return "/".join(parts[: index + 1])
    return None
