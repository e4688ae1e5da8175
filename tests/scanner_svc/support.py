"""Builders for scanner tests: SBOMs from ground truth, OSV records, expected TSV rows."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from protos import sbom_pb2
from scanner_svc.errors import ImageNotAnalyzed, ImageNotFound
from scanner_svc.findings import Finding

FindingRow = tuple[str, str, str, str, str, str, str, str]


class FakeSbomProvider:
    """SBOMs by digest; unknown digests are not found, digests in `statuses` not analyzed."""

    def __init__(self) -> None:
        self.sboms: dict[str, sbom_pb2.Sbom] = {}
        self.statuses: dict[str, str] = {}
        self.calls = 0

    async def get_sbom(self, image_digest: str) -> sbom_pb2.Sbom:
        self.calls += 1
        if image_digest in self.statuses:
            status = self.statuses[image_digest]
            raise ImageNotAnalyzed(f"image {image_digest} is {status}, not analyzed")
        if image_digest not in self.sboms:
            raise ImageNotFound(f"no image with digest {image_digest}")
        return self.sboms[image_digest]


def debian_distro(version_id: str = "12") -> sbom_pb2.Distro:
    return sbom_pb2.Distro(id="debian", version_id=version_id, version_codename="bookworm")


def deb(
    name: str,
    version: str,
    source: str = "",
    source_version: str = "",
    architecture: str = "amd64",
) -> sbom_pb2.Package:
    return sbom_pb2.Package(
        type="deb",
        name=name,
        version=version,
        architecture=architecture,
        source_name=source or name,
        source_version=source_version or version,
    )


def python(name: str, version: str, path: str, owned_by: str | None = None) -> sbom_pb2.Package:
    package = sbom_pb2.Package(type="python", name=name, version=version, path=path)
    if owned_by is not None:
        package.owned_by = owned_by
    return package


def sbom_from_groundtruth(path: Path) -> sbom_pb2.Sbom:
    """The SBOM an analyzer would give for a test image, from its ground truth file."""
    truth = json.loads(path.read_text())
    distro = truth["distro"]
    packages = [
        deb(p["name"], p["version"], p["source"], p["source_version"], p["architecture"])
        for p in truth["dpkg"]
    ]
    packages += [
        python(p["name"], p["version"], p["path"], p["owned_by_dpkg"]) for p in truth["python"]
    ]
    return sbom_pb2.Sbom(
        distro=sbom_pb2.Distro(
            id=distro["id"],
            version_id=distro["version_id"],
            version_codename=distro["version_codename"],
        ),
        packages=packages,
    )


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def expected_rows(path: Path) -> list[FindingRow]:
    """The rows of an image's findings TSV, in file order."""
    return [
        (
            row["id"],
            row["aliases"],
            row["type"],
            row["package"],
            row["version"],
            row["source_package"],
            row["fixed"],
            row["path"],
        )
        for row in read_tsv(path)
    ]


def finding_rows(findings: Iterable[Finding]) -> list[FindingRow]:
    """Findings in the TSV's columns, in the order given."""
    return [
        (
            f.id,
            ",".join(f.aliases),
            f.type,
            f.package,
            f.version,
            f.source_package,
            f.fixed_in or "",
            f.path,
        )
        for f in findings
    ]


def osv_record(
    record_id: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]],
    aliases: Iterable[str] = (),
    **extra: Any,
) -> dict[str, Any]:
    """A minimal OSV record naming one package with one ECOSYSTEM range."""
    return {
        "id": record_id,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": list(aliases),
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        **extra,
    }


def write_records(directory: Path, records: Iterable[dict[str, Any]]) -> Path:
    """Write each record as `<id>.json` into `directory` (created), and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for record in records:
        (directory / f"{record['id']}.json").write_text(json.dumps(record))
    return directory
