"""How the catalog's errors, and the analysis library's, reach a gRPC client."""

from __future__ import annotations

import grpc

from analysis import errors as analysis_errors
from catalog_svc import errors
from common.secretbox import SecretKeyError

_CODES: list[tuple[type[Exception], grpc.StatusCode]] = [
    (errors.ImageNotFoundError, grpc.StatusCode.NOT_FOUND),
    (errors.RegistryNotFoundError, grpc.StatusCode.NOT_FOUND),
    (errors.InvalidRequestError, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.InvalidTransitionError, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.ConflictError, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.LeaseError, grpc.StatusCode.FAILED_PRECONDITION),
    (SecretKeyError, grpc.StatusCode.FAILED_PRECONDITION),
    (analysis_errors.InvalidReferenceError, grpc.StatusCode.INVALID_ARGUMENT),
    (analysis_errors.ImageNotFoundError, grpc.StatusCode.NOT_FOUND),
    (analysis_errors.RegistryUnavailableError, grpc.StatusCode.UNAVAILABLE),
    (analysis_errors.RegistryAuthError, grpc.StatusCode.UNAUTHENTICATED),
    (analysis_errors.CorruptImageError, grpc.StatusCode.FAILED_PRECONDITION),
]

HANDLED: tuple[type[Exception], ...] = tuple(kind for kind, _ in _CODES)


def status_code(error: Exception) -> grpc.StatusCode:
    """The status code a client sees for `error`; INTERNAL for anything unexpected."""
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL
