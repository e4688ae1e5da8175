"""The Scanner gRPC service (grpc.aio): feed syncs, vulnerability reports, policy verdicts.

Library code raises; this edge logs one event per completed step and turns scanner errors
into status codes with messages a user can act on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, TypeVar

import grpc
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.rpc import Context
from protos import scanner_pb2, scanner_pb2_grpc
from scanner_svc.errors import ScannerError
from scanner_svc.feeds.store import sync_feeds
from scanner_svc.findings import Finding
from scanner_svc.grpc_errors import status_code
from scanner_svc.messages import evaluation_message, report_message, sync_response
from scanner_svc.policy.default import DEFAULT_POLICY
from scanner_svc.policy.evaluation import evaluate_policy, validate_policy
from scanner_svc.policy.gates import PolicyInput
from scanner_svc.policy.model import Policy
from scanner_svc.provider import SbomProvider
from scanner_svc.scanning import Scanner, ScanResult

log = structlog.get_logger("lading.scanner")

_T = TypeVar("_T")


class ScannerServicer(scanner_pb2_grpc.ScannerServicer):
    """Serves the Scanner contract over the scanner's tables and an injected SBOM provider."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        sbom_provider: SbomProvider,
        policy: Policy = DEFAULT_POLICY,
    ) -> None:
        """`sessions` open sessions on the database holding the scanner's tables (see
        `scanner_svc.tables.create_tables`); `policy` is checked now, so a policy using an
        unsupported gate fails at start rather than at the first evaluation."""
        validate_policy(policy)
        self._sessions = sessions
        self._scanner = Scanner(sessions, sbom_provider)
        self._policy = policy

    async def SyncFeeds(
        self, request: scanner_pb2.SyncFeedsRequest, context: Context
    ) -> scanner_pb2.SyncFeedsResponse:
        """Replace the feed with the OSV records under `request.path` (directory or zip)."""
        if not request.path:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "a feed path is required")

        result = await _answer(context, sync_feeds(self._sessions, Path(request.path)))

        log.info(
            "feeds_synced",
            path=result.path,
            generation=result.generation,
            records=result.records,
            withdrawn=result.withdrawn,
            skipped=len(result.skipped),
            counts=result.counts,
        )
        return sync_response(result)

    async def GetVulnerabilities(
        self, request: scanner_pb2.GetVulnerabilitiesRequest, context: Context
    ) -> scanner_pb2.VulnerabilityReport:
        """The image's findings within the requested scope (all, OS packages, or others)."""
        if request.scope not in _SCOPES:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"unknown vulnerability scope {request.scope}"
            )

        result = await self._scan(request.image_digest, context)

        findings = [f for f in result.findings if _SCOPES[request.scope](f)]
        return report_message(result.image_digest, findings, result.feeds_synced_at)

    async def EvaluatePolicy(
        self, request: scanner_pb2.EvaluatePolicyRequest, context: Context
    ) -> scanner_pb2.PolicyEvaluation:
        """The policy verdict on the image's findings: triggers fired and the final action."""
        result = await self._scan(request.image_digest, context)

        evaluation = evaluate_policy(
            self._policy, PolicyInput(result.image_digest, result.findings)
        )

        log.info(
            "policy_evaluated",
            image_digest=result.image_digest,
            policy_id=evaluation.policy_id,
            final_action=evaluation.final_action.value,
            triggers=len(evaluation.triggers),
        )
        return evaluation_message(result.image_digest, evaluation, datetime.now(UTC))

    async def _scan(self, image_digest: str, context: Context) -> ScanResult:
        """Scan (or reuse the stored scan of) an image, aborting the call on a scanner error."""
        if not image_digest:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "an image digest is required")

        result = await _answer(context, self._scanner.scan(image_digest))

        log.info(
            "image_scanned",
            image_digest=image_digest,
            findings=len(result.findings),
            generation=result.generation,
            reused=result.reused,
        )
        return result


_SCOPES: dict[int, Callable[[Finding], bool]] = {
    scanner_pb2.VULNERABILITY_SCOPE_ALL: lambda _finding: True,
    scanner_pb2.VULNERABILITY_SCOPE_OS: lambda finding: finding.is_os,
    scanner_pb2.VULNERABILITY_SCOPE_NON_OS: lambda finding: not finding.is_os,
}


async def _answer(context: Context, work: Awaitable[_T]) -> _T:
    """The result of `work`; a scanner error aborts the call with its status code."""
    try:
        return await work
    except ScannerError as error:
        await _abort(context, error)


async def _abort(context: Context, error: ScannerError) -> NoReturn:
    """End the call with the error's status code and message, and log why."""
    code = status_code(error)
    log.warning("scanner_request_failed", code=code.name, reason=str(error))
    await context.abort(code, str(error))
