"""The Catalog gRPC service: images and registries."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import grpc
import structlog
from sqlalchemy.exc import OperationalError

from analysis.platform import Platform
from catalog_svc.convert import image_message, registry_message
from catalog_svc.grpc_errors import HANDLED, status_code
from catalog_svc.images import ImageCatalog
from catalog_svc.registries import RegistryStore
from catalog_svc.tables import DEFAULT_ACCOUNT
from common.rpc import Context
from protos import catalog_pb2, catalog_pb2_grpc, common_pb2, sbom_pb2

T = TypeVar("T")

log = structlog.get_logger("lading.catalog")


def account_of(context: Context) -> str:
    """The account a request acts for; one built-in account until RPCs are authenticated."""
    return DEFAULT_ACCOUNT


async def answer(context: Context, call: Awaitable[T]) -> T:
    """Await `call`, turning a known error into a status code and its message. A busy database
    is UNAVAILABLE (try again); anything unexpected is logged here and reaches the client as
    INTERNAL without its details, which may quote SQL."""
    try:
        return await call
    except HANDLED as error:
        await context.abort(status_code(error), str(error))
        raise  # abort() raises; this line only satisfies the type checker
    except OperationalError as error:
        log.warning("database_unavailable", error=str(error.orig))
        await context.abort(
            grpc.StatusCode.UNAVAILABLE, "the catalog's database is busy or unavailable; try again"
        )
        raise
    except Exception:
        log.exception("catalog_request_failed")
        await context.abort(
            grpc.StatusCode.INTERNAL, "the catalog failed unexpectedly; its log has the details"
        )
        raise


def platform_of(message: common_pb2.Platform) -> Platform | None:
    """The platform asked for, or None when the request names none."""
    if not message.os and not message.architecture:
        return None
    return Platform(message.os or "linux", message.architecture, message.variant)


class CatalogService(catalog_pb2_grpc.CatalogServicer):
    def __init__(self, images: ImageCatalog, registries: RegistryStore) -> None:
        self._images = images
        self._registries = registries

    async def AddImage(
        self, request: catalog_pb2.AddImageRequest, context: Context
    ) -> catalog_pb2.Image:
        image = await answer(
            context,
            self._images.add(
                account_of(context), request.reference, platform_of(request.platform), request.force
            ),
        )
        return image_message(image)

    async def GetImage(
        self, request: catalog_pb2.GetImageRequest, context: Context
    ) -> catalog_pb2.Image:
        image = await answer(context, self._images.get(account_of(context), request.reference))
        return image_message(image)

    async def ListImages(
        self, request: catalog_pb2.ListImagesRequest, context: Context
    ) -> catalog_pb2.ListImagesResponse:
        images = await answer(context, self._images.list(account_of(context)))
        return catalog_pb2.ListImagesResponse(images=[image_message(image) for image in images])

    async def DeleteImage(
        self, request: catalog_pb2.DeleteImageRequest, context: Context
    ) -> catalog_pb2.DeleteImageResponse:
        digest = await answer(context, self._images.delete(account_of(context), request.reference))
        return catalog_pb2.DeleteImageResponse(digest=digest)

    async def RequeueImage(
        self, request: catalog_pb2.RequeueImageRequest, context: Context
    ) -> catalog_pb2.Image:
        image = await answer(context, self._images.requeue(account_of(context), request.reference))
        return image_message(image)

    async def GetImageSbom(
        self, request: catalog_pb2.GetImageSbomRequest, context: Context
    ) -> sbom_pb2.Sbom:
        return await answer(context, self._images.sbom(account_of(context), request.reference))

    async def AddRegistry(
        self, request: catalog_pb2.AddRegistryRequest, context: Context
    ) -> catalog_pb2.Registry:
        registry = await answer(
            context,
            self._registries.add(
                account_of(context),
                request.host,
                request.insecure,
                request.username,
                request.password,
            ),
        )
        return registry_message(registry)

    async def ListRegistries(
        self, request: catalog_pb2.ListRegistriesRequest, context: Context
    ) -> catalog_pb2.ListRegistriesResponse:
        registries = await answer(context, self._registries.list(account_of(context)))
        return catalog_pb2.ListRegistriesResponse(
            registries=[registry_message(registry) for registry in registries]
        )

    async def DeleteRegistry(
        self, request: catalog_pb2.DeleteRegistryRequest, context: Context
    ) -> catalog_pb2.DeleteRegistryResponse:
        await answer(context, self._registries.delete(account_of(context), request.host))
        return catalog_pb2.DeleteRegistryResponse()
