"""The analysis queue: tasks waiting for an analyzer, leased to one, then finished.

A task is leased for a bounded time and fenced by its lease id: completing or failing it needs
the lease it was handed out under, so an analyzer whose lease ran out cannot overwrite the work
of the analyzer that took the task next.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog_svc.errors import LeaseError
from catalog_svc.sboms import replace_sbom
from catalog_svc.status import AnalysisStatus, check_transition
from catalog_svc.tables import AnalysisTask, Image, utcnow
from protos import sbom_pb2

log = structlog.get_logger("lading.catalog.queue")

# How long an analyzer holds a task before it is re-queued, in seconds (default one hour).
DEFAULT_LEASE_SECONDS = 3600.0


class TaskState:
    QUEUED = "queued"
    LEASED = "leased"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class LeasedTask:
    """A task as handed to an analyzer."""

    task_id: str
    lease_id: str
    attempt: int
    lease_expires_at: datetime
    image: Image


class TaskQueue:
    """Hands out analysis tasks and records how they end."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._lease = timedelta(seconds=lease_seconds)
        self._changed = asyncio.Condition()

    async def notify(self) -> None:
        """Wake the analyzers' streams: a task was queued or a leased one ended."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_change(self, seconds: float) -> None:
        """Wait until notified, or `seconds`, whichever comes first."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), seconds)

    @staticmethod
    def enqueue(session: AsyncSession, image: Image) -> AnalysisTask:
        """Add a queued task for `image` in the caller's transaction; notify after commit."""
        task = AnalysisTask(id=str(uuid.uuid4()), image_pk=image.id, state=TaskState.QUEUED)
        session.add(task)
        return task

    @staticmethod
    async def discard_tasks(session: AsyncSession, image: Image) -> None:
        """Drop the image's finished tasks before it is queued again."""
        await session.execute(delete(AnalysisTask).where(AnalysisTask.image_pk == image.id))

    async def claim(self, analyzer_id: str) -> LeasedTask | None:
        """Lease the oldest queued task to `analyzer_id`, or None when none is waiting."""
        async with self._sessions() as session, session.begin():
            statement = (
                select(AnalysisTask, Image)
                .join(Image, Image.id == AnalysisTask.image_pk)
                .where(
                    AnalysisTask.state == TaskState.QUEUED,
                    Image.analysis_status == AnalysisStatus.NOT_ANALYZED,
                )
                .order_by(AnalysisTask.created_at, AnalysisTask.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            row = (await session.execute(statement)).first()
            if row is None:
                return None
            task, image = row

            image.analysis_status = check_transition(
                image.analysis_status, AnalysisStatus.ANALYZING
            )
            task.state = TaskState.LEASED
            task.lease_id = str(uuid.uuid4())
            task.analyzer_id = analyzer_id
            task.lease_expires_at = utcnow() + self._lease
            task.attempts += 1

        log.info(
            "task_leased",
            task_id=task.id,
            image_digest=image.digest,
            analyzer_id=analyzer_id,
            attempt=task.attempts,
        )
        return LeasedTask(task.id, task.lease_id, task.attempts, task.lease_expires_at, image)

    async def complete(self, task_id: str, lease_id: str, sbom: sbom_pb2.Sbom) -> Image:
        """Store the analysis result and mark the image analyzed, all in one transaction."""
        async with self._sessions() as session, session.begin():
            task, image = await self._leased(session, task_id, lease_id)
            image.analysis_status = check_transition(image.analysis_status, AnalysisStatus.ANALYZED)
            await replace_sbom(session, image, sbom)
            image.failure_reason = ""
            image.analyzed_at = utcnow()
            task.state = TaskState.DONE
            task.lease_id = ""

        await self.notify()
        log.info(
            "task_completed",
            task_id=task_id,
            image_digest=image.digest,
            analyzer_id=task.analyzer_id,
            packages=len(sbom.packages),
        )
        return image

    async def fail(self, task_id: str, lease_id: str, reason: str, retryable: bool) -> Image:
        """Mark the image's analysis failed, keeping the reason for the user."""
        async with self._sessions() as session, session.begin():
            task, image = await self._leased(session, task_id, lease_id)
            image.analysis_status = check_transition(
                image.analysis_status, AnalysisStatus.ANALYSIS_FAILED
            )
            image.failure_reason = reason
            task.state = TaskState.FAILED
            task.last_error = reason
            task.lease_id = ""

        await self.notify()
        log.warning(
            "task_failed",
            task_id=task_id,
            image_digest=image.digest,
            analyzer_id=task.analyzer_id,
            reason=reason,
            retryable=retryable,
        )
        return image

    async def release(self, leases: Iterable[tuple[str, str]], why: str) -> int:
        """Re-queue the tasks still held under these (task id, lease id) pairs."""
        released: list[tuple[str, str]] = []
        async with self._sessions() as session, session.begin():
            for task_id, lease_id in leases:
                task = await session.get(AnalysisTask, task_id, with_for_update=True)
                if task is None or task.state != TaskState.LEASED or task.lease_id != lease_id:
                    continue
                image = await session.get(Image, task.image_pk, with_for_update=True)
                if image is None:
                    continue
                self._requeue(task, image)
                released.append((task_id, image.digest))

        for task_id, digest in released:
            log.info("task_requeued", task_id=task_id, image_digest=digest, why=why)
        if released:
            await self.notify()
        return len(released)

    async def held(self, leases: dict[str, str]) -> dict[str, str]:
        """The subset of (task id -> lease id) that is still leased under the same lease."""
        if not leases:
            return {}
        async with self._sessions() as session:
            rows = await session.execute(
                select(AnalysisTask.id, AnalysisTask.lease_id).where(
                    AnalysisTask.id.in_(leases), AnalysisTask.state == TaskState.LEASED
                )
            )
            return {task_id: lease for task_id, lease in rows if leases[task_id] == lease}

    async def release_all(self, why: str) -> int:
        """Re-queue every leased task: for a deployment whose analyzers all died with it."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(AnalysisTask.id, AnalysisTask.lease_id).where(
                    AnalysisTask.state == TaskState.LEASED
                )
            )
            leased = [(task_id, lease) for task_id, lease in rows]
        return await self.release(leased, why=why) if leased else 0

    async def reap_expired(self) -> int:
        """Re-queue every task whose lease has run out."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(AnalysisTask.id, AnalysisTask.lease_id).where(
                    AnalysisTask.state == TaskState.LEASED,
                    AnalysisTask.lease_expires_at < utcnow(),
                )
            )
            expired = [(task_id, lease) for task_id, lease in rows]
        return await self.release(expired, why="lease expired") if expired else 0

    async def run_reaper(self, interval: float) -> None:
        """Re-queue expired leases every `interval` seconds until cancelled; a failed round
        (a database that is busy or gone) is logged and tried again next time."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap_expired()
            except Exception:
                log.exception("lease_reaper_failed")

    @staticmethod
    def _requeue(task: AnalysisTask, image: Image) -> None:
        image.analysis_status = check_transition(image.analysis_status, AnalysisStatus.NOT_ANALYZED)
        task.state = TaskState.QUEUED
        task.lease_id = ""
        task.analyzer_id = ""
        task.lease_expires_at = None

    @staticmethod
    async def _leased(
        session: AsyncSession, task_id: str, lease_id: str
    ) -> tuple[AnalysisTask, Image]:
        task = await session.get(AnalysisTask, task_id, with_for_update=True)
        if task is None:
            raise LeaseError(f"no analysis task {task_id} exists (was its image deleted?)")
        if task.state != TaskState.LEASED or task.lease_id != lease_id:
            raise LeaseError(
                f"analysis task {task_id} is no longer held under this lease "
                "(it expired and the task was re-queued, or it already ended)"
            )
        image = await session.get(Image, task.image_pk, with_for_update=True)
        if image is None:
            raise LeaseError(f"the image of analysis task {task_id} no longer exists")
        return task, image
