"""Images in a registry, read through the Distribution API client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from analysis.digest import Readable
from analysis.platform import Platform
from analysis.reference import ImageReference
from analysis.registry import RegistryClient
from analysis.sources.assemble import LayerRef, Resolution, checked_diff_ids, pin
from analysis.sources.model import RegistryCredentials
from analysis.sources.oci import (
    MAX_DOCUMENT_BYTES,
    Descriptor,
    follow_to_manifest,
    parse_config,
    parse_document,
)


class RegistrySource:
    """One registry image; use it as a context manager so its connections are closed."""

    def __init__(
        self,
        reference: ImageReference,
        credentials: RegistryCredentials | None = None,
        client: RegistryClient | None = None,
    ) -> None:
        """`client` replaces the one built from the reference and credentials (for tests)."""
        credentials = credentials or RegistryCredentials()
        self.reference = reference
        self._repository = reference.repository
        self._client = client or RegistryClient(
            reference.registry_host,
            username=credentials.username,
            password=credentials.password,
            insecure=credentials.insecure,
        )

    def __enter__(self) -> RegistrySource:
        return self

    def __exit__(self, *_: object) -> None:
        self._client.close()

    def resolve(self, platform: Platform) -> Resolution:
        """Fetch the manifest (through the index, by platform) and the config.

        A pinned reference is fetched by its digest, so the registry's answer must have it.
        """
        reference = self.reference
        first = self._client.get_manifest(self._repository, reference.digest or reference.tag)
        document = parse_document(first.data, f"manifest of {reference}", first.media_type)

        def fetch(descriptor: Descriptor) -> bytes:
            return self._client.get_manifest(self._repository, descriptor.digest).data

        found = follow_to_manifest(document, first.digest, fetch, platform, str(reference))
        manifest = found.manifest
        config_data = self._client.get_blob(
            self._repository, manifest.config.digest, MAX_DOCUMENT_BYTES
        )
        config = parse_config(config_data, f"config {manifest.config.digest} of {reference}")

        layers = tuple(LayerRef(d.digest, d.digest, d.media_type, d.size) for d in manifest.layers)
        return Resolution(
            reference=pin(reference, found.digest),
            digest=found.digest,
            image_id=manifest.config.digest,
            platform=found.platform or config.platform,
            layers=layers,
            diff_ids=checked_diff_ids(len(layers), config, str(reference)),
        )

    @contextmanager
    def open_layer(self, layer: LayerRef) -> Iterator[Readable]:
        with self._client.open_blob(self._repository, layer.digest) as blob:
            yield blob
