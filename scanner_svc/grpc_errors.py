"""How the scanner's errors reach a gRPC client: one status code per error type."""

from __future__ import annotations

import grpc

from scanner_svc import errors

_CODES: list[tuple[type[errors.ScannerError], grpc.StatusCode]] = [
    (errors.FeedPathNotFound, grpc.StatusCode.NOT_FOUND),
    (errors.FeedError, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.FeedsNotSynced, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.ImageNotFound, grpc.StatusCode.NOT_FOUND),
    (errors.ImageNotAnalyzed, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.SbomUnavailable, grpc.StatusCode.UNAVAILABLE),
    (errors.PolicyError, grpc.StatusCode.FAILED_PRECONDITION),
]


def status_code(error: errors.ScannerError) -> grpc.StatusCode:
    """The status code a client sees for `error` (subclasses before their parents);
    INTERNAL for a scanner error without a mapping of its own."""
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL
