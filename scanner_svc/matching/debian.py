"""Debian packages: matched through their SOURCE package and SOURCE version.

Debian advisories name source packages, and a binary's own version can differ from its
source's (dmsetup 2:1.02.185-2 is built from lvm2 2.03.16-2), so the binary's version would
give wrong answers. Each binary of an affected source gets its own finding.
"""

from __future__ import annotations

from collections.abc import Sequence

from protos import sbom_pb2
from scanner_svc.ecosystems import debian_ecosystem
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.findings import Finding
from scanner_svc.matching.collapse import collapse, finding_of
from scanner_svc.matching.interface import LookupKey
from scanner_svc.matching.ranges import ECOSYSTEM_RANGE
from scanner_svc.matching.records import match_records
from scanner_svc.versions.debian import DEBIAN

OWN_PREFIX = "DEBIAN-CVE-"


class DebianMatcher:
    """deb packages on a Debian distro, against ecosystem `Debian:<VERSION_ID>` exactly."""

    package_type = "deb"

    def lookup_key(self, package: sbom_pb2.Package, distro: sbom_pb2.Distro) -> LookupKey | None:
        """(`Debian:<version_id>`, source name); None off Debian or without a release number
        (testing and sid have no OSV ecosystem of their own)."""
        if package.type != self.package_type or distro.id != "debian" or not distro.version_id:
            return None
        return LookupKey(debian_ecosystem(distro.version_id), source_name(package))

    def match(
        self,
        package: sbom_pb2.Package,
        key: LookupKey,
        candidates: Sequence[OsvRecord],
    ) -> list[Finding]:
        """Findings of the source's advisories at the source version, for this binary."""
        version = source_version(package)
        matches = match_records(
            candidates, key.ecosystem, key.name, version, {ECOSYSTEM_RANGE: DEBIAN}
        )

        return [
            finding_of(
                group,
                package,
                key.ecosystem,
                source_package=key.name,
                source_version=version,
            )
            for group in collapse(matches, OWN_PREFIX)
        ]


def source_name(package: sbom_pb2.Package) -> str:
    """The source package, or the binary's name when dpkg records no `Source:`."""
    return package.source_name or package.name


def source_version(package: sbom_pb2.Package) -> str:
    """The source version, or the binary's version when `Source:` gives none."""
    return package.source_version or package.version
