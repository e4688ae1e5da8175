"""An analyzer worker: keeps a PollTask stream open and analyzes each task it receives."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable

import grpc
import structlog

from analysis.analyze import analyze
from analysis.errors import AnalysisError
from analysis.model import Sbom
from analysis.platform import DEFAULT_PLATFORM, Platform
from analysis.reference import ImageReference, SourceKind
from analysis.sources import RegistryCredentials
from analyzer_svc.sbom_message import sbom_message
from common.analyzer_token import analyzer_metadata
from protos import common_pb2, queue_pb2, queue_pb2_grpc

log = structlog.get_logger("lading.analyzer")

Analyze = Callable[[ImageReference, Platform, RegistryCredentials | None], Sbom]

# How long to wait before reconnecting to an unreachable queue, in seconds.
RECONNECT_DELAY_SECONDS = 2.0

_KINDS = {
    common_pb2.SOURCE_KIND_REGISTRY: SourceKind.REGISTRY,
    common_pb2.SOURCE_KIND_DOCKER_ARCHIVE: SourceKind.DOCKER_ARCHIVE,
    common_pb2.SOURCE_KIND_OCI_ARCHIVE: SourceKind.OCI_ARCHIVE,
    common_pb2.SOURCE_KIND_OCI_DIR: SourceKind.OCI_DIR,
    common_pb2.SOURCE_KIND_DIRECTORY: SourceKind.DIRECTORY,
}


def default_analyzer_id() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


def task_reference(task: queue_pb2.AnalysisTask) -> ImageReference:
    source = task.source
    return ImageReference(_KINDS[source.kind], source.location, source.tag, source.digest)


def task_platform(task: queue_pb2.AnalysisTask) -> Platform:
    if not task.platform.architecture:
        return DEFAULT_PLATFORM
    return Platform(task.platform.os, task.platform.architecture, task.platform.variant)


def task_credentials(task: queue_pb2.AnalysisTask) -> RegistryCredentials | None:
    if not task.HasField("registry"):
        return None
    access = task.registry
    return RegistryCredentials(access.username, access.password, access.insecure)


class Analyzer:
    """Takes tasks one at a time and reports each as completed or failed."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        analyzer_id: str | None = None,
        analyze_image: Analyze = analyze,
        token: str = "",
    ) -> None:
        self._queue = queue_pb2_grpc.AnalysisQueueStub(channel)
        self._metadata = analyzer_metadata(token)
        self.analyzer_id = analyzer_id or default_analyzer_id()
        self._analyze = analyze_image
        self._log = log.bind(analyzer_id=self.analyzer_id)

    async def run(self) -> None:
        """Poll for tasks until cancelled. Whatever ends a stream (the queue unreachable, a
        task outcome that could not be sent) is logged and the stream opened again, so that
        one bad moment never stops the analyzer for good."""
        while True:
            stream = self._queue.PollTask(
                queue_pb2.PollTaskRequest(analyzer_id=self.analyzer_id, capacity=1),
                metadata=self._metadata,
            )
            try:
                self._log.info("analyzer_polling")
                async for task in stream:
                    await self.process(task)
            except grpc.aio.AioRpcError as error:
                self._log.warning(
                    "queue_stream_ended", code=error.code().name, details=error.details()
                )
            except Exception:
                self._log.exception("analyzer_loop_failed")
            finally:
                stream.cancel()
            await asyncio.sleep(RECONNECT_DELAY_SECONDS)

    async def process(self, task: queue_pb2.AnalysisTask) -> None:
        """Analyze one task's image and report the outcome under the task's lease."""
        task_log = self._log.bind(task_id=task.task_id, image_digest=task.image_digest)
        task_log.info("analysis_started", attempt=task.attempt)

        try:
            sbom = await asyncio.to_thread(
                self._analyze, task_reference(task), task_platform(task), task_credentials(task)
            )
        except AnalysisError as error:
            task_log.warning("analysis_failed", reason=str(error), retryable=error.retryable)
            await self._fail(task_log, task, str(error), error.retryable)
            return
        except Exception as error:
            task_log.exception("analysis_crashed")
            reason = f"the analyzer failed unexpectedly ({type(error).__name__}: {error})"
            await self._fail(task_log, task, reason, retryable=True)
            return

        task_log.info("analysis_finished", packages=len(sbom.packages))
        await self._report(
            task_log,
            self._queue.CompleteTask(
                metadata=self._metadata,
                request=queue_pb2.CompleteTaskRequest(
                    task_id=task.task_id,
                    lease_id=task.lease_id,
                    analyzer_id=self.analyzer_id,
                    sbom=sbom_message(sbom),
                ),
            ),
        )

    async def _fail(
        self,
        task_log: structlog.stdlib.BoundLogger,
        task: queue_pb2.AnalysisTask,
        reason: str,
        retryable: bool,
    ) -> None:
        await self._report(
            task_log,
            self._queue.FailTask(
                metadata=self._metadata,
                request=queue_pb2.FailTaskRequest(
                    task_id=task.task_id,
                    lease_id=task.lease_id,
                    analyzer_id=self.analyzer_id,
                    reason=reason,
                    retryable=retryable,
                ),
            ),
        )

    @staticmethod
    async def _report(
        task_log: structlog.stdlib.BoundLogger,
        call: grpc.aio.UnaryUnaryCall,  # type: ignore[type-arg]
    ) -> None:
        """Send a task's outcome; when it cannot be delivered the lease runs out and the task
        is queued again, so the failure is logged, not raised."""
        try:
            await call
        except grpc.aio.AioRpcError as error:
            task_log.warning(
                "task_outcome_refused", code=error.code().name, details=error.details()
            )
