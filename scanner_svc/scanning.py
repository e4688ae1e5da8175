"""Scanning an image: its SBOM against the stored feed, with findings kept per image.

Findings are computed once per (feed generation, SBOM) and stored; while no feed sync has
happened since, a later request for the same image reads them back instead of matching again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from protos import sbom_pb2
from scanner_svc.candidates import candidate_records
from scanner_svc.errors import FeedsNotSynced
from scanner_svc.feeds.osv import OsvRecord
from scanner_svc.feeds.store import as_utc, latest_sync
from scanner_svc.findings import Finding, sorted_findings
from scanner_svc.matching import LookupKey, Matcher, matcher_for
from scanner_svc.provider import SbomProvider
from scanner_svc.stored_findings import load_findings, sbom_fingerprint, store_findings


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The findings of an image (report order), the feed generation they were computed on,
    and whether they were read back from a previous scan."""

    image_digest: str
    findings: tuple[Finding, ...]
    generation: int
    feeds_synced_at: datetime
    reused: bool


@dataclass(frozen=True, slots=True)
class MatchTarget:
    """A package of the SBOM, the matcher for its type, and where its candidates are indexed."""

    package: sbom_pb2.Package
    matcher: Matcher
    key: LookupKey


def match_targets(sbom: sbom_pb2.Sbom) -> list[MatchTarget]:
    """The packages of the SBOM that some matcher takes (others are not matched yet)."""
    targets: list[MatchTarget] = []
    for package in sbom.packages:
        matcher = matcher_for(package.type)
        if matcher is None:
            continue
        key = matcher.lookup_key(package, sbom.distro)
        if key is not None:
            targets.append(MatchTarget(package, matcher, key))
    return targets


def match_sbom(
    targets: Sequence[MatchTarget], candidates: Mapping[LookupKey, Sequence[OsvRecord]]
) -> list[Finding]:
    """Every finding of the targets against their candidate records, in report order."""
    return sorted_findings(
        finding
        for target in targets
        for finding in target.matcher.match(
            target.package, target.key, candidates.get(target.key, ())
        )
    )


class Scanner:
    """Scans images by digest: fetches the SBOM, matches it, stores and reuses findings."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], sbom_provider: SbomProvider
    ) -> None:
        """`sessions` open the database holding the feed and the stored findings."""
        self._sessions = sessions
        self._sbom_provider = sbom_provider

    async def scan(self, image_digest: str) -> ScanResult:
        """The image's findings; raises `FeedsNotSynced` before the first sync, and the
        provider's `ImageNotFound` / `ImageNotAnalyzed`."""
        sbom = await self._sbom_provider.get_sbom(image_digest)
        fingerprint = sbom_fingerprint(sbom)
        targets = match_targets(sbom)

        # Generation, stored findings and candidates are read in one transaction, so they
        # all come from the same feed even if a sync commits meanwhile.
        async with self._sessions() as session, session.begin():
            feed = await latest_sync(session)
            if feed is None:
                raise FeedsNotSynced(
                    "no vulnerability feed has been synced yet: run a feed sync first"
                )
            generation, synced_at = feed.id, as_utc(feed.synced_at)
            stored = await load_findings(session, image_digest, generation, fingerprint)
            if stored is not None:
                return ScanResult(image_digest, tuple(stored), generation, synced_at, reused=True)
            candidates = await candidate_records(session, {t.key for t in targets})

        # Matching is CPU work; the event loop also serves every other request meanwhile.
        findings = await asyncio.to_thread(match_sbom, targets, candidates)
        await store_findings(self._sessions, image_digest, generation, fingerprint, findings)
        return ScanResult(image_digest, tuple(findings), generation, synced_at, reused=False)
