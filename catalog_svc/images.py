"""Images of an account: adding (with the digest pinned at once), finding, re-queueing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from analysis.errors import ImageNotFoundError as MissingImageError
from analysis.platform import DEFAULT_PLATFORM, Platform, platform_matches
from analysis.reference import ImageReference, SourceKind, parse_reference
from analysis.sources import RegistryCredentials, ResolvedImage, resolve_image
from catalog_svc.errors import (
    ConflictError,
    ImageNotFoundError,
    InvalidRequestError,
    InvalidTransitionError,
)
from catalog_svc.queue import TaskQueue
from catalog_svc.registries import RegistryStore
from catalog_svc.sboms import load_sbom
from catalog_svc.status import INITIAL_STATUS, AnalysisStatus, check_transition
from catalog_svc.tables import Image, ImageTag
from protos import sbom_pb2

log = structlog.get_logger("lading.catalog.images")

USER_REQUEUEABLE = (AnalysisStatus.ANALYZED, AnalysisStatus.ANALYSIS_FAILED)

Resolver = Callable[[ImageReference, Platform, RegistryCredentials | None], ResolvedImage]


def parse_user_reference(text: str) -> ImageReference:
    """Parse a reference sent by a client; local paths must already be absolute."""
    text = text.strip()
    if not text:
        raise InvalidRequestError("an image reference is required")

    reference = parse_reference(text, cwd=None)
    if reference.kind is not SourceKind.REGISTRY and not text.split(":", 1)[1].startswith("/"):
        raise InvalidRequestError(
            f"{text!r} names a relative path; the deployment cannot know the client's working "
            "directory, so give an absolute path (the lading CLI does this for you)"
        )
    return reference


class ImageCatalog:
    """Adds, finds and re-queues the images of an account."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        queue: TaskQueue,
        registries: RegistryStore,
        resolver: Resolver = resolve_image,
    ) -> None:
        self._sessions = sessions
        self._queue = queue
        self._registries = registries
        self._resolve = resolver

    async def add(self, account: str, text: str, platform: Platform | None, force: bool) -> Image:
        """Pin the reference to a digest now and queue the image, unless it is known already.

        A known image is not duplicated: its new reference is recorded, and with `force` it is
        queued again (only from analyzed or analysis_failed).
        """
        reference = parse_user_reference(text)
        credentials = None
        if reference.kind is SourceKind.REGISTRY:
            credentials = await self._registries.credentials(account, reference.registry_host)
        wanted = platform or DEFAULT_PLATFORM
        resolved = await asyncio.to_thread(self._resolve, reference, wanted, credentials)
        offered = resolved.platform
        if platform is not None and offered is not None and not platform_matches(platform, offered):
            raise MissingImageError(f"{reference} is an image for {offered}, not for {platform}")

        async with self._sessions() as session, session.begin():
            image = await self._by_digest(session, account, resolved.digest)
            created = image is None
            if image is None:
                image = self._new_image(account, resolved, wanted)
                session.add(image)
                await session.flush()
                self._queue.enqueue(session, image)
            elif force:
                await self._requeue(session, image)
                self._set_source(image, resolved)
            await self._tag(session, account, image, str(reference))

        await self._queue.notify()
        log.info(
            "image_added",
            image_digest=image.digest,
            reference=str(reference),
            created=created,
            requeued=force and not created,
        )
        return await self.get(account, image.digest)

    async def get(self, account: str, text: str) -> Image:
        async with self._sessions() as session:
            return await self._find(session, account, text)

    async def list(self, account: str) -> list[Image]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Image).where(Image.account == account).order_by(Image.created_at)
            )
            return list(rows)

    async def delete(self, account: str, text: str) -> str:
        """Delete an image and its results; refused while an analyzer works on it."""
        async with self._sessions() as session, session.begin():
            image = await self._find(session, account, text)
            if image.analysis_status == AnalysisStatus.ANALYZING:
                raise ConflictError(
                    f"image {image.digest} is being analyzed; delete it once it is analyzed "
                    "or its analysis has failed"
                )
            digest = image.digest
            await session.delete(image)

        log.info("image_deleted", image_digest=digest)
        return digest

    async def requeue(self, account: str, text: str) -> Image:
        """Queue an analyzed or failed image for analysis again."""
        async with self._sessions() as session, session.begin():
            image = await self._find(session, account, text)
            await self._requeue(session, image)

        await self._queue.notify()
        log.info("image_requeued", image_digest=image.digest)
        return await self.get(account, image.digest)

    async def sbom(self, account: str, text: str) -> sbom_pb2.Sbom:
        """The SBOM of an analyzed image."""
        async with self._sessions() as session:
            image = await self._find(session, account, text)
            if image.analysis_status == AnalysisStatus.ANALYSIS_FAILED:
                raise ConflictError(
                    f"the analysis of image {image.digest} failed: {image.failure_reason}; "
                    "fix the cause, then analyze it again with `lading image add --force`"
                )
            if image.analysis_status != AnalysisStatus.ANALYZED:
                raise ConflictError(
                    f"image {image.digest} is {image.analysis_status}, not analyzed yet; "
                    "its content is known once its analysis completes (`lading image wait`)"
                )
            return await load_sbom(session, image)

    async def _requeue(self, session: AsyncSession, image: Image) -> None:
        """A user's re-queue: only once the analysis has ended. The analyzing -> not_analyzed
        move belongs to lease timeouts and analyzer shutdowns."""
        if image.analysis_status not in USER_REQUEUEABLE:
            raise InvalidTransitionError(
                f"analysis status cannot change from {image.analysis_status} to not_analyzed "
                f"by user request: image {image.digest} is already queued or being analyzed; "
                "only analyzed or analysis_failed images can be re-queued"
            )
        image.analysis_status = check_transition(image.analysis_status, AnalysisStatus.NOT_ANALYZED)
        image.failure_reason = ""
        await self._queue.discard_tasks(session, image)
        self._queue.enqueue(session, image)

    @classmethod
    def _new_image(cls, account: str, resolved: ResolvedImage, platform: Platform) -> Image:
        image = Image(
            account=account,
            digest=resolved.digest,
            image_id=resolved.image_id,
            platform=str(resolved.platform or platform),
            analysis_status=INITIAL_STATUS.value,
        )
        cls._set_source(image, resolved)
        return image

    @staticmethod
    def _set_source(image: Image, resolved: ResolvedImage) -> None:
        """Read the image from where it was last added: a re-analysis with `--force` pulls
        from the reference just given, which may be the only one still reachable."""
        reference = resolved.reference
        image.source_kind = reference.kind.value
        image.source_location = reference.location
        image.source_tag = reference.tag

    @staticmethod
    async def _tag(session: AsyncSession, account: str, image: Image, reference: str) -> None:
        """Point `reference` at `image`, moving it from the image it named before."""
        existing = (
            await session.scalars(
                select(ImageTag).where(ImageTag.account == account, ImageTag.reference == reference)
            )
        ).first()
        if existing is None:
            session.add(ImageTag(account=account, image_pk=image.id, reference=reference))
        elif existing.image_pk != image.id:
            existing.image_pk = image.id

    @staticmethod
    async def _by_digest(session: AsyncSession, account: str, digest: str) -> Image | None:
        rows = await session.scalars(
            select(Image).where(Image.account == account, Image.digest == digest)
        )
        return rows.first()

    async def _find(self, session: AsyncSession, account: str, text: str) -> Image:
        text = text.strip()
        if not text:
            raise InvalidRequestError("an image reference or digest is required")

        if text.startswith("sha256:"):
            image = await self._by_digest(session, account, text)
        else:
            reference = parse_user_reference(text)
            image = None
            if reference.digest:
                image = await self._by_digest(session, account, reference.digest)
            if image is None:
                tag = (
                    await session.scalars(
                        select(ImageTag).where(
                            ImageTag.account == account, ImageTag.reference == str(reference)
                        )
                    )
                ).first()
                image = await session.get(Image, tag.image_pk) if tag else None

        if image is None:
            hint = "" if text.startswith("sha256:") else f"; add it with `lading image add {text}`"
            raise ImageNotFoundError(f"no image {text} in the catalog{hint}")
        return image
