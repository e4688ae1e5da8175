"""A directory taken as an image's already squashed root filesystem (`dir:PATH`).

The directory is walked once without following symlinks, to index it; file content is read
from disk only when asked for. Symlinks resolve inside the index with the image-root rules of
`analysis.squash`, so a link such as `etc/motd -> /etc/shadow` names `PATH/etc/shadow`, never
the host's file; and a file is opened only after checking that no component of its host path
has become a symlink since the walk.

A directory has no manifest or config: its digest is `sha256:` + the sha256 of the normalized
reference text (`dir:/abs/path`), stable for one path, and its image id is empty.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from analysis.digest import sha256_digest
from analysis.errors import ImageNotFoundError
from analysis.filesystem import EntryKind
from analysis.layers import DEFAULT_MAX_FILE_BYTES, file_too_large
from analysis.reference import ImageReference
from analysis.sources.model import ImageContent, ResolvedImage
from analysis.squash import FileTree, Node


def directory_digest(reference: ImageReference) -> str:
    """The digest that stands for a `dir:` source: that of its normalized reference text."""
    return sha256_digest(str(reference).encode())


class DirectoryFileSystem(FileTree):
    """The files under a host directory, as if that directory were `/`.

    `keep` and `max_file_bytes` (bytes) decide which files `read` returns, as for images,
    so that a directory and an image of the same files give the same results: reading a
    wanted file over the limit raises AnalysisLimitError, as it does for an image.
    """

    def __init__(
        self,
        root: str,
        keep: Callable[[str], bool],
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        super().__init__(max_file_bytes)
        self._host_root = os.path.realpath(root)
        self._keep = keep
        self._index()

    def _index(self) -> None:
        """Walk the directory once, symlinks not followed.

        A subdirectory that cannot be listed (permissions) stays in the index, empty.
        """
        pending: list[tuple[str, Node]] = [(self._host_root, self._root)]
        while pending:
            host_dir, node = pending.pop()
            try:
                with os.scandir(host_dir) as listing:
                    found = list(listing)
            except OSError:
                continue

            children = node.children
            assert children is not None
            for item in found:
                child = self._node(item)
                if child is None:
                    continue
                children[item.name] = child
                if child.children is not None:
                    pending.append((item.path, child))

    @staticmethod
    def _node(item: os.DirEntry[str]) -> Node | None:
        """The index node of one directory entry, or None if it vanished meanwhile."""
        try:
            info = item.stat(follow_symlinks=False)
            link_target = os.readlink(item.path) if stat.S_ISLNK(info.st_mode) else ""
        except OSError:
            return None

        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            return Node(EntryKind.SYMLINK, 0, mode=mode, link_target=link_target)
        if stat.S_ISDIR(info.st_mode):
            return Node(EntryKind.DIRECTORY, 0, mode=mode)
        if stat.S_ISREG(info.st_mode):
            return Node(EntryKind.FILE, 0, size=info.st_size, mode=mode)
        return Node(EntryKind.OTHER, 0, mode=mode)

    def _content(self, path: str, node: Node) -> bytes | None:
        """Read a kept file from disk, refusing any host path that leaves the root."""
        if not self._keep(path):
            return None
        if node.size > self._max_file_bytes:
            raise file_too_large(path, node.size, self._max_file_bytes)

        host_path = os.path.join(self._host_root, path.lstrip("/"))
        if os.path.realpath(os.path.dirname(host_path)) != os.path.dirname(host_path):
            return None

        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(host_path, flags)
        except OSError:
            return None
        with os.fdopen(descriptor, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            if info.st_size > self._max_file_bytes:
                raise file_too_large(path, info.st_size, self._max_file_bytes)
            data = file.read(self._max_file_bytes + 1)

        # The file may have grown since it was indexed, even while it was read.
        if len(data) > self._max_file_bytes:
            raise file_too_large(path, len(data), self._max_file_bytes)
        return data


def read_directory(
    reference: ImageReference,
    keep: Callable[[str], bool],
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ImageContent:
    """Index a `dir:` source; its files are read lazily through the returned filesystem."""
    resolved = resolve_directory(reference)
    filesystem = DirectoryFileSystem(reference.location, keep, max_file_bytes)
    return ImageContent(resolved.digest, "", (), filesystem)


def resolve_directory(reference: ImageReference) -> ResolvedImage:
    """Check that a `dir:` source exists; its digest stands for its reference text."""
    if not os.path.isdir(reference.location):
        state = "is not a directory" if os.path.exists(reference.location) else "does not exist"
        raise ImageNotFoundError(f"directory {reference.location} {state}")
    return ResolvedImage(reference, directory_digest(reference), "", None)
