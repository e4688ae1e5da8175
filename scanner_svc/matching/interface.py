"""What every ecosystem matcher offers the scanner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from protos import sbom_pb2
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.findings import Finding


@dataclass(frozen=True, slots=True)
class LookupKey:
    """Where a package's candidate advisories are indexed: an OSV ecosystem and the package
    name normalised for it."""

    ecosystem: str
    name: str


class Matcher(Protocol):
    """Matches the packages of one SBOM package type against OSV records."""

    package_type: str

    def lookup_key(self, package: sbom_pb2.Package, distro: sbom_pb2.Distro) -> LookupKey | None:
        """The index key of the package's candidates; None when the package is not matched
        (unsupported distro, owned by an OS package...)."""
        ...

    def match(
        self,
        package: sbom_pb2.Package,
        key: LookupKey,
        candidates: Sequence[OsvRecord],
    ) -> list[Finding]:
        """The findings of the candidate records that affect the package, one per alias
        group."""
        ...
