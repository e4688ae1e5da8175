"""Where the scanner gets an image's SBOM from; the server wiring injects an implementation."""

from __future__ import annotations

from typing import Protocol

from protos import sbom_pb2


class SbomProvider(Protocol):
    """Gives the SBOM of an analyzed image.

    Implementations raise `scanner_svc.errors.ImageNotFound` for a digest the catalog does not
    know, `ImageNotAnalyzed` (its message naming the image's status) when the image has no
    SBOM yet, and `SbomUnavailable` when the catalog cannot answer right now.
    """

    async def get_sbom(self, image_digest: str) -> sbom_pb2.Sbom:
        """The SBOM of the image with manifest digest `image_digest`."""
        ...
