"""Errors of the catalog. The gRPC edge maps each to a status code."""

from __future__ import annotations


class CatalogError(Exception):
    """The root of every error the catalog raises."""


class ImageNotFoundError(CatalogError):
    """No image of the account matches the reference or digest."""


class RegistryNotFoundError(CatalogError):
    """No registry is configured under that host."""


class InvalidRequestError(CatalogError):
    """The request itself is malformed (an empty reference, a relative local path)."""


class InvalidTransitionError(CatalogError):
    """An analysis status change that the state machine does not allow."""


class ConflictError(CatalogError):
    """The request is valid but the image's current state forbids it."""


class LeaseError(CatalogError):
    """A task is completed or failed under a lease that is no longer the task's."""
