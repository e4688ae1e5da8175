"""pytest fixtures that start the registries and the token service for end-to-end tests.

Make them available with `pytest_plugins = ["tests.support.fixtures"]` in the root
`tests/conftest.py` (or in a test module). All are session-scoped: a registry starts in well
under a second, but tests share one per mode so that an image pushed once can be read by many
tests. Tests that share a registry should push to their own repository name, and tests that
count token requests should compare counts before and after their own requests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.registry import Registry
from tests.support.token_server import TokenServer


@pytest.fixture(scope="session")
def token_server() -> Iterator[TokenServer]:
    """The token service behind `registry_token`: one user, anonymous clients get no access.

    Its `username`, `password`, `realm` and `requests_served` let tests log in and check
    that a client really went through the bearer-token flow.
    """
    with TokenServer() as server:
        yield server


@pytest.fixture(scope="session")
def registry_anonymous() -> Iterator[Registry]:
    """A registry anyone may pull from and push to, without credentials."""
    with Registry("anonymous") as registry:
        yield registry


@pytest.fixture(scope="session")
def registry_basic() -> Iterator[Registry]:
    """A registry behind HTTP Basic auth; `username` and `password` are its only account."""
    with Registry("basic") as registry:
        yield registry


@pytest.fixture(scope="session")
def registry_token(token_server: TokenServer) -> Iterator[Registry]:
    """A registry that trusts tokens from `token_server`; its credentials are that service's."""
    with Registry("token", token_server=token_server) as registry:
        yield registry
