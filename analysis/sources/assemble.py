"""Turning a resolved image into its content: each layer streamed once, squashed in order."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from analysis.digest import Readable
from analysis.errors import AnalysisLimitError, CorruptImageError, DigestMismatchError
from analysis.layers import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_KEPT_BYTES,
    Compression,
    LayerEntry,
    read_layer,
)
from analysis.model import LayerInfo
from analysis.platform import Platform
from analysis.reference import ImageReference
from analysis.sources.model import ImageContent, ResolvedImage
from analysis.sources.oci import ImageConfig
from analysis.squash import SquashedFileSystem

# The media types reported for layers whose source gives none (docker archives).
_DOCKER_LAYER_TYPES = {
    Compression.NONE: "application/vnd.docker.image.rootfs.diff.tar",
    Compression.GZIP: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    Compression.ZSTD: "application/vnd.docker.image.rootfs.diff.tar.zstd",
}


@dataclass(frozen=True, slots=True)
class LayerRef:
    """Where one layer blob is, and what it should be.

    `name` identifies the layer in messages (its digest, or its path in an archive);
    `digest` and `size` are empty and -1 when the source does not state them.
    """

    name: str
    digest: str
    media_type: str
    size: int
    location: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """An image pinned down, with the layers to read and their expected diff_ids."""

    reference: ImageReference
    digest: str
    image_id: str
    platform: Platform | None
    layers: tuple[LayerRef, ...]
    diff_ids: tuple[str, ...]

    def resolved(self) -> ResolvedImage:
        return ResolvedImage(self.reference, self.digest, self.image_id, self.platform)


class LayerOpener(Protocol):
    """Opens a layer blob of a resolved image as a stream."""

    def open_layer(self, layer: LayerRef) -> AbstractContextManager[Readable]: ...


def pin(reference: ImageReference, digest: str) -> ImageReference:
    """The reference pinned to `digest`, unless it already names a digest of its own."""
    return reference if reference.digest else reference.with_digest(digest)


def check_pinned(reference: ImageReference, chain: tuple[str, ...], where: str) -> None:
    """Check that a pinned reference's digest is among the documents the resolution passed."""
    if reference.digest and reference.digest not in chain:
        raise DigestMismatchError(
            f"{where}: the reference is pinned to {reference.digest}, "
            f"but the image found is {chain[-1]}"
        )


def checked_diff_ids(layer_count: int, config: ImageConfig, where: str) -> tuple[str, ...]:
    """The config's diff_ids, which must be as many as the manifest's layers."""
    if layer_count != len(config.diff_ids):
        raise CorruptImageError(
            f"{where}: {layer_count} layers but {len(config.diff_ids)} diff_ids in the config"
        )
    return config.diff_ids


def read_content(
    resolution: Resolution,
    opener: LayerOpener,
    keep: Callable[[str], bool],
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_kept_bytes: int = DEFAULT_MAX_KEPT_BYTES,
) -> ImageContent:
    """Read every layer of a resolved image in order and squash them into one filesystem.

    A wanted file over `max_file_bytes` (default 128 MiB) is indexed as too large to read.
    At most `max_kept_bytes` of file content (default 512 MiB) is held at any time: content
    that a later entry replaced or whited out is no longer held and no longer counts. Going
    over raises AnalysisLimitError.
    """
    filesystem = SquashedFileSystem(max_file_bytes)
    infos: list[LayerInfo] = []

    for index, (layer, diff_id) in enumerate(
        zip(resolution.layers, resolution.diff_ids, strict=True)
    ):

        def apply(entry: LayerEntry, index: int = index) -> None:
            filesystem.apply(entry, index)
            if filesystem.held_bytes > max_kept_bytes:
                raise AnalysisLimitError(
                    f"the files the catalogers read add up to more than {max_kept_bytes} "
                    f"bytes (at {entry.path} in layer {index + 1})"
                )

        with opener.open_layer(layer) as blob:
            summary = read_layer(
                blob,
                name=layer.name,
                digest=layer.digest,
                diff_id=diff_id,
                keep=keep,
                on_entry=apply,
                max_file_bytes=max_file_bytes,
                size=layer.size,
            )

        if layer.size >= 0 and summary.size != layer.size:
            raise CorruptImageError(
                f"layer {layer.name} has {summary.size} bytes, its descriptor says {layer.size}"
            )
        media_type = layer.media_type or _DOCKER_LAYER_TYPES[summary.compression]
        infos.append(LayerInfo(summary.digest, summary.diff_id, media_type, summary.size))

    return ImageContent(resolution.digest, resolution.image_id, tuple(infos), filesystem)
