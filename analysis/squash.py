"""The squashed filesystem: layers applied in order, with OCI whiteouts, as a tree of nodes.

A tree (rather than a flat path map) makes the two costly operations cheap: a whiteout drops a
whole subtree by unlinking one node, and a path lookup walks one node per component, which is
what symlink resolution needs anyway.

Layer semantics (OCI image-spec, "Whiteouts"):

- `.wh.<name>` hides `<name>` and everything below it that LOWER layers wrote; entries of the
  whiteout's own layer stay, whatever their order in the tar.
- `.wh..wh..opq` hides every lower-layer child of its directory.
- A later entry for the same path replaces the earlier one; a directory written over a
  directory only updates its metadata and keeps its children.
- A hardlink entry carries the content of the file it names, as it stands when the link is
  applied. The content is there only if it was held when the target was read, so a link
  whose target was not kept (see `keep` in `read_image`) reads as absent.

Every walk over the tree is a loop with its own stack, never a recursion: a layer may nest
directories deeper than Python's recursion limit.

Symlinks resolve with chroot semantics: absolute targets start at the image root, `..` at
the root stays at the root, and a chain of more than MAX_SYMLINK_HOPS links (a loop) resolves
to nothing. No lookup ever leaves the tree, so no host file can be reached.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from analysis.filesystem import Entry, EntryKind
from analysis.layers import DEFAULT_MAX_FILE_BYTES, LayerEntry, file_too_large

# How many symlinks one lookup follows before giving up, as Linux's MAXSYMLINKS (40).
MAX_SYMLINK_HOPS = 40

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"

# The mode a directory gets when a layer writes below it without a directory entry of its own.
_IMPLICIT_DIR_MODE = 0o755


class Node:
    """One path of a FileTree; `children` is set for directories only.

    `too_large` marks a file the catalogers want whose content was not held because it is
    over the per-file limit: reading it raises AnalysisLimitError instead of giving None.
    """

    __slots__ = (
        "children",
        "content",
        "kind",
        "layer",
        "link_target",
        "mode",
        "size",
        "too_large",
    )

    def __init__(
        self,
        kind: EntryKind,
        layer: int,
        *,
        size: int = 0,
        mode: int = 0,
        link_target: str = "",
        content: bytes | None = None,
        too_large: bool = False,
    ) -> None:
        self.kind = kind
        self.layer = layer
        self.size = size
        self.mode = mode
        self.link_target = link_target
        self.content = content
        self.too_large = too_large
        self.children: dict[str, Node] | None = {} if kind is EntryKind.DIRECTORY else None


def _components(path: str) -> list[str]:
    """The names of a path, without empty parts (`/a//b/` gives `["a", "b"]`)."""
    return [part for part in path.split("/") if part]


class FileTree:
    """A root filesystem held as a tree; implements the FileSystem protocol.

    Subclasses decide where file content comes from by overriding `_content`.
    `max_file_bytes` is the per-file limit (bytes) that files marked too large were over;
    it is named in the error that reading one raises.
    """

    def __init__(self, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self._root = Node(EntryKind.DIRECTORY, -1, mode=_IMPLICIT_DIR_MODE)
        self._max_file_bytes = max_file_bytes

    def entries(self) -> Iterator[Entry]:
        """Every path below the root, depth first in name order, symlinks not followed."""
        stack: list[tuple[str, Node]] = [("", self._root)]
        while stack:
            path, node = stack.pop()
            if path:
                yield self._entry(path, node)
            if node.children:
                for name in sorted(node.children, reverse=True):
                    stack.append((f"{path}/{name}", node.children[name]))

    def resolve(self, path: str) -> str | None:
        """The real path `path` names after following every symlink, or None if absent."""
        found = self._lookup(path, follow_last=True)
        return found[0] if found else None

    def read(self, path: str) -> bytes | None:
        """The content of the regular file `path` names, or None (absent or not kept).

        A wanted file over the per-file limit raises AnalysisLimitError naming its real path,
        its size and the limit: a cataloger that needs it cannot give a complete answer.
        """
        found = self._lookup(path, follow_last=True)
        if found is None or found[1].kind is not EntryKind.FILE:
            return None

        real, node = found
        if node.too_large:
            raise file_too_large(real, node.size, self._max_file_bytes)
        return self._content(real, node)

    def listdir(self, path: str) -> list[str]:
        """The sorted names in the directory `path` names; empty if it is not a directory."""
        found = self._lookup(path, follow_last=True)
        if found is None or found[1].children is None:
            return []
        return sorted(found[1].children)

    def entry(self, path: str, *, follow: bool = False) -> Entry | None:
        """The Entry of `path` (its final symlink followed only when `follow`), or None."""
        found = self._lookup(path, follow_last=follow)
        if found is None or found[0] == "/":
            return None
        return self._entry(found[0], found[1])

    def _content(self, path: str, node: Node) -> bytes | None:
        """The content of the file node at the real path `path`: what the node holds."""
        return node.content

    @staticmethod
    def _entry(path: str, node: Node) -> Entry:
        return Entry(path, node.kind, node.size, node.mode, node.link_target, node.layer)

    def _lookup(self, path: str, *, follow_last: bool) -> tuple[str, Node] | None:
        """Walk `path` from the root with chroot semantics; the real path and its node.

        Intermediate symlinks are always followed, the last one only when `follow_last`.
        """
        pending = _components(path)
        pending.reverse()
        resolved: list[tuple[str, Node]] = []
        hops = 0

        while pending:
            name = pending.pop()
            if name == ".":
                continue
            if name == "..":
                if resolved:
                    resolved.pop()
                continue

            parent = resolved[-1][1] if resolved else self._root
            node = parent.children.get(name) if parent.children is not None else None
            if node is None:
                return None

            if node.kind is EntryKind.SYMLINK and (pending or follow_last):
                hops += 1
                if hops > MAX_SYMLINK_HOPS or not node.link_target:
                    return None
                if node.link_target.startswith("/"):
                    resolved.clear()
                pending.extend(reversed(_components(node.link_target)))
                continue

            resolved.append((name, node))

        real = "/" + "/".join(name for name, _ in resolved)
        return real, resolved[-1][1] if resolved else self._root


class SquashedFileSystem(FileTree):
    """The final filesystem of an image, built by applying its layers' entries in order.

    Content is what the layer reader held (see `analysis.layers.DEFAULT_MAX_FILE_BYTES` for
    the per-file cap); files whose content was not held read as absent, and wanted files
    over the cap raise AnalysisLimitError when read.
    """

    def __init__(self, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        super().__init__(max_file_bytes)
        self._held_bytes = 0

    @property
    def held_bytes(self) -> int:
        """The bytes of file content the tree holds now.

        Content that a later entry replaced or whited out no longer counts, since it is no
        longer held. A hardlink shares its target's bytes but counts them again, so that
        removing the target cannot make content that the link still holds uncounted.
        """
        return self._held_bytes

    def apply(self, item: LayerEntry, layer: int) -> None:
        """Apply one entry of layer `layer` (0-based, in manifest order)."""
        parent_path, name = posixpath.split(item.path)
        if not name:
            if item.kind is EntryKind.DIRECTORY:
                self._root.mode = item.mode
            return

        if name == OPAQUE_MARKER:
            directory = self._directory(parent_path, layer)
            self._hide_lower_children(directory, layer)
            return

        if name.startswith(WHITEOUT_PREFIX):
            self._whiteout(parent_path, name[len(WHITEOUT_PREFIX) :], layer)
            return

        parent = self._directory(parent_path, layer)
        children = parent.children
        assert children is not None
        existing = children.get(name)
        if (
            item.kind is EntryKind.DIRECTORY
            and existing is not None
            and existing.children is not None
        ):
            existing.mode = item.mode
            existing.layer = layer
            return

        if existing is not None:
            self._release(existing)
        node = self._node(item, layer)
        children[name] = node
        self._held_bytes += len(node.content) if node.content is not None else 0

    def _node(self, item: LayerEntry, layer: int) -> Node:
        """A new node for an entry; a hardlink copies the file it names."""
        if not item.hardlink:
            return Node(
                item.kind,
                layer,
                size=item.size,
                mode=item.mode,
                link_target=item.link_target,
                content=item.content,
                too_large=item.too_large,
            )

        found = self._lookup(item.link_target, follow_last=False)
        if found is None or found[1].kind is not EntryKind.FILE:
            return Node(EntryKind.FILE, layer, mode=item.mode)
        target = found[1]
        return Node(
            EntryKind.FILE,
            layer,
            size=target.size,
            mode=target.mode,
            content=target.content,
            too_large=target.too_large,
        )

    def _whiteout(self, parent_path: str, name: str, layer: int) -> None:
        """Hide `name` in `parent_path` as far as lower layers wrote it.

        The parent directory exists afterwards, as it does when a runtime applies the layer.
        """
        children = self._directory(parent_path, layer).children
        assert children is not None
        node = children.get(name) if name else None
        if node is None:
            return

        if node.children is not None:
            self._hide_lower_children(node, layer)
        if not _stays(node, layer):
            self._release(children.pop(name))

    def _hide_lower_children(self, directory: Node, layer: int) -> None:
        """Remove what lower layers wrote below `directory`.

        Directories are pruned deepest first, so that a lower-layer directory is judged only
        once what is left inside it is known.
        """
        directories: list[Node] = []
        pending = [directory]
        while pending:
            node = pending.pop()
            directories.append(node)
            assert node.children is not None
            pending.extend(child for child in node.children.values() if child.children is not None)

        for node in reversed(directories):
            children = node.children
            assert children is not None
            for name in [name for name, child in children.items() if not _stays(child, layer)]:
                self._release(children.pop(name))

    def _release(self, node: Node) -> None:
        """Stop counting the content held at and below `node`, which leaves the tree.

        Only a directory that a later entry replaces has a subtree here, and a node leaves
        the tree once, so these walks add up to one visit per node over a whole image.
        """
        pending = [node]
        while pending:
            current = pending.pop()
            if current.content is not None:
                self._held_bytes -= len(current.content)
            if current.children:
                pending.extend(current.children.values())

    def _directory(self, path: str, layer: int) -> Node:
        """The directory node at `path`, created (by layer `layer`) where missing.

        Existing symlinks on the way are followed inside the tree, as containerd does when
        it applies a layer; any other non-directory on the way is replaced by a directory.
        """
        node, real = self._root, "/"
        for name in _components(path):
            children = node.children
            assert children is not None
            child = children.get(name)

            if child is not None and child.kind is EntryKind.SYMLINK:
                found = self._lookup(posixpath.join(real, name), follow_last=True)
                if found is not None and found[1].children is not None:
                    real, node = found
                    continue
                child = None

            if child is None or child.children is None:
                if child is not None:
                    self._release(child)
                child = Node(EntryKind.DIRECTORY, layer, mode=_IMPLICIT_DIR_MODE)
                children[name] = child
            node, real = child, posixpath.join(real, name)
        return node


def _stays(node: Node, layer: int) -> bool:
    """Whether a node survives hiding what lower layers wrote, for a whiteout of `layer`.

    It stays if layer `layer` (or a later one) wrote it, or if it is a directory still
    holding something such a layer wrote.
    """
    return node.layer >= layer or bool(node.children)
