"""Catalog records as the contract's messages."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from catalog_svc.status import AnalysisStatus
from catalog_svc.tables import Image, Registry
from protos import catalog_pb2, common_pb2, sbom_pb2

_STATUS = {
    AnalysisStatus.NOT_ANALYZED: common_pb2.ANALYSIS_STATUS_NOT_ANALYZED,
    AnalysisStatus.ANALYZING: common_pb2.ANALYSIS_STATUS_ANALYZING,
    AnalysisStatus.ANALYZED: common_pb2.ANALYSIS_STATUS_ANALYZED,
    AnalysisStatus.ANALYSIS_FAILED: common_pb2.ANALYSIS_STATUS_ANALYSIS_FAILED,
}

_SOURCE_KINDS = {
    "registry": common_pb2.SOURCE_KIND_REGISTRY,
    "docker-archive": common_pb2.SOURCE_KIND_DOCKER_ARCHIVE,
    "oci-archive": common_pb2.SOURCE_KIND_OCI_ARCHIVE,
    "oci-dir": common_pb2.SOURCE_KIND_OCI_DIR,
    "dir": common_pb2.SOURCE_KIND_DIRECTORY,
}
SOURCE_KIND_NAMES = {value: key for key, value in _SOURCE_KINDS.items()}


def timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def platform_message(text: str) -> common_pb2.Platform:
    parts = text.split("/") if text else []
    parts += [""] * (3 - len(parts))
    return common_pb2.Platform(os=parts[0], architecture=parts[1], variant=parts[2])


def source_message(image: Image) -> common_pb2.SourceRef:
    return common_pb2.SourceRef(
        kind=_SOURCE_KINDS[image.source_kind],
        location=image.source_location,
        tag=image.source_tag,
        digest=image.digest if image.source_kind != "dir" else "",
    )


def image_message(image: Image) -> catalog_pb2.Image:
    return catalog_pb2.Image(
        digest=image.digest,
        account=image.account,
        tags=sorted(tag.reference for tag in image.tags),
        source=source_message(image),
        platform=platform_message(image.platform),
        analysis_status=_STATUS[AnalysisStatus(image.analysis_status)],
        failure_reason=image.failure_reason,
        image_id=image.image_id,
        distro=sbom_pb2.Distro(
            id=image.distro_id,
            version_id=image.distro_version_id,
            version_codename=image.distro_codename,
        ),
        created_at=timestamp(image.created_at),
        updated_at=timestamp(image.updated_at),
        analyzed_at=timestamp(image.analyzed_at),
    )


def registry_message(registry: Registry) -> catalog_pb2.Registry:
    return catalog_pb2.Registry(
        host=registry.host,
        insecure=registry.insecure,
        username=registry.username,
        has_password=registry.password_encrypted is not None,
        created_at=timestamp(registry.created_at),
    )
