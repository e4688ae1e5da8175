"""The scanner's way to an image's SBOM: the catalog's GetImageSbom, over gRPC."""

from __future__ import annotations

import grpc

from protos import catalog_pb2, catalog_pb2_grpc, sbom_pb2
from scanner_svc.errors import ImageNotAnalyzed, ImageNotFound, SbomUnavailable

# How long one SBOM fetch may take, in seconds.
FETCH_TIMEOUT_SECONDS = 120.0


class CatalogSbomProvider:
    """Fetches SBOMs from the catalog service that `channel` reaches."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._catalog = catalog_pb2_grpc.CatalogStub(channel)

    async def get_sbom(self, image_digest: str) -> sbom_pb2.Sbom:
        try:
            sbom: sbom_pb2.Sbom = await self._catalog.GetImageSbom(
                catalog_pb2.GetImageSbomRequest(reference=image_digest),
                timeout=FETCH_TIMEOUT_SECONDS,
            )
        except grpc.aio.AioRpcError as error:
            details = error.details() or ""
            if error.code() is grpc.StatusCode.NOT_FOUND:
                raise ImageNotFound(details) from error
            if error.code() is grpc.StatusCode.FAILED_PRECONDITION:
                raise ImageNotAnalyzed(details) from error
            raise SbomUnavailable(
                f"the catalog could not give the SBOM of {image_digest}: {details}"
            ) from error
        return sbom
