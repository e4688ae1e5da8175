"""Docker archives (`docker save`, `skopeo copy ... docker-archive:`), read in place.

The archive's `manifest.json` lists its images, each with a `Config` member, `RepoTags` and
`Layers` members, bottom first. There is no registry manifest, so the image's digest is its
image id (the digest of the config). Layers are usually uncompressed tars; their content is
checked against the config's diff_ids, and where a member is named by digest
(`blobs/sha256/<hex>`, newer docker) against that as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from analysis.digest import Readable, check_bytes, sha256_digest
from analysis.errors import (
    CorruptImageError,
    DigestMismatchError,
    ImageNotFoundError,
    InvalidReferenceError,
)
from analysis.reference import ImageReference, parse_reference
from analysis.sources.archive import TarArchive
from analysis.sources.assemble import LayerRef, Resolution, checked_diff_ids, pin
from analysis.sources.oci import MAX_DOCUMENT_BYTES, parse_config

# Member names that carry the digest of their content.
_DIGEST_NAMED = re.compile(r"^(?:blobs/sha256/([0-9a-f]{64})|([0-9a-f]{64})\.json)$")


@dataclass(frozen=True, slots=True)
class _ArchivedImage:
    """One entry of the archive's manifest.json."""

    config: str
    repo_tags: tuple[str, ...]
    layers: tuple[str, ...]


class DockerArchive:
    """A docker archive open for reading; close it when done."""

    def __init__(self, path: str) -> None:
        self.where = f"docker archive {path}"
        self._archive = TarArchive(path, self.where)

    def close(self) -> None:
        self._archive.close()

    def resolve(self, reference: ImageReference) -> Resolution:
        """Pick the archive's image (by tag when it holds several) and read its config."""
        image = self._choose(self._images(), reference.tag)

        config_data = self._read(image.config, f"{self.where}: config {image.config}")
        image_id = sha256_digest(config_data)
        named = _DIGEST_NAMED.match(image.config)
        if named:
            check_bytes(config_data, f"sha256:{named.group(1) or named.group(2)}", image.config)
        if reference.digest and reference.digest != image_id:
            raise DigestMismatchError(
                f"{self.where}: the reference is pinned to {reference.digest}, "
                f"but the image found is {image_id}"
            )

        config = parse_config(config_data, f"{self.where}: config {image.config}")
        layers = tuple(self._layer(name) for name in image.layers)
        return Resolution(
            reference=pin(reference, image_id),
            digest=image_id,
            image_id=image_id,
            platform=config.platform,
            layers=layers,
            diff_ids=checked_diff_ids(len(layers), config, self.where),
        )

    @contextmanager
    def open_layer(self, layer: LayerRef) -> Iterator[Readable]:
        member = self._archive.find(layer.location)
        if member is None:
            raise CorruptImageError(f"{self.where} lacks layer {layer.location}")
        yield self._archive.open(member)

    def _layer(self, name: str) -> LayerRef:
        """What is known of a layer member before it is read."""
        named = _DIGEST_NAMED.match(name)
        digest = f"sha256:{named.group(1)}" if named and named.group(1) else ""
        return LayerRef(f"{name} of {self.where}", digest, "", -1, location=name)

    def _read(self, name: str, what: str) -> bytes:
        member = self._archive.find(name)
        if member is None:
            raise CorruptImageError(f"{what} is missing from the archive")
        return self._archive.read(member, MAX_DOCUMENT_BYTES)

    def _images(self) -> list[_ArchivedImage]:
        """The entries of manifest.json."""
        member = self._archive.find("manifest.json")
        if member is None:
            raise ImageNotFoundError(f"{self.where} is not a docker archive: no manifest.json")

        what = f"{self.where}: manifest.json"
        try:
            entries = json.loads(self._archive.read(member, MAX_DOCUMENT_BYTES))
        except (ValueError, UnicodeDecodeError) as exc:
            raise CorruptImageError(f"{what} is not valid JSON: {exc}") from exc
        if not isinstance(entries, list):
            raise CorruptImageError(f"{what} is not a JSON list")

        return [_archived_image(entry, what) for entry in entries]

    def _choose(self, images: list[_ArchivedImage], tag: str) -> _ArchivedImage:
        """The image a tag names, or the only one."""
        tags = sorted(repo_tag for image in images for repo_tag in image.repo_tags)
        listing = ", ".join(tags) if tags else "none"

        if tag:
            chosen = [image for image in images if any(_same_tag(t, tag) for t in image.repo_tags)]
            if not chosen:
                raise ImageNotFoundError(f"{self.where} has no image tagged {tag}; tags: {listing}")
            return chosen[0]

        if not images:
            raise ImageNotFoundError(f"{self.where} holds no image")
        if len(images) > 1:
            raise InvalidReferenceError(
                f"{self.where} holds {len(images)} images; name one as "
                f"docker-archive:PATH:NAME:TAG (RepoTags: {listing})"
            )
        return images[0]


def _archived_image(entry: object, what: str) -> _ArchivedImage:
    """Parse one manifest.json entry."""
    if not isinstance(entry, dict):
        raise CorruptImageError(f"{what} has an entry that is not an object")

    config = entry.get("Config")
    layers = entry.get("Layers")
    repo_tags = entry.get("RepoTags") or []
    if not isinstance(config, str) or not config:
        raise CorruptImageError(f"{what} has an entry without Config")
    if not isinstance(layers, list) or not all(isinstance(layer, str) for layer in layers):
        raise CorruptImageError(f"{what} has an entry without a Layers list")
    if not isinstance(repo_tags, list) or not all(isinstance(tag, str) for tag in repo_tags):
        raise CorruptImageError(f"{what} has an entry with a malformed RepoTags")

    return _ArchivedImage(config, tuple(repo_tags), tuple(layers))


def _same_tag(repo_tag: str, wanted: str) -> bool:
    """Whether a RepoTags entry names the wanted image (`debian:12` = `docker.io/library/...`)."""
    if repo_tag == wanted:
        return True
    try:
        return str(parse_reference(repo_tag)) == str(parse_reference(wanted))
    except InvalidReferenceError:
        return False
