"""Errors of the analysis library. Each says whether trying again could help."""

from __future__ import annotations


class AnalysisError(Exception):
    """The root of every error the analysis library raises."""

    retryable: bool = False


class InvalidReferenceError(AnalysisError):
    """The image reference or local source specification cannot be parsed."""


class ImageNotFoundError(AnalysisError):
    """The registry or local source does not hold the image, tag or platform asked for."""


class RegistryUnavailableError(AnalysisError):
    """The registry could not be reached or answered with a server error."""

    retryable = True


class RegistryAuthError(AnalysisError):
    """The registry refused the credentials, or needs some and none were given."""


class CorruptImageError(AnalysisError):
    """A manifest, config or layer cannot be read (bad JSON, a broken tar, bad compression)."""


class DigestMismatchError(CorruptImageError):
    """A blob's content does not match the digest that names it."""


class AnalysisLimitError(AnalysisError):
    """The image holds more than the analysis reads: a file a cataloger reads that is over
    the per-file limit, or more wanted content than the per-image limit. The analysis stops
    rather than report an image without what it could not read."""
