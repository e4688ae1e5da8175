"""Looking up the advisories that may affect packages, through the affected-package index."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scanner_svc.feeds.osv import OsvRecord, parse_record
from scanner_svc.matching import LookupKey
from scanner_svc.tables import Advisory, AffectedPackage

NAMES_PER_QUERY = 500
"""Package names per lookup query (default 500), below every database's parameter limit."""


async def candidate_records(
    session: AsyncSession, keys: Iterable[LookupKey]
) -> dict[LookupKey, list[OsvRecord]]:
    """The live (not withdrawn) records indexed under each key, sorted by id.

    One indexed query per ecosystem and batch of names: never a scan of every advisory.
    """
    names_by_ecosystem: dict[str, set[str]] = {}
    for key in keys:
        names_by_ecosystem.setdefault(key.ecosystem, set()).add(key.name)

    parsed: dict[str, OsvRecord] = {}
    found: dict[LookupKey, list[OsvRecord]] = {}
    for ecosystem, names in sorted(names_by_ecosystem.items()):
        ordered = sorted(names)
        for start in range(0, len(ordered), NAMES_PER_QUERY):
            batch = ordered[start : start + NAMES_PER_QUERY]
            query = (
                select(AffectedPackage.name, Advisory.id, Advisory.raw)
                .join(Advisory, Advisory.id == AffectedPackage.advisory_id)
                .where(AffectedPackage.ecosystem == ecosystem)
                .where(AffectedPackage.name.in_(batch))
                .where(Advisory.withdrawn.is_(False))
            )
            for name, advisory_id, raw in await session.execute(query):
                if advisory_id not in parsed:
                    # Stored records were parsed once already at sync: they parse again.
                    parsed[advisory_id] = parse_record(raw)
                found.setdefault(LookupKey(ecosystem, name), []).append(parsed[advisory_id])

    for records in found.values():
        records.sort(key=lambda r: r.id)
    return found
