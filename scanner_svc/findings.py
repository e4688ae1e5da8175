"""The finding model: one advisory affecting one package occurrence of an image."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scanner_svc.severity import Severity

OS_PACKAGE_TYPES = frozenset({"deb", "rpm", "apk"})
"""Package types installed by the distribution's package manager (scope OS)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """An advisory (its kept id and every other id of its alias group) on one package.

    For deb packages `package`/`version` are the binary's and `source_*` what was matched;
    for language packages `path` is where the package's metadata was found.
    """

    id: str
    aliases: tuple[str, ...]
    severity: Severity
    type: str
    package: str
    version: str
    source_package: str
    source_version: str
    fixed_in: str | None
    path: str
    purl: str
    ecosystem: str
    summary: str
    architecture: str

    @property
    def is_os(self) -> bool:
        """Whether the package belongs to the distribution (deb, rpm, apk)."""
        return self.type in OS_PACKAGE_TYPES

    @property
    def sort_key(self) -> tuple[str, str, str, str, str]:
        """Report order: type, package, id, version, path (code-point order, as bytes)."""
        return (self.type, self.package, self.id, self.version, self.path)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order, so every report of the same scan reads the same."""
    return sorted(findings, key=lambda f: f.sort_key)
