"""OCI image layouts, as a directory (`oci-dir:`) or as a tar of one (`oci-archive:`).

A layout's `index.json` lists its images, each tagged by the
`org.opencontainers.image.ref.name` annotation; blobs live in `blobs/<algorithm>/<hex>`.

Layouts that share blobs may store one as a relative symlink to another layout's copy. A copy
or checkout that cannot keep symlinks (git with `core.symlinks=false`, some archivers) leaves a
small file holding the link's target text instead. Such a "link stub" is recognised without
doubt: its text ends with the blob's own hex digest, which no content can hash to, so it is
followed like the symlink it stands for. The blob finally reached is checked against its digest
as any other.

A layout is untrusted input. Symlinks and link stubs are followed only as far as the folder
holding the layout (where sibling layouts sharing blobs live), never to the rest of the host,
and a blob must be a regular file: a device or a FIFO would give endless data or none.
"""

from __future__ import annotations

import os
import posixpath
import stat
import tarfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import BinaryIO, Protocol

from analysis.digest import Readable, check_bytes
from analysis.errors import CorruptImageError, ImageNotFoundError, InvalidReferenceError
from analysis.platform import Platform
from analysis.reference import ImageReference
from analysis.sources.archive import MAX_LINK_HOPS, TarArchive, clean_member_name
from analysis.sources.assemble import LayerRef, Resolution, check_pinned, checked_diff_ids, pin
from analysis.sources.oci import (
    MAX_DOCUMENT_BYTES,
    Descriptor,
    Index,
    choose_platform,
    follow_to_manifest,
    parse_config,
    parse_document,
    parse_index,
)

# The largest blob file that may be a link stub, in bytes; real link targets are far shorter.
LINK_STUB_MAX_BYTES = 4096


class LayoutStore(Protocol):
    """Read access to one OCI layout's index and blobs."""

    where: str

    def read_index(self) -> bytes: ...

    def open_blob(self, digest: str) -> AbstractContextManager[Readable]: ...

    def close(self) -> None: ...


def link_stub_target(data: bytes, digest: str) -> str | None:
    """The link target a blob file holds instead of the blob, or None if it is the blob."""
    if len(data) > LINK_STUB_MAX_BYTES:
        return None
    try:
        text = data.decode("utf-8").removesuffix("\n")
    except UnicodeDecodeError:
        return None

    if not text or "\n" in text or "\0" in text:
        return None
    return text if posixpath.basename(text) == digest.split(":", 1)[1] else None


def _blob_name(digest: str) -> str:
    """The path of a blob inside a layout."""
    algorithm, hex_digest = digest.split(":", 1)
    return f"blobs/{algorithm}/{hex_digest}"


class DirectoryStore:
    """An OCI layout directory on disk (`oci-dir:`).

    Links are confined to the folder holding the layout, so that layouts side by side can
    share blobs; a link that reaches beyond it is reported as corrupt, never followed.
    """

    def __init__(self, root: str) -> None:
        self.root = root
        self.where = f"OCI layout {root}"
        if not os.path.exists(root):
            raise ImageNotFoundError(f"{self.where}: {root} does not exist")
        if not os.path.isfile(os.path.join(root, "index.json")):
            raise ImageNotFoundError(f"{root} is not an OCI image layout: it has no index.json")

        self._real_root = os.path.realpath(root)
        self._confine = os.path.dirname(self._real_root)

    def read_index(self) -> bytes:
        path = os.path.join(self._real_root, "index.json")
        try:
            _, file = self._open_confined(path, f"{self.where}: index.json")
        except OSError as exc:
            raise ImageNotFoundError(f"{self.where}: cannot read {path}: {exc.strerror}") from exc
        with file:
            return file.read(MAX_DOCUMENT_BYTES + 1)

    @contextmanager
    def open_blob(self, digest: str) -> Iterator[Readable]:
        with self._open_blob(digest) as file:
            yield file

    def _open_blob(self, digest: str) -> BinaryIO:
        """Open the file holding a blob, after following symlinks and link stubs."""
        what = f"{self.where}: blob {digest}"
        path = os.path.join(self._real_root, _blob_name(digest))
        for _ in range(MAX_LINK_HOPS):
            try:
                real, file = self._open_confined(path, what)
            except OSError as exc:
                raise CorruptImageError(f"{self.where} lacks blob {digest}: {exc}") from exc
            try:
                target = _stub_target(file, digest)
            except OSError as exc:
                file.close()
                raise CorruptImageError(f"{what} cannot be read: {exc}") from exc

            if target is None:
                return file
            file.close()
            path = os.path.join(os.path.dirname(real), target)

        raise CorruptImageError(f"{what} is part of a loop of links")

    def _open_confined(self, path: str, what: str) -> tuple[str, BinaryIO]:
        """The real path of `path` and the regular file there, if it is beside the layout.

        CorruptImageError naming `what` when the real path is outside the folder holding the
        layout or is not a regular file; OSError when it cannot be opened.
        """
        real = os.path.realpath(path)
        if os.path.commonpath([real, self._confine]) != self._confine:
            raise CorruptImageError(f"{what} links to {real}, outside {self._confine}")
        return real, _open_regular(real, what)

    def close(self) -> None:
        """Nothing to release: each blob is opened and closed as it is read."""


def _open_regular(path: str, what: str) -> BinaryIO:
    """Open the regular file at the real path `path`, which `what` names in messages.

    The open never blocks (a FIFO without a writer would) and never follows a symlink put in
    the path's place meanwhile. Anything but a regular file (a device would give endless data,
    a FIFO none) raises CorruptImageError; a failure to open raises OSError.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise CorruptImageError(f"{what} is not a regular file ({path} is {_file_kind(mode)})")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _stub_target(file: BinaryIO, digest: str) -> str | None:
    """The link target of a blob file that is a link stub, or None; the file is rewound."""
    if os.fstat(file.fileno()).st_size > LINK_STUB_MAX_BYTES:
        return None

    target = link_stub_target(file.read(LINK_STUB_MAX_BYTES + 1), digest)
    file.seek(0)
    return target


def _file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class ArchiveStore:
    """An OCI layout packed in a tar archive (`oci-archive:`), read in place."""

    def __init__(self, path: str) -> None:
        self.where = f"OCI archive {path}"
        self._archive = TarArchive(path, self.where)
        if self._archive.find("index.json") is None:
            self._archive.close()
            raise ImageNotFoundError(f"{path} is not an OCI archive: it has no index.json")

    def read_index(self) -> bytes:
        member = self._archive.find("index.json")
        assert member is not None
        return self._archive.read(member, MAX_DOCUMENT_BYTES + 1)

    @contextmanager
    def open_blob(self, digest: str) -> Iterator[Readable]:
        yield self._archive.open(self._blob_member(digest))

    def _blob_member(self, digest: str) -> tarfile.TarInfo:
        """The member holding a blob, after following links and link stubs in the archive."""
        name = _blob_name(digest)
        for _ in range(MAX_LINK_HOPS):
            member = self._archive.find(name)
            if member is None:
                raise CorruptImageError(f"{self.where} lacks blob {digest} ({name} is missing)")
            if member.size > LINK_STUB_MAX_BYTES:
                return member

            target = link_stub_target(self._archive.read(member, LINK_STUB_MAX_BYTES), digest)
            if target is None:
                return member
            name = self._archive.link_target(clean_member_name(member.name), target)

        raise CorruptImageError(f"{self.where}: blob {digest} is part of a loop of links")

    def close(self) -> None:
        self._archive.close()


class LayoutLayers:
    """Opens the layers of an image resolved in a layout, from the layout's blobs."""

    def __init__(self, store: LayoutStore) -> None:
        self._store = store

    def open_layer(self, layer: LayerRef) -> AbstractContextManager[Readable]:
        return self._store.open_blob(layer.digest)


def read_document(store: LayoutStore, descriptor: Descriptor, what: str) -> bytes:
    """A small blob (manifest, index or config), checked against its digest and size."""
    if descriptor.size > MAX_DOCUMENT_BYTES:
        raise CorruptImageError(f"{what} is larger than {MAX_DOCUMENT_BYTES} bytes")

    with store.open_blob(descriptor.digest) as blob:
        data = blob.read(MAX_DOCUMENT_BYTES + 1)

    check_bytes(data, descriptor.digest, what)
    if len(data) != descriptor.size:
        raise CorruptImageError(
            f"{what} has {len(data)} bytes, its descriptor says {descriptor.size}"
        )
    return data


def resolve_layout(store: LayoutStore, reference: ImageReference, platform: Platform) -> Resolution:
    """Pick the image a layout reference names and read its manifest and config."""
    where = store.where
    index = parse_index(store.read_index(), f"{where}: index.json")
    candidates = _candidates(index, reference, where)
    entry = candidates[0] if len(candidates) == 1 else choose_platform(candidates, platform, where)

    def fetch(descriptor: Descriptor) -> bytes:
        return read_document(store, descriptor, f"{where}: blob {descriptor.digest}")

    document = parse_document(fetch(entry), f"{where}: manifest {entry.digest}", entry.media_type)
    found = follow_to_manifest(document, entry.digest, fetch, platform, where, entry.platform)
    check_pinned(reference, found.chain, where)

    manifest = found.manifest
    config = parse_config(fetch(manifest.config), f"{where}: config {manifest.config.digest}")
    layers = tuple(LayerRef(d.digest, d.digest, d.media_type, d.size) for d in manifest.layers)
    return Resolution(
        reference=pin(reference, found.digest),
        digest=found.digest,
        image_id=manifest.config.digest,
        platform=found.platform or config.platform,
        layers=layers,
        diff_ids=checked_diff_ids(len(layers), config, where),
    )


def _candidates(index: Index, reference: ImageReference, where: str) -> list[Descriptor]:
    """The entries of a layout's index.json that the reference's tag (or digest) selects."""
    entries = list(index.manifests)
    tags = sorted({entry.ref_name for entry in entries if entry.ref_name})
    listing = ", ".join(tags) if tags else "none"

    if reference.tag:
        tagged = [entry for entry in entries if entry.ref_name == reference.tag]
        if not tagged:
            raise ImageNotFoundError(
                f"{where} has no image tagged {reference.tag!r}; its tags: {listing}"
            )
        return tagged

    pinned = [entry for entry in entries if reference.digest and entry.digest == reference.digest]
    if pinned:
        return pinned
    if not entries:
        raise ImageNotFoundError(f"{where} holds no image")
    if len(tags) > 1:
        raise InvalidReferenceError(
            f"{where} holds {len(tags)} images; name one as "
            f"{reference.kind}:{reference.location}:TAG (tags: {listing})"
        )
    return entries
