"""The Importer gRPC service. Distributed analysis is not available yet: the service is wired
into the deployment so that clients meet a clear answer rather than an unknown method."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from common.rpc import Context
from protos import catalog_pb2, importer_pb2, importer_pb2_grpc


class ImporterService(importer_pb2_grpc.ImporterServicer):
    async def ImportSbom(
        self,
        request_iterator: AsyncIterator[importer_pb2.ImportSbomChunk],
        context: Context,
    ) -> catalog_pb2.Image:
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "importing the results of distributed analysis is not available in this version; "
            "add the image with `lading image add` for centralized analysis",
        )
        raise AssertionError("abort() always raises")
