"""Where the registry client sends credentials: its own origin and a safe token service only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from analysis.errors import RegistryAuthError, RegistryUnavailableError
from analysis.platform import DEFAULT_PLATFORM
from analysis.reference import parse_reference
from analysis.registry import RegistryClient
from analysis.sources import ImageContent
from analysis.sources.assemble import read_content
from analysis.sources.remote import RegistrySource
from tests.analysis.fake_registry import HOST, FakeRegistry
from tests.analysis.oci_builder import copy_layout


def read(fake: FakeRegistry, **client_options: Any) -> ImageContent:
    with RegistrySource(
        parse_reference(f"{HOST}/team/app:c14"), client=fake.client(**client_options)
    ) as source:
        return read_content(source.resolve(DEFAULT_PLATFORM), source, lambda path: True)


def read_as_user(fake: FakeRegistry, **client_options: Any) -> ImageContent:
    return read(fake, username=fake.username, password=fake.password, **client_options)


def with_credentials(fake: FakeRegistry, host: str) -> list[httpx.URL]:
    """The URLs on `host` that were sent an Authorization header."""
    return [r.url for r in fake.served if r.url.host == host and "Authorization" in r.headers]


@pytest.fixture
def served(shared: Path, tmp_path: Path) -> Path:
    return copy_layout(shared / "cases" / "C14" / "image", tmp_path / "layout")


@pytest.mark.parametrize(
    "challenge",
    ['Bearer realm="http://cdn.test/token",service="cdn"', 'Basic realm="cdn"'],
)
def test_a_challenge_from_a_redirect_target_is_not_answered(served: Path, challenge: str) -> None:
    fake = FakeRegistry(served, auth="basic", redirect_blobs=True, cdn_challenge=challenge)

    with pytest.raises(RegistryAuthError) as caught:
        read_as_user(fake)

    assert str(caught.value) == (
        f"https://cdn.test, where registry {HOST} redirected the request for team/app, asks "
        "for credentials; the registry's credentials are only sent to the registry itself"
    )
    assert with_credentials(fake, "cdn.test") == []
    assert [r.url for r in fake.served if r.url.path == "/token"] == []


def test_a_plain_http_token_service_is_refused(served: Path) -> None:
    fake = FakeRegistry(served, auth="bearer", realm=f"http://{HOST}/token")

    with pytest.raises(RegistryAuthError) as caught:
        read_as_user(fake)

    assert "names a token service over plain HTTP" in str(caught.value)
    assert f"lading registry add {HOST} --insecure" in str(caught.value)
    assert fake.password not in str(caught.value)
    assert fake.token_requests == []


def test_an_insecure_registry_may_use_a_plain_http_token_service_on_its_host(
    served: Path,
) -> None:
    fake = FakeRegistry(served, auth="bearer", realm=f"http://{HOST}/token")

    content = read_as_user(fake, insecure=True)

    assert len(content.layers) == 4
    assert len(fake.token_requests) == 1


def test_a_plain_http_token_service_on_another_host_is_refused_even_when_insecure(
    served: Path,
) -> None:
    fake = FakeRegistry(served, auth="bearer", realm="http://auth.test/token")

    with pytest.raises(RegistryAuthError, match="on another host over plain HTTP"):
        read_as_user(fake, insecure=True)

    assert fake.token_requests == []


@pytest.mark.parametrize("auth", ["basic", "bearer"])
@pytest.mark.parametrize(
    ("base_url", "cdn"),
    [
        (f"http://{HOST}", "https://cdn.test"),
        ("http://registry.test", "https://registry.test"),
        ("http://registry.test", "http://registry.test:8080"),
    ],
)
def test_credentials_never_follow_a_redirect_to_another_origin(
    served: Path, auth: str, base_url: str, cdn: str
) -> None:
    fake = FakeRegistry(served, auth=auth, redirect_blobs=True, cdn=cdn)

    content = read_as_user(fake, base_url=base_url)

    assert len(content.layers) == 4
    blob_storage = [r for r in fake.served if r.url.path.startswith("/blobs/")]
    assert len(blob_storage) == 5
    assert [r.url for r in blob_storage if "Authorization" in r.headers] == []


def test_a_redirect_of_the_token_service_does_not_carry_the_credentials(served: Path) -> None:
    fake = FakeRegistry(served, auth="bearer", token_redirect="https://elsewhere.test/token")

    with pytest.raises(RegistryAuthError, match="refused the credentials for user reader"):
        read_as_user(fake)

    assert [r.url.host for r in fake.token_requests] == ["elsewhere.test"]
    assert with_credentials(fake, "elsewhere.test") == []


def test_a_redirect_of_the_token_service_on_its_own_origin_keeps_the_credentials(
    served: Path,
) -> None:
    fake = FakeRegistry(served, auth="bearer", token_redirect="https://auth.test/oauth/token")

    content = read_as_user(fake)

    assert len(content.layers) == 4
    assert len(with_credentials(fake, "auth.test")) == 2


def test_a_redirect_loop_is_reported() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(307, headers={"Location": str(request.url)})

    client = RegistryClient(HOST, base_url=f"http://{HOST}", transport=httpx.MockTransport(handle))

    with client, pytest.raises(RegistryUnavailableError, match="redirects in a loop"):
        client.get_manifest("team/app", "latest")
