"""OCI and Docker image documents: indexes, manifests and configs, parsed and checked.

Registries and OCI layouts hold the same documents, so both sources share this parsing.
A document that is not the JSON it should be raises CorruptImageError naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis.digest import is_digest
from analysis.errors import CorruptImageError, ImageNotFoundError
from analysis.platform import Platform, platform_matches

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_SCHEMA1 = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)

# The manifest media types this library reads, in the order a registry is asked for them.
MANIFEST_MEDIA_TYPES = (OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST)
INDEX_MEDIA_TYPES = (OCI_INDEX, DOCKER_MANIFEST_LIST)

REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name"

# The largest index, manifest or config read, in bytes (16 MiB); registries cap manifests at
# 4 MiB, and anything bigger is not a real image document.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024

# How many indexes may nest before the manifest; real images use one at most.
MAX_INDEX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A pointer to a blob: its media type, digest and size, and for index entries a platform."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def ref_name(self) -> str:
        """The tag an OCI layout gives this entry (`org.opencontainers.image.ref.name`)."""
        return self.annotations.get(REF_NAME_ANNOTATION, "")


@dataclass(frozen=True, slots=True)
class Index:
    """An OCI image index or Docker manifest list."""

    manifests: tuple[Descriptor, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    """An image manifest: its config blob and its layers, bottom first."""

    config: Descriptor
    layers: tuple[Descriptor, ...]


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """What this library needs from an image config: the platform and the layer diff_ids."""

    platform: Platform | None
    diff_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResolvedManifest:
    """The manifest an index led to, the platform that chose it, and the digests passed."""

    digest: str
    manifest: Manifest
    platform: Platform | None
    chain: tuple[str, ...]


def load_json(data: bytes, what: str) -> dict[str, Any]:
    """Parse a JSON object, raising CorruptImageError naming `what` when it is not one."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise CorruptImageError(f"{what} is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptImageError(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise CorruptImageError(f"{what} is not a JSON object")
    return value


def parse_document(data: bytes, what: str, media_type: str = "") -> Index | Manifest:
    """Parse an index or a manifest; `media_type` is what the transport said, if anything."""
    document = load_json(data, what)
    kind = document.get("mediaType") or media_type

    if kind in DOCKER_SCHEMA1 or document.get("schemaVersion") == 1:
        raise CorruptImageError(f"{what} is a Docker schema 1 manifest, which is not supported")
    if kind in INDEX_MEDIA_TYPES or "manifests" in document:
        return Index(tuple(_descriptors(document.get("manifests"), what, "manifests")))
    if "layers" in document or "config" in document:
        config = _descriptor(document.get("config"), what, "config")
        return Manifest(config, tuple(_descriptors(document.get("layers"), what, "layers")))
    raise CorruptImageError(f"{what} is neither an image index nor a manifest")


def parse_index(data: bytes, what: str) -> Index:
    """Parse a document that must be an index (an OCI layout's `index.json`)."""
    document = parse_document(data, what, OCI_INDEX)
    if not isinstance(document, Index):
        raise CorruptImageError(f"{what} is not an image index")
    return document


def parse_config(data: bytes, what: str) -> ImageConfig:
    """Parse an image config: its platform and its `rootfs.diff_ids`."""
    document = load_json(data, what)
    rootfs = document.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or not all(
        isinstance(item, str) and is_digest(item) for item in diff_ids
    ):
        raise CorruptImageError(f"{what} has no valid rootfs.diff_ids list")

    os_name = document.get("os")
    architecture = document.get("architecture")
    variant = document.get("variant")
    platform = None
    if isinstance(os_name, str) and isinstance(architecture, str) and os_name and architecture:
        platform = Platform(os_name, architecture, variant if isinstance(variant, str) else "")
    return ImageConfig(platform, tuple(diff_ids))


def choose_platform(candidates: Sequence[Descriptor], wanted: Platform, where: str) -> Descriptor:
    """The entry of an index built for `wanted`, preferring an exact variant match.

    A single entry without a platform is taken as it is (the config says what it is).
    Raises ImageNotFoundError listing the platforms on offer when none fits.
    """
    if len(candidates) == 1 and candidates[0].platform is None:
        return candidates[0]

    fitting = [
        entry
        for entry in candidates
        if entry.platform is not None and platform_matches(wanted, entry.platform)
    ]
    exact = [entry for entry in fitting if entry.platform == wanted]
    if exact or fitting:
        return (exact or fitting)[0]

    offered = sorted({str(entry.platform) for entry in candidates if entry.platform is not None})
    listing = ", ".join(offered) if offered else "none stated"
    raise ImageNotFoundError(f"{where} has no image for platform {wanted}; available: {listing}")


def follow_to_manifest(
    document: Index | Manifest,
    digest: str,
    fetch: Callable[[Descriptor], bytes],
    wanted: Platform,
    where: str,
    platform: Platform | None = None,
) -> ResolvedManifest:
    """Walk from a fetched document through indexes (by platform) down to a manifest.

    `fetch` returns the verified bytes of a descriptor's blob; `platform` is what chose
    `document` itself, if an index entry did.
    """
    chain = [digest]
    for _ in range(MAX_INDEX_DEPTH + 1):
        if isinstance(document, Manifest):
            return ResolvedManifest(digest, document, platform, tuple(chain))

        entry = choose_platform(document.manifests, wanted, where)
        platform = entry.platform or platform
        digest = entry.digest
        chain.append(digest)
        document = parse_document(fetch(entry), f"manifest {digest} of {where}", entry.media_type)

    raise CorruptImageError(f"{where}: indexes nest more than {MAX_INDEX_DEPTH} deep")


def _descriptors(value: object, what: str, key: str) -> list[Descriptor]:
    """Parse a list of descriptors found under `key`."""
    if not isinstance(value, list):
        raise CorruptImageError(f"{what} has no {key} list")
    return [_descriptor(item, what, key) for item in value]


def _descriptor(value: object, what: str, key: str) -> Descriptor:
    """Parse one descriptor, checking its digest and size."""
    if not isinstance(value, dict):
        raise CorruptImageError(f"{what} has a malformed {key} entry")

    digest = value.get("digest")
    size = value.get("size")
    media_type = value.get("mediaType", "")
    if not isinstance(digest, str) or not is_digest(digest):
        raise CorruptImageError(f"{what} has a {key} entry with a bad digest {digest!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise CorruptImageError(f"{what} has a {key} entry with a bad size {size!r}")
    if not isinstance(media_type, str):
        raise CorruptImageError(f"{what} has a {key} entry with a bad media type")

    annotations = value.get("annotations")
    names = (
        {k: v for k, v in annotations.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(annotations, dict)
        else {}
    )
    return Descriptor(media_type, digest, size, _platform(value.get("platform")), names)


def _platform(value: object) -> Platform | None:
    """The platform of an index entry, if it states one."""
    if not isinstance(value, dict):
        return None
    os_name = value.get("os")
    architecture = value.get("architecture")
    variant = value.get("variant", "")
    if not isinstance(os_name, str) or not isinstance(architecture, str):
        return None
    return Platform(os_name, architecture, variant if isinstance(variant, str) else "")
