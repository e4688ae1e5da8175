"""The Scanner gRPC service through grpc.aio on 127.0.0.1, with a fake SBOM provider."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import grpc
import pytest
from structlog.testing import capture_logs

from protos import scanner_pb2, scanner_pb2_grpc
from scanner_svc.service import ScannerServicer
from tests.scanner_svc.conftest import Database
from tests.scanner_svc.support import FakeSbomProvider, sbom_from_groundtruth

DIGEST = "sha256:" + "d" * 64
ANALYZING = "sha256:" + "a" * 64
UNKNOWN = "sha256:" + "0" * 64


@pytest.fixture
async def stub(
    empty_db: Database, provider: FakeSbomProvider, shared: Path
) -> AsyncIterator[scanner_pb2_grpc.ScannerAsyncStub]:
    truth = shared / "images" / "ground-truth" / "debian-python" / "groundtruth.json"
    provider.sboms[DIGEST] = sbom_from_groundtruth(truth)
    provider.statuses[ANALYZING] = "analyzing"

    server = grpc.aio.server()
    scanner_pb2_grpc.add_ScannerServicer_to_server(
        ScannerServicer(empty_db.sessions, provider), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield scanner_pb2_grpc.ScannerStub(channel)
    await server.stop(None)


async def _code_and_details(call: Awaitable[object]) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code(), caught.value.details() or ""


async def test_sync_then_report_and_verdict(
    stub: scanner_pb2_grpc.ScannerAsyncStub, shared: Path
) -> None:
    synced = await stub.SyncFeeds(
        scanner_pb2.SyncFeedsRequest(path=str(shared / "vulndata" / "osv"))
    )
    everything = await stub.GetVulnerabilities(
        scanner_pb2.GetVulnerabilitiesRequest(image_digest=DIGEST)
    )
    os_only = await stub.GetVulnerabilities(
        scanner_pb2.GetVulnerabilitiesRequest(
            image_digest=DIGEST, scope=scanner_pb2.VULNERABILITY_SCOPE_OS
        )
    )
    non_os = await stub.GetVulnerabilities(
        scanner_pb2.GetVulnerabilitiesRequest(
            image_digest=DIGEST, scope=scanner_pb2.VULNERABILITY_SCOPE_NON_OS
        )
    )
    verdict = await stub.EvaluatePolicy(scanner_pb2.EvaluatePolicyRequest(image_digest=DIGEST))

    assert {f.ecosystem: f.records for f in synced.feeds} == {
        "Debian:12": 72,
        "Go": 4291,
        "Maven": 3,
        "PyPI": 2661,
        "npm": 12,
    }
    assert (synced.records, synced.withdrawn, synced.skipped) == (7039, 27, 0)
    assert (len(everything.findings), len(os_only.findings), len(non_os.findings)) == (143, 130, 13)
    assert everything.feeds_synced_at == synced.synced_at
    werkzeug = next(f for f in everything.findings if f.id == "PYSEC-2023-221")
    assert (werkzeug.severity, werkzeug.fixed_in, list(werkzeug.aliases)) == (
        "high",
        "2.3.8",
        ["CVE-2023-46136", "GHSA-hrfv-mqp8-q5rw"],
    )
    assert (verdict.image_digest, verdict.policy_id) == (DIGEST, "lading-default")
    assert verdict.final_action == scanner_pb2.POLICY_ACTION_STOP
    first_stop = next(t for t in verdict.triggers if t.action == scanner_pb2.POLICY_ACTION_STOP)
    assert (first_stop.gate, first_stop.trigger, first_stop.trigger_id, first_stop.rule_id) == (
        "vulnerabilities",
        "package",
        "PYSEC-2023-221+Werkzeug-1.0.1.dist-info",
        "default-fixable-high",
    )


async def test_an_unknown_image_is_not_found(
    stub: scanner_pb2_grpc.ScannerAsyncStub, shared: Path
) -> None:
    await stub.SyncFeeds(scanner_pb2.SyncFeedsRequest(path=str(shared / "cases" / "C18" / "osv")))

    report = await _code_and_details(
        stub.GetVulnerabilities(scanner_pb2.GetVulnerabilitiesRequest(image_digest=UNKNOWN))
    )
    verdict = await _code_and_details(
        stub.EvaluatePolicy(scanner_pb2.EvaluatePolicyRequest(image_digest=UNKNOWN))
    )

    assert report == verdict == (grpc.StatusCode.NOT_FOUND, f"no image with digest {UNKNOWN}")


async def test_an_image_not_analyzed_is_a_failed_precondition(
    stub: scanner_pb2_grpc.ScannerAsyncStub, shared: Path
) -> None:
    await stub.SyncFeeds(scanner_pb2.SyncFeedsRequest(path=str(shared / "cases" / "C18" / "osv")))

    code, details = await _code_and_details(
        stub.GetVulnerabilities(scanner_pb2.GetVulnerabilitiesRequest(image_digest=ANALYZING))
    )

    assert (code, details) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        f"image {ANALYZING} is analyzing, not analyzed",
    )


async def test_reports_before_any_sync_ask_for_one(
    stub: scanner_pb2_grpc.ScannerAsyncStub,
) -> None:
    code, details = await _code_and_details(
        stub.GetVulnerabilities(scanner_pb2.GetVulnerabilitiesRequest(image_digest=DIGEST))
    )

    assert code == grpc.StatusCode.FAILED_PRECONDITION
    assert "run a feed sync first" in details


async def test_bad_feed_paths_are_refused(
    stub: scanner_pb2_grpc.ScannerAsyncStub, tmp_path: Path
) -> None:
    (tmp_path / "file.txt").write_text("not a feed")

    missing = await _code_and_details(
        stub.SyncFeeds(scanner_pb2.SyncFeedsRequest(path=str(tmp_path / "missing")))
    )
    not_a_feed = await _code_and_details(
        stub.SyncFeeds(scanner_pb2.SyncFeedsRequest(path=str(tmp_path / "file.txt")))
    )
    empty = await _code_and_details(stub.SyncFeeds(scanner_pb2.SyncFeedsRequest(path="")))

    assert missing == (
        grpc.StatusCode.NOT_FOUND,
        f"feed path {tmp_path / 'missing'} does not exist on the scanner's machine",
    )
    assert not_a_feed[0] == grpc.StatusCode.INVALID_ARGUMENT
    assert "neither a directory nor a zip archive" in not_a_feed[1]
    assert empty == (grpc.StatusCode.INVALID_ARGUMENT, "a feed path is required")


async def test_one_log_event_per_step(
    stub: scanner_pb2_grpc.ScannerAsyncStub, shared: Path
) -> None:
    with capture_logs() as events:
        await stub.SyncFeeds(
            scanner_pb2.SyncFeedsRequest(path=str(shared / "cases" / "C18" / "osv"))
        )
        await stub.GetVulnerabilities(scanner_pb2.GetVulnerabilitiesRequest(image_digest=DIGEST))
        await stub.EvaluatePolicy(scanner_pb2.EvaluatePolicyRequest(image_digest=DIGEST))

    assert [e["event"] for e in events] == [
        "feeds_synced",
        "image_scanned",
        "image_scanned",
        "policy_evaluated",
    ]
    assert events[0]["counts"] == {"Debian:12": 4, "PyPI": 4}
    assert [(e["image_digest"], e["findings"], e["reused"]) for e in events[1:3]] == [
        (DIGEST, 1, False),
        (DIGEST, 1, True),
    ]
    assert events[3]["final_action"] == "WARN"
