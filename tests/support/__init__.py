"""Test infrastructure: real registries, a token service and image pushes on 127.0.0.1.

The end-to-end tests run Lading against a real OCI registry (Debian's `docker-registry`,
distribution 2.8) in three authentication modes. This package starts those registries, the
bearer-token service the token mode needs, and pushes the shared test images with `skopeo`.
Its pytest fixtures live in `tests.support.fixtures`.
"""
