"""An analysis result as the contract's SBOM message."""

from __future__ import annotations

import analysis
from analysis.model import Sbom
from protos import sbom_pb2


def sbom_message(sbom: Sbom) -> sbom_pb2.Sbom:
    message = sbom_pb2.Sbom(image_id=sbom.image_id, analyzer_version=analysis.__version__)
    if sbom.distro is not None:
        message.distro.CopyFrom(
            sbom_pb2.Distro(
                id=sbom.distro.id,
                version_id=sbom.distro.version_id,
                version_codename=sbom.distro.version_codename,
            )
        )

    for package in sbom.packages:
        added = message.packages.add(
            type=package.type.value,
            name=package.name,
            version=package.version,
            architecture=package.architecture,
            purl=package.purl,
            source_name=package.source_name,
            source_version=package.source_version,
            path=package.path,
            files=package.files,
            metadata=package.metadata,
        )
        if package.owned_by is not None:
            added.owned_by = package.owned_by

    for layer in sbom.layers:
        message.layers.add(
            digest=layer.digest, diff_id=layer.diff_id, media_type=layer.media_type, size=layer.size
        )
    return message
