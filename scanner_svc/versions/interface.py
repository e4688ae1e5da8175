"""What a version scheme offers the range evaluator: parsing to totally ordered values."""

from __future__ import annotations

from typing import Any, Protocol


class ParsedVersion(Protocol):
    """A version value ordered within its scheme (only compared to values of the same one)."""

    def __lt__(self, other: Any, /) -> bool: ...

    def __le__(self, other: Any, /) -> bool: ...

    def __eq__(self, other: object, /) -> bool: ...


class VersionScheme(Protocol):
    """An ecosystem's version syntax and order."""

    name: str

    def parse(self, text: str) -> ParsedVersion | None:
        """The version `text` denotes, or None when the scheme cannot read it."""
        ...
