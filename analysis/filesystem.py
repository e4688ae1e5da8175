"""The squashed root filesystem of an image, as the catalogers see it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class EntryKind(StrEnum):
    FILE = "file"
    DIRECTORY = "dir"
    SYMLINK = "symlink"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Entry:
    """One path of the squashed filesystem; `layer` is the index of the layer that wrote it."""

    path: str
    kind: EntryKind
    size: int = 0
    mode: int = 0
    link_target: str = ""
    layer: int = -1


class FileSystem(Protocol):
    """Read access to an image's final filesystem; paths are absolute inside the image root.

    Symlinks resolve as if the image root were `/`: absolute targets start at the image root and
    `..` never climbs above it. A file whose content the analysis did not keep reads as absent;
    one it wanted but did not hold, being over the per-file limit, raises AnalysisLimitError
    when read, since a cataloger reading it could not give a complete answer.
    """

    def entries(self) -> Iterator[Entry]:
        """Every path of the final filesystem, symlinks not followed."""
        ...

    def resolve(self, path: str) -> str | None:
        """The real path that `path` names after following symlinks, or None if it is absent."""
        ...

    def read(self, path: str) -> bytes | None:
        """The content of the regular file `path` names (symlinks followed), or None.

        Raises AnalysisLimitError for a wanted file over the per-file limit.
        """
        ...

    def listdir(self, path: str) -> list[str]:
        """The names in the directory `path` names (symlinks followed); empty if none."""
        ...
