"""Images move through the queue with leases that fence completion."""

from __future__ import annotations

import asyncio

import pytest

from analysis.platform import DEFAULT_PLATFORM
from catalog_svc.errors import ConflictError, ImageNotFoundError, InvalidTransitionError, LeaseError
from catalog_svc.status import AnalysisStatus
from protos import sbom_pb2
from tests.catalog_svc.conftest import Catalog

REF = "registry.example:5000/app:1.0"
DIGEST = "sha256:" + "a" * 64


def sbom() -> sbom_pb2.Sbom:
    message = sbom_pb2.Sbom(distro=sbom_pb2.Distro(id="debian", version_id="12"))
    message.packages.add(type="deb", name="bash", version="5.2.15-2+b7", architecture="amd64")
    python = message.packages.add(type="python", name="six", version="1.16.0", path="/x")
    python.owned_by = "python3-six"
    return message


async def test_add_queues_once_and_does_not_duplicate(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST

    first = await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    second = await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)

    assert first.digest == second.digest == DIGEST
    assert first.analysis_status == AnalysisStatus.NOT_ANALYZED
    assert len(await catalog.images.list("admin")) == 1
    assert (await catalog.images.get("admin", REF)).digest == DIGEST
    assert (await catalog.images.get("admin", DIGEST)).digest == DIGEST


async def test_unknown_reference_is_refused_before_anything_is_stored(catalog: Catalog) -> None:
    from analysis.errors import ImageNotFoundError as MissingImage

    with pytest.raises(MissingImage):
        await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    assert await catalog.images.list("admin") == []


async def test_lease_complete_and_read_back(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)

    task = await catalog.queue.claim("analyzer-1")
    assert task is not None
    assert (await catalog.images.get("admin", REF)).analysis_status == AnalysisStatus.ANALYZING
    assert await catalog.queue.claim("analyzer-2") is None

    with pytest.raises(LeaseError):
        await catalog.queue.complete(task.task_id, "not-the-lease", sbom())
    await catalog.queue.complete(task.task_id, task.lease_id, sbom())

    image = await catalog.images.get("admin", REF)
    assert image.analysis_status == AnalysisStatus.ANALYZED
    assert image.distro_id == "debian"
    stored = await catalog.images.sbom("admin", REF)
    assert [(p.type, p.name) for p in stored.packages] == [("deb", "bash"), ("python", "six")]
    assert stored.packages[1].owned_by == "python3-six"
    assert not stored.packages[0].HasField("owned_by")


async def test_failure_keeps_the_reason_and_force_requeues(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    task = await catalog.queue.claim("analyzer-1")
    assert task is not None

    await catalog.queue.fail(task.task_id, task.lease_id, "layer sha256:x is corrupt", False)
    image = await catalog.images.get("admin", REF)
    assert image.analysis_status == AnalysisStatus.ANALYSIS_FAILED
    assert image.failure_reason == "layer sha256:x is corrupt"

    again = await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=True)
    assert again.analysis_status == AnalysisStatus.NOT_ANALYZED
    assert again.failure_reason == ""
    assert await catalog.queue.claim("analyzer-1") is not None


async def test_force_while_queued_names_both_states(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)

    with pytest.raises(InvalidTransitionError, match="from not_analyzed to not_analyzed"):
        await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=True)


async def test_release_and_expiry_requeue(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    task = await catalog.queue.claim("analyzer-1")
    assert task is not None

    assert await catalog.queue.release([(task.task_id, task.lease_id)], why="shutdown") == 1
    assert (await catalog.images.get("admin", REF)).analysis_status == AnalysisStatus.NOT_ANALYZED
    with pytest.raises(LeaseError):
        await catalog.queue.complete(task.task_id, task.lease_id, sbom())

    expired = TaskQueueWithoutLease(catalog)
    retaken = await expired.claim("analyzer-2")
    assert retaken is not None and retaken.attempt == 2
    assert await expired.reap_expired() == 1
    assert (await catalog.images.get("admin", REF)).analysis_status == AnalysisStatus.NOT_ANALYZED


def TaskQueueWithoutLease(catalog: Catalog):
    """A queue over the same database whose leases run out at once."""
    from catalog_svc.queue import TaskQueue

    return TaskQueue(catalog.queue._sessions, lease_seconds=-1)


async def test_delete_and_missing(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    task = await catalog.queue.claim("analyzer-1")
    assert task is not None

    with pytest.raises(ConflictError):
        await catalog.images.delete("admin", REF)
    await catalog.queue.complete(task.task_id, task.lease_id, sbom())
    assert await catalog.images.delete("admin", REF) == DIGEST
    with pytest.raises(ImageNotFoundError):
        await catalog.images.get("admin", REF)


async def test_concurrent_claims_lease_a_task_once(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)

    claims = await asyncio.gather(*(catalog.queue.claim(f"analyzer-{n}") for n in range(4)))

    assert len([claim for claim in claims if claim is not None]) == 1


async def test_completion_racing_a_release_has_one_winner(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    task = await catalog.queue.claim("analyzer-1")
    assert task is not None

    outcomes = await asyncio.gather(
        catalog.queue.complete(task.task_id, task.lease_id, sbom()),
        catalog.queue.release([(task.task_id, task.lease_id)], why="shutdown"),
        return_exceptions=True,
    )

    image = await catalog.images.get("admin", REF)
    if isinstance(outcomes[0], LeaseError):
        assert outcomes[1] == 1
        assert image.analysis_status == AnalysisStatus.NOT_ANALYZED
    else:
        assert outcomes[1] == 0
        assert image.analysis_status == AnalysisStatus.ANALYZED


async def test_concurrent_adds_of_one_image_make_one_record(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST

    added = await asyncio.gather(
        *(catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False) for _ in range(3))
    )

    assert {image.digest for image in added} == {DIGEST}
    assert len(await catalog.images.list("admin")) == 1


async def test_user_requeue_while_analyzing_is_refused(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    assert await catalog.queue.claim("analyzer-1") is not None

    with pytest.raises(InvalidTransitionError, match="from analyzing to not_analyzed"):
        await catalog.images.requeue("admin", REF)
    assert (await catalog.images.get("admin", REF)).analysis_status == AnalysisStatus.ANALYZING


async def test_release_all_requeues_leftover_leases(catalog: Catalog) -> None:
    catalog.resolver.digests[REF] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    assert await catalog.queue.claim("analyzer-1") is not None

    assert await catalog.queue.release_all(why="deployment restarted") == 1
    assert (await catalog.images.get("admin", REF)).analysis_status == AnalysisStatus.NOT_ANALYZED


async def test_force_reads_from_the_reference_just_given(catalog: Catalog) -> None:
    other = "mirror.example:5000/app:1.0"
    catalog.resolver.digests[REF] = DIGEST
    catalog.resolver.digests[other] = DIGEST
    await catalog.images.add("admin", REF, DEFAULT_PLATFORM, force=False)
    task = await catalog.queue.claim("analyzer-1")
    assert task is not None
    await catalog.queue.fail(task.task_id, task.lease_id, "registry gone", True)

    image = await catalog.images.add("admin", other, DEFAULT_PLATFORM, force=True)

    assert image.source_location == "mirror.example:5000/app"
    assert sorted(tag.reference for tag in image.tags) == sorted([REF, other])


async def test_an_image_for_another_platform_is_refused(catalog: Catalog) -> None:
    from analysis.errors import ImageNotFoundError as MissingImage
    from analysis.platform import Platform

    catalog.resolver.digests[REF] = DIGEST

    with pytest.raises(MissingImage, match="is an image for linux/amd64, not for linux/arm64"):
        await catalog.images.add("admin", REF, Platform("linux", "arm64"), force=False)
    assert await catalog.images.list("admin") == []
