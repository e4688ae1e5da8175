"""Conversions from the scanner's results to its gRPC messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from protos import scanner_pb2
from scanner_svc.feeds.store import SyncResult
from scanner_svc.findings import Finding
from scanner_svc.policy.evaluation import PolicyResult
from scanner_svc.policy.model import Action

_ACTIONS = {
    Action.GO: scanner_pb2.POLICY_ACTION_GO,
    Action.WARN: scanner_pb2.POLICY_ACTION_WARN,
    Action.STOP: scanner_pb2.POLICY_ACTION_STOP,
}


def timestamp(moment: datetime) -> Timestamp:
    """A protobuf timestamp of an aware datetime."""
    message = Timestamp()
    message.FromDatetime(moment)
    return message


def sync_response(result: SyncResult) -> scanner_pb2.SyncFeedsResponse:
    """The answer to SyncFeeds: counts per ecosystem (sorted) and the files skipped."""
    return scanner_pb2.SyncFeedsResponse(
        feeds=[
            scanner_pb2.FeedCount(ecosystem=ecosystem, records=records)
            for ecosystem, records in sorted(result.counts.items())
        ],
        records=result.records,
        withdrawn=result.withdrawn,
        skipped=len(result.skipped),
        skipped_files=[skipped.name for skipped in result.skipped],
        synced_at=timestamp(result.synced_at),
    )


def finding_message(finding: Finding) -> scanner_pb2.Finding:
    """One finding; `fixed_in` is left unset when no fix is known."""
    message = scanner_pb2.Finding(
        id=finding.id,
        aliases=finding.aliases,
        severity=finding.severity.value,
        type=finding.type,
        package=finding.package,
        version=finding.version,
        source_package=finding.source_package,
        path=finding.path,
        purl=finding.purl,
        ecosystem=finding.ecosystem,
        summary=finding.summary,
        architecture=finding.architecture,
        source_version=finding.source_version,
    )
    if finding.fixed_in is not None:
        message.fixed_in = finding.fixed_in
    return message


def report_message(
    image_digest: str, findings: Iterable[Finding], feeds_synced_at: datetime
) -> scanner_pb2.VulnerabilityReport:
    """The answer to GetVulnerabilities."""
    return scanner_pb2.VulnerabilityReport(
        image_digest=image_digest,
        findings=[finding_message(f) for f in findings],
        feeds_synced_at=timestamp(feeds_synced_at),
    )


def evaluation_message(
    image_digest: str, result: PolicyResult, evaluated_at: datetime
) -> scanner_pb2.PolicyEvaluation:
    """The answer to EvaluatePolicy."""
    return scanner_pb2.PolicyEvaluation(
        image_digest=image_digest,
        policy_id=result.policy_id,
        final_action=_ACTIONS[result.final_action],
        triggers=[
            scanner_pb2.PolicyTrigger(
                gate=t.gate,
                trigger=t.trigger,
                action=_ACTIONS[t.action],
                message=t.message,
                trigger_id=t.trigger_id,
                rule_id=t.rule_id,
            )
            for t in result.triggers
        ],
        evaluated_at=timestamp(evaluated_at),
    )
