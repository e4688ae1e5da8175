"""What the image sources give back: a resolved image and an image's content."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.filesystem import FileSystem
from analysis.model import LayerInfo
from analysis.platform import Platform
from analysis.reference import ImageReference


@dataclass(frozen=True, slots=True)
class RegistryCredentials:
    """How to talk to one registry. The password never appears in a repr or a message.

    `insecure` allows HTTPS without certificate checks and, when TLS fails, plain HTTP.
    """

    username: str = ""
    password: str = field(default="", repr=False)
    insecure: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedImage:
    """An image pinned down: which manifest, which config, which platform.

    `digest` is the manifest digest of the chosen platform (for a docker archive, which has
    no manifest, the image id; for `dir:`, a digest of the reference text). `reference` is
    pinned to `digest` unless the reference already carried a digest of its own (which may
    name an index). `platform` is None for `dir:`.
    """

    reference: ImageReference
    digest: str
    image_id: str
    platform: Platform | None


@dataclass(frozen=True)
class ImageContent:
    """An image as read: its identity, its layers and its squashed filesystem."""

    digest: str
    image_id: str
    layers: tuple[LayerInfo, ...]
    filesystem: FileSystem
