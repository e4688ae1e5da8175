"""An in-memory FileSystem for cataloger tests, with the image's chroot symlink semantics."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from analysis.filesystem import Entry, EntryKind

MAX_LINK_HOPS = 40
"""Symlinks followed in one resolution before giving up, as Linux does (ELOOP)."""


@dataclass(frozen=True, slots=True)
class Link:
    """A symlink's target, as written in the image."""

    target: str


class MemoryFileSystem:
    """Files and symlinks held in dictionaries; directories are implied by their children.

    `keep`, like the image reader's, decides which files' contents are readable; the others are
    listed by `entries()` but read as absent, so tests also check what catalogers ask to keep.
    """

    def __init__(
        self, tree: Mapping[str, bytes | Link], keep: Callable[[str], bool] | None = None
    ) -> None:
        self._files: dict[str, bytes | None] = {}
        self._links: dict[str, str] = {}
        self._dirs: set[str] = {"/"}
        for path, node in tree.items():
            if isinstance(node, Link):
                self._links[path] = node.target
            else:
                self._files[path] = node if keep is None or keep(path) else None

            parent = path.rpartition("/")[0]
            while parent:
                self._dirs.add(parent)
                parent = parent.rpartition("/")[0]

    @classmethod
    def from_directory(
        cls, root: Path, keep: Callable[[str], bool] | None = None
    ) -> MemoryFileSystem:
        """The tree under `root` as an image root: regular files and symlinks, links unread."""
        tree: dict[str, bytes | Link] = {}
        for directory, dirnames, filenames in os.walk(root):
            for name in [*dirnames, *filenames]:
                real = Path(directory) / name
                path = "/" + real.relative_to(root).as_posix()
                if real.is_symlink():
                    tree[path] = Link(os.readlink(real))
                elif real.is_file():
                    tree[path] = real.read_bytes()
        return cls(tree, keep)

    def entries(self) -> Iterator[Entry]:
        kinds = {path: EntryKind.DIRECTORY for path in self._dirs if path != "/"}
        kinds.update({path: EntryKind.FILE for path in self._files})
        kinds.update({path: EntryKind.SYMLINK for path in self._links})
        for path in sorted(kinds):
            yield Entry(path=path, kind=kinds[path], link_target=self._links.get(path, ""))

    def resolve(self, path: str) -> str | None:
        pending = list(reversed(path.split("/")))
        current: list[str] = []
        hops = 0
        while pending:
            part = pending.pop()
            if part in ("", "."):
                continue

            if part == "..":
                if current:
                    current.pop()
                continue

            candidate = "/" + "/".join([*current, part])
            target = self._links.get(candidate)
            if target is not None:
                hops += 1
                if hops > MAX_LINK_HOPS:
                    return None

                if target.startswith("/"):
                    current = []
                pending.extend(reversed(target.split("/")))
                continue

            if candidate not in self._dirs and (pending or candidate not in self._files):
                return None
            current.append(part)
        return "/" + "/".join(current)

    def read(self, path: str) -> bytes | None:
        real = self.resolve(path)
        return None if real is None else self._files.get(real)

    def listdir(self, path: str) -> list[str]:
        real = self.resolve(path)
        if real is None or real not in self._dirs:
            return []

        prefix = real.rstrip("/") + "/"
        children = {*self._dirs, *self._files, *self._links}
        return sorted(
            child[len(prefix) :]
            for child in children
            if child.startswith(prefix) and "/" not in child[len(prefix) :] and child != real
        )
