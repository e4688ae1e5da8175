"""Finding the deployment and turning its gRPC answers into messages a user can act on."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import grpc

from client.errors import CliError
from protos import catalog_pb2_grpc, scanner_pb2_grpc

URL_ENV = "LADING_URL"
DEFAULT_URL = "127.0.0.1:8228"
# Messages up to this size (bytes) pass: an SBOM with every owned file is large.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
# How long one call may take before it is abandoned, in seconds.
CALL_TIMEOUT_SECONDS = 600.0

T = TypeVar("T")


def resolve_url(flag: str | None) -> str:
    """`--url`, else `LADING_URL`, else the default address of `lading up`."""
    url = flag or os.environ.get(URL_ENV) or DEFAULT_URL
    # gRPC addresses have no scheme; people paste one anyway.
    return url.removeprefix("http://").removeprefix("https://").rstrip("/")


class Connection:
    """Stubs of the deployment's services over one channel."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._channel = grpc.insecure_channel(
            url,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        self.catalog = catalog_pb2_grpc.CatalogStub(self._channel)
        self.scanner = scanner_pb2_grpc.ScannerStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def call(self, method: Callable[..., T], request: object) -> T:
        """Call `method`, turning an RPC error into a CliError that says what to do."""
        try:
            return method(request, timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            raise CliError(self._explain(error)) from error

    def _explain(self, error: grpc.RpcError) -> str:
        code: grpc.StatusCode = error.code()
        details: str = error.details() or ""
        if code is grpc.StatusCode.UNAVAILABLE and _is_connection_failure(details):
            return (
                f"cannot reach Lading at {self.url}: is `lading up` running there? "
                f"(choose the address with --url or {URL_ENV})"
            )
        return f"{code.name.lower().replace('_', ' ')}: {details}"


def _is_connection_failure(details: str) -> bool:
    """Whether gRPC itself could not reach the deployment (not a registry the server tried)."""
    lowered = details.lower()
    return any(
        phrase in lowered
        for phrase in ("failed to connect to all addresses", "dns resolution failed", "resolving")
    )


@contextmanager
def connect(url: str | None) -> Iterator[Connection]:
    connection = Connection(resolve_url(url))
    try:
        yield connection
    finally:
        connection.close()
