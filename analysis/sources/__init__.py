"""Image sources: registries, OCI layouts and archives, docker archives and directories.

Two entry points serve every kind of reference. `resolve_image` is cheap (index, manifest
and config only) and pins an image's digest when a user adds it; `read_image` reads every
layer once, as a stream, and returns the squashed filesystem the catalogers walk.

Digests by kind: the manifest digest of the chosen platform for registries, `oci-dir:` and
`oci-archive:`; the image id (config digest) for `docker-archive:`, which has no manifest;
and for `dir:`, `sha256:` + the sha256 of the normalized reference text, with an empty image
id, as a directory has neither manifest nor config.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from analysis.layers import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_KEPT_BYTES
from analysis.platform import DEFAULT_PLATFORM, Platform
from analysis.reference import ImageReference, SourceKind
from analysis.sources.assemble import LayerOpener, Resolution, read_content
from analysis.sources.directory import read_directory, resolve_directory
from analysis.sources.docker_archive import DockerArchive
from analysis.sources.layout import (
    ArchiveStore,
    DirectoryStore,
    LayoutLayers,
    LayoutStore,
    resolve_layout,
)
from analysis.sources.model import ImageContent, RegistryCredentials, ResolvedImage
from analysis.sources.remote import RegistrySource

__all__ = [
    "ImageContent",
    "RegistryCredentials",
    "ResolvedImage",
    "read_image",
    "resolve_image",
]


def resolve_image(
    ref: ImageReference,
    platform: Platform = DEFAULT_PLATFORM,
    credentials: RegistryCredentials | None = None,
) -> ResolvedImage:
    """Pin an image down (digest, image id, platform) reading only its index, manifest, config."""
    if ref.kind is SourceKind.DIRECTORY:
        return resolve_directory(ref)

    with _opened(ref, platform, credentials) as (resolution, _):
        return resolution.resolved()


def read_image(
    ref: ImageReference,
    platform: Platform,
    credentials: RegistryCredentials | None,
    keep: Callable[[str], bool],
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_kept_bytes: int = DEFAULT_MAX_KEPT_BYTES,
) -> ImageContent:
    """Read an image's layers once, in order, into its squashed filesystem.

    `keep(path)` (the absolute path as a layer writes it, e.g. `/var/lib/dpkg/status`) says
    which regular files' content to hold, so that `filesystem.read()` can return it. A kept
    file over `max_file_bytes` (default 128 MiB) is indexed as too large: only reading it
    through `filesystem.read()` raises AnalysisLimitError. Kept content still held adding up
    to more than `max_kept_bytes` (default 512 MiB) raises AnalysisLimitError while the
    image is read. Every other path is indexed without content. As layers stream past
    before any symlink can be resolved, `keep` sees a file's own path: a file read later
    through a symlink (`/etc/os-release` pointing at `/usr/lib/os-release`) is there only if
    `keep` accepted its real path, and a hardlink has content only if its target's was held.
    A pinned `ref.digest` must match what the source holds.
    """
    if ref.kind is SourceKind.DIRECTORY:
        return read_directory(ref, keep, max_file_bytes)

    with _opened(ref, platform, credentials) as (resolution, opener):
        return read_content(resolution, opener, keep, max_file_bytes, max_kept_bytes)


@contextmanager
def _opened(
    ref: ImageReference, platform: Platform, credentials: RegistryCredentials | None
) -> Iterator[tuple[Resolution, LayerOpener]]:
    """The resolution of an image and what opens its layers, closed afterwards."""
    if ref.kind is SourceKind.REGISTRY:
        with RegistrySource(ref, credentials) as source:
            yield source.resolve(platform), source
        return

    if ref.kind is SourceKind.DOCKER_ARCHIVE:
        archive = DockerArchive(ref.location)
        try:
            yield archive.resolve(ref), archive
        finally:
            archive.close()
        return

    store: LayoutStore = (
        DirectoryStore(ref.location)
        if ref.kind is SourceKind.OCI_DIR
        else ArchiveStore(ref.location)
    )
    try:
        yield resolve_layout(store, ref, platform), LayoutLayers(store)
    finally:
        store.close()
