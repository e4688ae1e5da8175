"""Per-ecosystem version ordering, looked up by OSV ecosystem."""

from __future__ import annotations

from scanner_svc.ecosystems import DEBIAN as DEBIAN_ECOSYSTEM
from scanner_svc.ecosystems import PYPI as PYPI_ECOSYSTEM
from scanner_svc.ecosystems import base_ecosystem
from scanner_svc.versions.debian import DEBIAN
from scanner_svc.versions.interface import ParsedVersion, VersionScheme
from scanner_svc.versions.pypi import PYPI

__all__ = ["ParsedVersion", "VersionScheme", "scheme_for"]

_SCHEMES: dict[str, VersionScheme] = {DEBIAN_ECOSYSTEM: DEBIAN, PYPI_ECOSYSTEM: PYPI}


def scheme_for(ecosystem: str) -> VersionScheme | None:
    """The version scheme of an OSV ecosystem (`Debian:12` -> dpkg); None when unsupported."""
    return _SCHEMES.get(base_ecosystem(ecosystem))
