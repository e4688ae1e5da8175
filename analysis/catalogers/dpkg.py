"""Finds Debian packages in the dpkg database: the status file or distroless `status.d/`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from debian.deb822 import Deb822
from packageurl import PackageURL

from analysis.catalogers import distro
from analysis.catalogers.base import basename, parent_name
from analysis.filesystem import FileSystem
from analysis.model import Distro, Package, PackageType

DPKG_DIR = "/var/lib/dpkg"
STATUS_PATH = f"{DPKG_DIR}/status"
STATUS_DIR = f"{DPKG_DIR}/status.d"
INFO_DIR = f"{DPKG_DIR}/info"

ABSENT_STATES = frozenset({"config-files", "not-installed"})
"""Package states that leave none of the package's files on disk (dpkg-query(1))."""

DEFAULT_NAMESPACE = "debian"
"""The purl namespace when the image names no distro: a dpkg database without os-release is
most often a distroless image built from Debian packages."""

_SOURCE = re.compile(r"(?P<name>\S+)(?:\s*\((?P<version>[^)]*)\))?")


class DpkgCataloger:
    """Reports every package of the dpkg database whose files are on disk."""

    name = "dpkg"

    def wants(self, path: str) -> bool:
        """The status file, `status.d/` paragraphs, `info/*.list` files and os-release.

        `/var/lib/dpkg` may itself be a symlink, so the database is recognized by the names of
        its files wherever its real directory is. Files of these names elsewhere (an
        application's `status`) are kept too; one over the per-file limit is only indexed, and
        fails the analysis only if `catalog` reads it.
        """
        name = basename(path)
        parent = parent_name(path)
        return (
            name == "status"
            or parent == "status.d"
            or (parent == "info" and name.endswith(".list"))
            or distro.wants(path)
        )

    def catalog(self, fs: FileSystem) -> list[Package]:
        """The installed packages of the status file, then those of `status.d/`."""
        image_distro = distro.find_distro(fs)
        packages: list[Package] = []

        status = fs.read(STATUS_PATH)
        if status is not None:
            location = fs.resolve(STATUS_PATH) or STATUS_PATH
            packages.extend(_packages(fs, status, location, image_distro))

        for entry in sorted(fs.listdir(STATUS_DIR)):
            if entry.endswith(".md5sums"):
                continue

            path = f"{STATUS_DIR}/{entry}"
            content = fs.read(path)
            if content is not None:
                location = fs.resolve(path) or path
                packages.extend(_packages(fs, content, location, image_distro))
        return packages


def _packages(
    fs: FileSystem, content: bytes, location: str, image_distro: Distro | None
) -> Iterator[Package]:
    """The installed packages among the paragraphs of one status file.

    Old status files may hold Latin-1 maintainer names; undecodable bytes are replaced rather
    than failing the whole database over a field that is not read.
    """
    lines = content.decode("utf-8", errors="replace").splitlines(keepends=True)
    for paragraph in Deb822.iter_paragraphs(lines, use_apt_pkg=False):
        name = paragraph.get("Package", "").strip()
        version = paragraph.get("Version", "").strip()
        state = _state(paragraph.get("Status"))
        if not name or not version or state is None or state in ABSENT_STATES:
            continue

        architecture = paragraph.get("Architecture", "").strip()
        source_name, source_version = parse_source(paragraph.get("Source", ""), name, version)
        files = _owned_files(fs, name, architecture)

        yield Package(
            type=PackageType.DEB,
            name=name,
            version=version,
            purl=deb_purl(name, version, architecture, source_name, source_version, image_distro),
            architecture=architecture,
            source_name=source_name,
            source_version=source_version,
            path=location,
            files=files,
            metadata={"status": state},
        )


def _state(status: str | None) -> str | None:
    """The package state, the third word of `Status:` (want, error flag, state).

    A `status.d/` paragraph has no Status field and describes an unpacked package; a Status
    field without three words is malformed and gives None.
    """
    if status is None:
        return "installed"

    words = status.split()
    return words[2] if len(words) == 3 else None


def parse_source(field: str, name: str, version: str) -> tuple[str, str]:
    """The source package's name and version from a `Source:` field (deb-control(5)).

    `name (version)` names both; a bare name shares the binary's version; no field at all means
    the source is named like the binary.
    """
    match = _SOURCE.fullmatch(field.strip())
    if match is None:
        return name, version

    source_version = (match.group("version") or "").strip()
    return match.group("name"), source_version or version


def _owned_files(fs: FileSystem, name: str, architecture: str) -> tuple[str, ...]:
    """The paths a package installed, from its `.list` file (`name:arch.list` if multi-arch)."""
    for list_name in (f"{name}:{architecture}.list", f"{name}.list"):
        content = fs.read(f"{INFO_DIR}/{list_name}")
        if content is None:
            continue

        lines = content.decode("utf-8", errors="replace").splitlines()
        return tuple(line for line in lines if line and line != "/.")
    return ()


def deb_purl(
    name: str,
    version: str,
    architecture: str,
    source_name: str,
    source_version: str,
    image_distro: Distro | None,
) -> str:
    """The package URL, naming the source as `upstream` only when it differs from the binary."""
    qualifiers: dict[str, str] = {}
    if architecture:
        qualifiers["arch"] = architecture

    if source_version != version:
        qualifiers["upstream"] = f"{source_name}@{source_version}"
    elif source_name != name:
        qualifiers["upstream"] = source_name

    namespace = DEFAULT_NAMESPACE
    if image_distro is not None:
        namespace = image_distro.id
        if image_distro.version_id:
            qualifiers["distro"] = f"{image_distro.id}-{image_distro.version_id}"

    purl = PackageURL(
        type="deb", namespace=namespace, name=name, version=version, qualifiers=qualifiers
    )
    return str(purl.to_string())
