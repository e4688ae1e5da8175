"""Python packages: PEP 503 names and PEP 440 versions, against ecosystem `PyPI`.

A python package whose metadata a distribution package owns (Debian's python3-six) is left to
that package's own finding: matching it again as PyPI would report the same code twice, with
the wrong database's fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from protos import sbom_pb2
from scanner_svc.ecosystems import PYPI, normalize_name
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.findings import Finding
from scanner_svc.matching.collapse import collapse, finding_of
from scanner_svc.matching.interface import LookupKey
from scanner_svc.matching.ranges import ECOSYSTEM_RANGE
from scanner_svc.matching.records import match_records
from scanner_svc.versions.pypi import PYPI as PEP440

OWN_PREFIX = "PYSEC-"


class PypiMatcher:
    """python packages not owned by an OS package."""

    package_type = "python"

    def lookup_key(self, package: sbom_pb2.Package, distro: sbom_pb2.Distro) -> LookupKey | None:
        """(`PyPI`, PEP 503 name); None when an OS package owns the package."""
        if package.type != self.package_type or is_os_owned(package):
            return None
        return LookupKey(PYPI, normalize_name(PYPI, package.name))

    def match(
        self,
        package: sbom_pb2.Package,
        key: LookupKey,
        candidates: Sequence[OsvRecord],
    ) -> list[Finding]:
        """Findings of the candidate records at the installed version."""
        matches = match_records(
            candidates, key.ecosystem, key.name, package.version, {ECOSYSTEM_RANGE: PEP440}
        )

        return [
            finding_of(group, package, key.ecosystem, path=package.path)
            for group in collapse(matches, OWN_PREFIX)
        ]


def is_os_owned(package: sbom_pb2.Package) -> bool:
    """Whether an OS package owns the package's metadata (`owned_by` set and not empty)."""
    return package.HasField("owned_by") and bool(package.owned_by)
