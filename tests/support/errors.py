"""The one error root of the test infrastructure, so a failing setup names what broke."""

from __future__ import annotations


class SupportError(RuntimeError):
    """A helper service or tool of the test infrastructure could not do its job."""


class RegistryStartError(SupportError):
    """The registry subprocess exited or never answered `GET /v2/`; the message has its log."""


class SkopeoError(SupportError):
    """`skopeo` failed; the message carries its stderr and the command without credentials."""
