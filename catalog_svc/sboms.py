"""Storing an analyzed image's SBOM and reading it back as the contract's message."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.tables import Image, ImageLayer, ImagePackage
from protos import sbom_pb2


async def replace_sbom(session: AsyncSession, image: Image, sbom: sbom_pb2.Sbom) -> None:
    """Replace whatever the image's previous analysis stored with `sbom`, in the caller's
    transaction, so that a failure leaves the previous results whole."""
    await session.execute(delete(ImagePackage).where(ImagePackage.image_pk == image.id))
    await session.execute(delete(ImageLayer).where(ImageLayer.image_pk == image.id))

    session.add_all(
        ImagePackage(
            image_pk=image.id,
            type=package.type,
            name=package.name,
            version=package.version,
            architecture=package.architecture,
            purl=package.purl,
            source_name=package.source_name,
            source_version=package.source_version,
            path=package.path,
            owned_by=package.owned_by if package.HasField("owned_by") else None,
            files=list(package.files),
            extra=dict(package.metadata),
        )
        for package in sbom.packages
    )
    session.add_all(
        ImageLayer(
            image_pk=image.id,
            position=position,
            digest=layer.digest,
            diff_id=layer.diff_id,
            media_type=layer.media_type,
            size=layer.size,
        )
        for position, layer in enumerate(sbom.layers)
    )

    image.image_id = sbom.image_id or image.image_id
    image.distro_id = sbom.distro.id
    image.distro_version_id = sbom.distro.version_id
    image.distro_codename = sbom.distro.version_codename


async def load_sbom(session: AsyncSession, image: Image) -> sbom_pb2.Sbom:
    """The stored SBOM of an analyzed image."""
    packages = await session.scalars(
        select(ImagePackage).where(ImagePackage.image_pk == image.id).order_by(ImagePackage.id)
    )
    layers = await session.scalars(
        select(ImageLayer).where(ImageLayer.image_pk == image.id).order_by(ImageLayer.position)
    )

    sbom = sbom_pb2.Sbom(
        distro=sbom_pb2.Distro(
            id=image.distro_id,
            version_id=image.distro_version_id,
            version_codename=image.distro_codename,
        ),
        image_id=image.image_id,
    )
    for row in packages:
        package = sbom.packages.add(
            type=row.type,
            name=row.name,
            version=row.version,
            architecture=row.architecture,
            purl=row.purl,
            source_name=row.source_name,
            source_version=row.source_version,
            path=row.path,
            files=row.files,
            metadata={key: str(value) for key, value in row.extra.items()},
        )
        if row.owned_by is not None:
            package.owned_by = row.owned_by
    for layer in layers:
        sbom.layers.add(
            digest=layer.digest, diff_id=layer.diff_id, media_type=layer.media_type, size=layer.size
        )
    return sbom
