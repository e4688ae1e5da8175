"""What an analysis finds: the distro, the packages and the layers of one image."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PackageType(StrEnum):
    """The kinds of package the catalogers report."""

    DEB = "deb"
    PYTHON = "python"


@dataclass(frozen=True, slots=True)
class Distro:
    """The distribution named by the image's os-release file."""

    id: str
    version_id: str
    version_codename: str = ""


@dataclass(frozen=True, slots=True)
class Package:
    """One installed package; its identity is (type, name, version, architecture, path)."""

    type: PackageType
    name: str
    version: str
    purl: str
    architecture: str = ""
    source_name: str = ""
    source_version: str = ""
    path: str = ""
    owned_by: str | None = None
    files: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LayerInfo:
    """A layer as read: its blob digest, the digest of its uncompressed tar, and its size."""

    digest: str
    diff_id: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Sbom:
    """The result of analyzing one image."""

    distro: Distro | None
    packages: tuple[Package, ...]
    image_id: str = ""
    layers: tuple[LayerInfo, ...] = ()
