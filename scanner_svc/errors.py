"""Errors of the scanner service. One root; the gRPC edge maps each subclass to a status code."""

from __future__ import annotations


class ScannerError(Exception):
    """The root of every error the scanner raises on purpose.

    `retryable` says whether trying the same request again later could succeed.
    """

    retryable: bool = False


class FeedError(ScannerError):
    """A feed path cannot be used: unreadable, not a directory or zip, or holding no OSV record."""


class FeedPathNotFound(FeedError):
    """The feed path does not exist on the scanner's machine."""


class FeedsNotSynced(ScannerError):
    """No feed has been synced yet, so there is nothing to match packages against."""


class ImageNotFound(ScannerError):
    """The catalog does not know the image digest."""


class ImageNotAnalyzed(ScannerError):
    """The catalog knows the image but has no SBOM for it; the message names its status."""


class SbomUnavailable(ScannerError):
    """The SBOM could not be fetched for a passing reason (the catalog is down or busy)."""

    retryable = True


class PolicyError(ScannerError):
    """A policy document is malformed or uses a gate, trigger or parameter the scanner lacks."""


class InvalidOsvRecord(FeedError):
    """A JSON document looks like an OSV record but a field has the wrong shape."""
