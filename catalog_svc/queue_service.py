"""The AnalysisQueue gRPC service: streams tasks to analyzers and takes back their results."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import structlog

from analysis.reference import SourceKind
from catalog_svc.convert import platform_message, source_message, timestamp
from catalog_svc.queue import LeasedTask, TaskQueue
from catalog_svc.registries import RegistryStore
from catalog_svc.service import answer
from common.analyzer_token import TOKEN_FILE, presented
from common.rpc import Context
from protos import queue_pb2, queue_pb2_grpc

log = structlog.get_logger("lading.catalog.queue")

# How often an open stream looks for work that another process queued, in seconds.
POLL_INTERVAL_SECONDS = 2.0
# The most tasks one analyzer stream may hold at once.
MAX_CAPACITY = 16


class AnalysisQueueService(queue_pb2_grpc.AnalysisQueueServicer):
    def __init__(
        self,
        queue: TaskQueue,
        registries: RegistryStore,
        analyzer_token: str,
        poll_interval: float = POLL_INTERVAL_SECONDS,
    ) -> None:
        self._queue = queue
        self._registries = registries
        self._token = analyzer_token
        self._poll_interval = poll_interval

    async def _authorize(self, context: Context) -> None:
        """Only this deployment's analyzers may take tasks: they carry registry credentials."""
        if not presented(context.invocation_metadata(), self._token):
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "the analysis queue needs this deployment's analyzer token "
                f"(the {TOKEN_FILE} file of its data directory)",
            )

    async def PollTask(
        self, request: queue_pb2.PollTaskRequest, context: Context
    ) -> AsyncIterator[queue_pb2.AnalysisTask]:
        """Send tasks while the analyzer has room; re-queue what it holds when it goes away."""
        await self._authorize(context)
        analyzer_id = request.analyzer_id or context.peer()
        capacity = min(max(1, request.capacity), MAX_CAPACITY)
        held: dict[str, str] = {}
        log.info("analyzer_connected", analyzer_id=analyzer_id, capacity=capacity)

        try:
            while True:
                while len(held) < capacity:
                    task = await self._queue.claim(analyzer_id)
                    if task is None:
                        break
                    held[task.task_id] = task.lease_id
                    yield await self._message(task)
                await self._queue.wait_for_change(self._poll_interval)
                held = await self._queue.held(held)
        finally:
            log.info("analyzer_disconnected", analyzer_id=analyzer_id, tasks_held=len(held))
            if held:
                await asyncio.shield(self._queue.release(held.items(), why="analyzer disconnected"))

    async def CompleteTask(
        self, request: queue_pb2.CompleteTaskRequest, context: Context
    ) -> queue_pb2.CompleteTaskResponse:
        await self._authorize(context)
        await answer(context, self._queue.complete(request.task_id, request.lease_id, request.sbom))
        return queue_pb2.CompleteTaskResponse()

    async def FailTask(
        self, request: queue_pb2.FailTaskRequest, context: Context
    ) -> queue_pb2.FailTaskResponse:
        await self._authorize(context)
        await answer(
            context,
            self._queue.fail(request.task_id, request.lease_id, request.reason, request.retryable),
        )
        return queue_pb2.FailTaskResponse()

    async def _message(self, task: LeasedTask) -> queue_pb2.AnalysisTask:
        image = task.image
        message = queue_pb2.AnalysisTask(
            task_id=task.task_id,
            lease_id=task.lease_id,
            image_digest=image.digest,
            account=image.account,
            source=source_message(image),
            platform=platform_message(image.platform),
            attempt=task.attempt,
            lease_expires_at=timestamp(task.lease_expires_at),
        )
        if image.source_kind == SourceKind.REGISTRY.value:
            host = image.source_location.split("/", 1)[0]
            credentials = await self._registries.credentials(image.account, host)
            if credentials is not None:
                message.registry.CopyFrom(
                    queue_pb2.RegistryAccess(
                        insecure=credentials.insecure,
                        username=credentials.username,
                        password=credentials.password,
                    )
                )
        return message
