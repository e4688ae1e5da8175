"""The JSON shapes the CLI prints: stable keys, named the way users of syft and grype expect."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from protos import catalog_pb2, common_pb2, sbom_pb2, scanner_pb2

STATUS_NAMES = {
    common_pb2.ANALYSIS_STATUS_NOT_ANALYZED: "not_analyzed",
    common_pb2.ANALYSIS_STATUS_ANALYZING: "analyzing",
    common_pb2.ANALYSIS_STATUS_ANALYZED: "analyzed",
    common_pb2.ANALYSIS_STATUS_ANALYSIS_FAILED: "analysis_failed",
}

SOURCE_KIND_NAMES = {
    common_pb2.SOURCE_KIND_REGISTRY: "registry",
    common_pb2.SOURCE_KIND_DOCKER_ARCHIVE: "docker-archive",
    common_pb2.SOURCE_KIND_OCI_ARCHIVE: "oci-archive",
    common_pb2.SOURCE_KIND_OCI_DIR: "oci-dir",
    common_pb2.SOURCE_KIND_DIRECTORY: "dir",
}

# Package types that belong to the distribution rather than to a language ecosystem.
OS_PACKAGE_TYPES = frozenset({"deb", "rpm", "apk"})

ACTION_NAMES = {
    scanner_pb2.POLICY_ACTION_GO: "GO",
    scanner_pb2.POLICY_ACTION_WARN: "WARN",
    scanner_pb2.POLICY_ACTION_STOP: "STOP",
}


def _time(message: Any, field: str) -> str | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")


def platform_text(platform: common_pb2.Platform) -> str:
    return "/".join(part for part in (platform.os, platform.architecture, platform.variant) if part)


def image_view(image: catalog_pb2.Image) -> dict[str, Any]:
    distro = None
    if image.distro.id:
        distro = {
            "id": image.distro.id,
            "version_id": image.distro.version_id,
            "version_codename": image.distro.version_codename,
        }
    return {
        "digest": image.digest,
        "tags": list(image.tags),
        "account": image.account,
        "analysis_status": STATUS_NAMES.get(image.analysis_status, "unknown"),
        "failure_reason": image.failure_reason or None,
        "source": {
            "kind": SOURCE_KIND_NAMES.get(image.source.kind, "unknown"),
            "location": image.source.location,
            "tag": image.source.tag or None,
        },
        "platform": platform_text(image.platform),
        "image_id": image.image_id or None,
        "distro": distro,
        "created_at": _time(image, "created_at"),
        "updated_at": _time(image, "updated_at"),
        "analyzed_at": _time(image, "analyzed_at"),
    }


def package_view(package: sbom_pb2.Package) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": package.name,
        "version": package.version,
        "type": package.type,
        "purl": package.purl,
        "architecture": package.architecture or None,
    }
    if package.type in OS_PACKAGE_TYPES:
        view["source"] = package.source_name
        view["source_version"] = package.source_version
    else:
        view["path"] = package.path
        view["owned_by"] = package.owned_by if package.HasField("owned_by") else None
    return view


def finding_view(finding: scanner_pb2.Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "aliases": list(finding.aliases),
        "severity": finding.severity,
        "type": finding.type,
        "package": finding.package,
        "version": finding.version,
        "source_package": finding.source_package or None,
        "fixed_in": finding.fixed_in if finding.HasField("fixed_in") else None,
        "path": finding.path or None,
        "purl": finding.purl,
        "ecosystem": finding.ecosystem,
    }


def evaluation_view(evaluation: scanner_pb2.PolicyEvaluation) -> dict[str, Any]:
    return {
        "image_digest": evaluation.image_digest,
        "policy_id": evaluation.policy_id,
        "final_action": ACTION_NAMES.get(evaluation.final_action, "unknown"),
        "triggers": [
            {
                "gate": trigger.gate,
                "trigger": trigger.trigger,
                "action": ACTION_NAMES.get(trigger.action, "unknown"),
                "trigger_id": trigger.trigger_id,
                "rule_id": trigger.rule_id,
                "message": trigger.message,
            }
            for trigger in evaluation.triggers
        ],
        "evaluated_at": _time(evaluation, "evaluated_at"),
    }


def registry_view(registry: catalog_pb2.Registry) -> dict[str, Any]:
    return {
        "host": registry.host,
        "insecure": registry.insecure,
        "username": registry.username or None,
        "has_password": registry.has_password,
        "created_at": _time(registry, "created_at"),
    }


def sync_view(response: scanner_pb2.SyncFeedsResponse) -> dict[str, Any]:
    return {
        "records": response.records,
        "withdrawn": response.withdrawn,
        "skipped": response.skipped,
        "skipped_files": list(response.skipped_files),
        "feeds": {feed.ecosystem: feed.records for feed in response.feeds},
        "synced_at": _time(response, "synced_at"),
    }
