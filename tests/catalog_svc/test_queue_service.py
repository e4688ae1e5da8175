"""The AnalysisQueue service over real gRPC: the token, streams, and analyzers coming and going."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import grpc
import pytest

from analysis.errors import CorruptImageError
from analysis.model import Distro, Package, PackageType, Sbom
from analysis.platform import DEFAULT_PLATFORM, Platform
from analysis.reference import ImageReference
from analysis.sources import RegistryCredentials
from analyzer_svc.worker import Analyzer
from catalog_svc.queue_service import AnalysisQueueService
from catalog_svc.status import AnalysisStatus
from common.analyzer_token import analyzer_metadata
from protos import queue_pb2, queue_pb2_grpc
from tests.catalog_svc.conftest import Catalog

TOKEN = "test-analyzer-token"
REF = "registry.example:5000/app:1.0"
DIGEST = "sha256:" + "d" * 64


@pytest.fixture
async def channel(catalog: Catalog) -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server()
    queue_pb2_grpc.add_AnalysisQueueServicer_to_server(
        AnalysisQueueService(catalog.queue, catalog.registries, TOKEN, poll_interval=0.1), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as opened:
        yield opened
    await server.stop(None)


async def wait_for_status(catalog: Catalog, status: AnalysisStatus) -> None:
    for _ in range(100):
        if (await catalog.images.get("admin", REF)).analysis_status == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the image never became {status}")


async def test_a_caller_without_the_token_gets_no_task(
    catalog: Catalog, channel: grpc.aio.Channel
) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    stub = queue_pb2_grpc.AnalysisQueueStub(channel)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in stub.PollTask(queue_pb2.PollTaskRequest(analyzer_id="intruder")):
            pass

    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert (await catalog.images.get("admin", REF)).analysis_status == "not_analyzed"


async def test_an_analyzer_that_goes_away_gives_its_task_back(
    catalog: Catalog, channel: grpc.aio.Channel
) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    stub = queue_pb2_grpc.AnalysisQueueStub(channel)

    stream = stub.PollTask(
        queue_pb2.PollTaskRequest(analyzer_id="a1"), metadata=analyzer_metadata(TOKEN)
    )
    task = await stream.read()
    assert isinstance(task, queue_pb2.AnalysisTask)
    assert task.image_digest == DIGEST
    await wait_for_status(catalog, AnalysisStatus.ANALYZING)

    stream.cancel()
    await wait_for_status(catalog, AnalysisStatus.NOT_ANALYZED)


def fake_sbom(_: ImageReference, __: Platform, ___: RegistryCredentials | None) -> Sbom:
    package = Package(PackageType.DEB, "bash", "5.2.15-2+b7", "pkg:deb/debian/bash", "amd64")
    return Sbom(Distro("debian", "12", "bookworm"), (package,))


def corrupt(_: ImageReference, __: Platform, ___: RegistryCredentials | None) -> Sbom:
    raise CorruptImageError("layer sha256:abc is corrupt: unexpected end of data")


@pytest.mark.parametrize(
    ("analyze", "status", "reason"),
    [
        (fake_sbom, AnalysisStatus.ANALYZED, ""),
        (corrupt, AnalysisStatus.ANALYSIS_FAILED, "layer sha256:abc is corrupt"),
    ],
)
async def test_the_worker_reports_each_outcome(
    catalog: Catalog, channel: grpc.aio.Channel, analyze, status, reason
) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    worker = asyncio.create_task(Analyzer(channel, "w1", analyze, token=TOKEN).run())

    try:
        await wait_for_status(catalog, status)
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker

    image = await catalog.images.get("admin", REF)
    assert reason in image.failure_reason
    if status == AnalysisStatus.ANALYZED:
        assert [p.name for p in (await catalog.images.sbom("admin", REF)).packages] == ["bash"]
