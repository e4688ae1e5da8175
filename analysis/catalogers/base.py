"""The contract every cataloger meets, and the path helpers they share."""

from __future__ import annotations

import posixpath
from typing import Protocol

from analysis.filesystem import FileSystem
from analysis.model import Package


class Cataloger(Protocol):
    """Finds one kind of package in an image's squashed filesystem.

    Reading an image is a single pass over its layers, so a cataloger says up front, by the shape
    of a path alone, which files it needs the contents of; every other file is only indexed.
    """

    @property
    def name(self) -> str:
        """A short stable name for the cataloger, such as `dpkg`."""
        ...

    def wants(self, path: str) -> bool:
        """Whether the content of the file at the absolute `path` may be needed by `catalog`.

        The path is the real one, as a layer writes it: a file reached through a symlinked
        directory arrives under its target's name, so matches go on basenames and parent-dir
        names rather than on whole well-known paths.
        """
        ...

    def catalog(self, fs: FileSystem) -> list[Package]:
        """The packages this cataloger finds in `fs`."""
        ...


def basename(path: str) -> str:
    """The last component of a slash-separated path."""
    return path.rpartition("/")[2]


def parent_name(path: str) -> str:
    """The name of the directory holding `path` (empty at the root)."""
    return basename(path.rpartition("/")[0])


def join_normalized(directory: str, relative: str) -> str:
    """`relative` taken from the absolute `directory`, with `.` and `..` folded away.

    `..` never climbs above the root, as in the image itself; an absolute `relative` stands alone.
    """
    joined = posixpath.normpath(posixpath.join(directory, relative))
    return "/" + joined.lstrip("/")
