"""Persisted findings per image, with the feed generation and SBOM they were computed from."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from protos import sbom_pb2
from scanner_svc.findings import Finding
from scanner_svc.severity import Severity
from scanner_svc.tables import FindingRow, ImageScan

INSERT_BATCH = 1000
"""Finding rows per INSERT statement (default 1000)."""


MATCHING_VERSION = "1"
"""Changes whenever matching or severity rules change, so that stored findings computed by
older rules are computed again."""


def sbom_fingerprint(sbom: sbom_pb2.Sbom) -> str:
    """A digest of the SBOM's content and of the matching rules: stored findings are reused
    only for the same SBOM (an image re-analyzed by a newer analyzer may list different
    packages) matched by the same rules."""
    digest = hashlib.sha256(MATCHING_VERSION.encode() + b"\0")
    digest.update(sbom.SerializeToString(deterministic=True))
    return digest.hexdigest()


async def load_findings(
    session: AsyncSession, image_digest: str, generation: int, fingerprint: str
) -> list[Finding] | None:
    """The stored findings of the image if they were computed on this feed generation and
    SBOM; None when they must be computed again."""
    scan = await session.get(ImageScan, image_digest)
    if scan is None or scan.feed_sync_id != generation or scan.sbom_fingerprint != fingerprint:
        return None

    rows = await session.scalars(
        select(FindingRow)
        .where(FindingRow.image_digest == image_digest)
        .order_by(FindingRow.position)
    )
    return [_finding(row) for row in rows]


async def store_findings(
    sessions: async_sessionmaker[AsyncSession],
    image_digest: str,
    generation: int,
    fingerprint: str,
    findings: Sequence[Finding],
) -> None:
    """Replace the image's stored findings in one transaction."""
    rows = [_row(image_digest, position, f) for position, f in enumerate(findings)]
    try:
        async with sessions() as session, session.begin():
            await session.execute(delete(FindingRow).where(FindingRow.image_digest == image_digest))
            await session.execute(delete(ImageScan).where(ImageScan.image_digest == image_digest))
            session.add(
                ImageScan(
                    image_digest=image_digest,
                    feed_sync_id=generation,
                    sbom_fingerprint=fingerprint,
                    scanned_at=datetime.now(UTC),
                )
            )
            await session.flush()
            for start in range(0, len(rows), INSERT_BATCH):
                await session.execute(insert(FindingRow), rows[start : start + INSERT_BATCH])
    except IntegrityError:
        # A concurrent scan of the same image stored its findings first; they were computed
        # the same way, so the next request reads those.
        return


def _row(image_digest: str, position: int, finding: Finding) -> dict[str, object]:
    """The table row of a finding; `position` keeps the report order."""
    return {
        "image_digest": image_digest,
        "position": position,
        "vulnerability_id": finding.id,
        "aliases": list(finding.aliases),
        "severity": finding.severity.value,
        "type": finding.type,
        "package": finding.package,
        "version": finding.version,
        "source_package": finding.source_package,
        "source_version": finding.source_version,
        "fixed_in": finding.fixed_in,
        "path": finding.path,
        "purl": finding.purl,
        "ecosystem": finding.ecosystem,
        "summary": finding.summary,
        "architecture": finding.architecture,
    }


def _finding(row: FindingRow) -> Finding:
    """A finding read back from its row."""
    return Finding(
        id=row.vulnerability_id,
        aliases=tuple(row.aliases),
        severity=Severity(row.severity),
        type=row.type,
        package=row.package,
        version=row.version,
        source_package=row.source_package,
        source_version=row.source_version,
        fixed_in=row.fixed_in,
        path=row.path,
        purl=row.purl,
        ecosystem=row.ecosystem,
        summary=row.summary,
        architecture=row.architecture,
    )
