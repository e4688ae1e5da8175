"""The catalog's tables. Every record that belongs to a user carries its account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEFAULT_ACCOUNT = "admin"
# Room for the longest digest an image reference may carry ("sha512:" and 128 hex digits).
DIGEST_LENGTH = 160


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The catalog's own metadata; other services keep theirs apart."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


class Account(Base):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Image(Base):
    """One image, identified within its account by its manifest digest."""

    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("account", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(ForeignKey("accounts.name"))
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    image_id: Mapped[str] = mapped_column(String(DIGEST_LENGTH), default="")
    source_kind: Mapped[str] = mapped_column(String(32))
    source_location: Mapped[str] = mapped_column(Text)
    source_tag: Mapped[str] = mapped_column(Text, default="")
    platform: Mapped[str] = mapped_column(String(64), default="")
    analysis_status: Mapped[str] = mapped_column(String(32))
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    distro_id: Mapped[str] = mapped_column(String(64), default="")
    distro_version_id: Mapped[str] = mapped_column(String(64), default="")
    distro_codename: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    analyzed_at: Mapped[datetime | None] = mapped_column(default=None)

    tags: Mapped[list[ImageTag]] = relationship(
        back_populates="image", cascade="all, delete-orphan", lazy="selectin"
    )


class ImageTag(Base):
    """A reference an image was added by; a reference names one image at a time."""

    __tablename__ = "image_tags"
    __table_args__ = (UniqueConstraint("account", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(ForeignKey("accounts.name"))
    image_pk: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    image: Mapped[Image] = relationship(back_populates="tags")


class AnalysisTask(Base):
    """A queued analysis. `lease_id` fences completion: only the current lease may finish it."""

    __tablename__ = "analysis_tasks"
    __table_args__ = (Index("ix_analysis_tasks_state_created", "state", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    image_pk: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))
    lease_id: Mapped[str] = mapped_column(String(36), default="")
    analyzer_id: Mapped[str] = mapped_column(String(128), default="")
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Registry(Base):
    """Access settings of one registry host; the password is stored encrypted."""

    __tablename__ = "registries"
    __table_args__ = (UniqueConstraint("account", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(ForeignKey("accounts.name"))
    host: Mapped[str] = mapped_column(String(256))
    insecure: Mapped[bool] = mapped_column(default=False)
    username: Mapped[str] = mapped_column(String(256), default="")
    password_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImagePackage(Base):
    """One package of an analyzed image's SBOM."""

    __tablename__ = "image_packages"
    __table_args__ = (Index("ix_image_packages_image", "image_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_pk: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(Text)
    architecture: Mapped[str] = mapped_column(String(64), default="")
    purl: Mapped[str] = mapped_column(Text, default="")
    source_name: Mapped[str] = mapped_column(Text, default="")
    source_version: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str] = mapped_column(Text, default="")
    owned_by: Mapped[str | None] = mapped_column(Text, default=None)
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ImageLayer(Base):
    """A layer of an analyzed image, in manifest order."""

    __tablename__ = "image_layers"

    image_pk: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    diff_id: Mapped[str] = mapped_column(String(DIGEST_LENGTH), default="")
    media_type: Mapped[str] = mapped_column(String(128), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)


async def create_tables(engine: AsyncEngine) -> None:
    """Create the catalog's tables and its built-in account if they do not exist yet."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        known = await connection.scalar(select(Account.name).where(Account.name == DEFAULT_ACCOUNT))
        if known is None:
            await connection.execute(
                insert(Account).values(name=DEFAULT_ACCOUNT, created_at=utcnow())
            )
