"""The scanner's database tables (SQLAlchemy 2.0), on its own declarative base.

Every table name starts with `scanner_`: in the embedded deployment the services share one
SQLite file, each with its own metadata. Types are portable to PostgreSQL (JSON becomes JSONB,
timestamps keep their zone).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonDocument = JSON().with_variant(JSONB(), "postgresql")

ID_LENGTH = 255
"""Longest advisory id, ecosystem, digest or version string kept, in characters."""


# Rows rewritten on every sync or scan outrun 32-bit ids; SQLite's rowid is 64-bit already.
ROW_ID = BigInteger().with_variant(Integer, "sqlite")


class ScannerBase(DeclarativeBase):
    """The declarative base of the scanner's tables only."""


class Advisory(ScannerBase):
    """One OSV record of the current feed, with its severity computed once at sync time.

    `withdrawn` is a flag of its own so that a withdrawal time that cannot be parsed still
    withdraws the record; the times are those of the record, UTC when it gives no zone.
    """

    __tablename__ = "scanner_advisories"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    modified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    cvss_score: Mapped[float | None] = mapped_column(Float)
    raw: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class AffectedPackage(ScannerBase):
    """Index row: an advisory names this (ecosystem, normalised package name).

    Matching looks candidates up here, so it never scans every advisory for a package.
    """

    __tablename__ = "scanner_affected_packages"
    __table_args__ = (Index("ix_scanner_affected_lookup", "ecosystem", "name"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    ecosystem: Mapped[str] = mapped_column(String(ID_LENGTH))
    name: Mapped[str] = mapped_column(String(1024))
    advisory_id: Mapped[str] = mapped_column(
        ForeignKey("scanner_advisories.id", ondelete="CASCADE"), index=True
    )


class FeedSync(ScannerBase):
    """One successful feed sync. Its id is the feed generation that findings are computed on."""

    __tablename__ = "scanner_feed_syncs"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    path: Mapped[str] = mapped_column(Text)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    records: Mapped[int] = mapped_column(Integer)
    withdrawn: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, int]] = mapped_column(JsonDocument)


class ImageScan(ScannerBase):
    """The latest scan of an image: against which feed generation and which SBOM."""

    __tablename__ = "scanner_image_scans"

    image_digest: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    feed_sync_id: Mapped[int] = mapped_column(ForeignKey("scanner_feed_syncs.id"))
    sbom_fingerprint: Mapped[str] = mapped_column(String(64))
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FindingRow(ScannerBase):
    """One finding of an image's latest scan."""

    __tablename__ = "scanner_findings"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    image_digest: Mapped[str] = mapped_column(
        ForeignKey("scanner_image_scans.image_digest", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    vulnerability_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    aliases: Mapped[list[str]] = mapped_column(JsonDocument)
    severity: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(32))
    package: Mapped[str] = mapped_column(String(1024))
    version: Mapped[str] = mapped_column(String(ID_LENGTH))
    source_package: Mapped[str] = mapped_column(String(1024))
    source_version: Mapped[str] = mapped_column(String(ID_LENGTH))
    fixed_in: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    path: Mapped[str] = mapped_column(Text)
    purl: Mapped[str] = mapped_column(Text)
    ecosystem: Mapped[str] = mapped_column(String(ID_LENGTH))
    summary: Mapped[str] = mapped_column(Text)
    architecture: Mapped[str] = mapped_column(String(64))


async def create_tables(engine: AsyncEngine) -> None:
    """Create the scanner's tables on `engine` if they are missing (idempotent)."""
    async with engine.begin() as connection:
        await connection.run_sync(ScannerBase.metadata.create_all)
