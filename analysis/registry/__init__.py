"""A read-only client for registries speaking the Distribution (Docker Registry v2) API."""

from analysis.registry.client import DEFAULT_TIMEOUT, ManifestResponse, RegistryClient

__all__ = ["DEFAULT_TIMEOUT", "ManifestResponse", "RegistryClient"]
