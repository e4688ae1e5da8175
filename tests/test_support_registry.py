"""The registry test infrastructure works for real: each auth mode accepts a push and guards reads.

Every test here talks to a real `docker-registry` subprocess and, in token mode, to the real
token service, with httpx, so the end-to-end tests built on `tests.support` can trust it.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from tests.support.errors import RegistryStartError, SkopeoError
from tests.support.images import docker_archive, push
from tests.support.ports import LOCALHOST, free_port
from tests.support.registry import Registry
from tests.support.token_server import Grant, TokenServer, parse_scope

REPOSITORY = "lading/debian-base"
MANIFEST_ACCEPT = (
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json"
)


@pytest.fixture(scope="module")
def debian_base(shared: Path) -> Path:
    """The smallest shared layout: one 28 MB layer."""
    return shared / "images" / "oci" / "debian-base"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """An httpx client that ignores proxy settings, since every service is on 127.0.0.1."""
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        yield http


def layout_digest(layout: Path) -> str:
    """The manifest digest recorded in a single-image layout's `index.json`."""
    index = json.loads((layout / "index.json").read_text())
    digest: str = index["manifests"][0]["digest"]
    return digest


def manifest_url(registry: Registry, repository: str = REPOSITORY, tag: str = "latest") -> str:
    return f"{registry.url}/v2/{repository}/manifests/{tag}"


def challenge_parameters(header: str) -> dict[str, str]:
    """The `key="value"` pairs of a `WWW-Authenticate` challenge."""
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


def test_free_port_can_be_bound() -> None:
    port = free_port()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, port))

    assert 1024 <= port <= 65535


def test_anonymous_registry_serves_the_pushed_manifest(
    registry_anonymous: Registry, debian_base: Path, client: httpx.Client
) -> None:
    digest = push(debian_base, registry_anonymous, REPOSITORY)

    response = client.get(manifest_url(registry_anonymous), headers={"Accept": MANIFEST_ACCEPT})

    # --preserve-digests keeps the layout's manifest bytes, so the digests agree.
    assert digest == layout_digest(debian_base)
    assert response.status_code == 200
    assert response.headers["Docker-Content-Digest"] == digest
    assert "sha256:" + hashlib.sha256(response.content).hexdigest() == digest
    assert registry_anonymous.mode == "anonymous"
    assert registry_anonymous.credentials is None


def test_basic_registry_requires_its_credentials(
    registry_basic: Registry, debian_base: Path, client: httpx.Client
) -> None:
    assert registry_basic.credentials is not None
    username, password = registry_basic.credentials
    digest = push(debian_base, registry_basic, REPOSITORY, tag="basic")
    url = manifest_url(registry_basic, tag="basic")
    headers = {"Accept": MANIFEST_ACCEPT}

    anonymous = client.get(url, headers=headers)
    wrong = client.get(url, headers=headers, auth=(username, password + "x"))
    right = client.get(url, headers=headers, auth=(username, password))

    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic ")
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert right.headers["Docker-Content-Digest"] == digest == layout_digest(debian_base)


def test_token_registry_runs_the_bearer_flow(
    registry_token: Registry,
    token_server: TokenServer,
    debian_base: Path,
    client: httpx.Client,
) -> None:
    before_push = token_server.requests_served
    digest = push(debian_base, registry_token, REPOSITORY, tag="token")
    push_requests = token_server.requests[before_push:]
    url = manifest_url(registry_token, tag="token")
    headers = {"Accept": MANIFEST_ACCEPT}

    challenged = client.get(url, headers=headers)
    challenge = challenged.headers["WWW-Authenticate"]
    params = challenge_parameters(challenge)
    token_query = {"service": params["service"], "scope": params["scope"]}
    before_realm = token_server.requests_served
    user = (token_server.username, token_server.password)
    issued = client.get(params["realm"], params=token_query, auth=user)
    refused = client.get(params["realm"], params=token_query, auth=(user[0], user[1] + "x"))
    anonymous = client.get(params["realm"], params=token_query)

    # skopeo asked the token service for push access as the user while pushing.
    push_scope = f"repository:{REPOSITORY}:pull,push"
    assert any(
        r.subject == token_server.username and push_scope in r.scopes and r.status == 200
        for r in push_requests
    )
    assert digest == layout_digest(debian_base)

    assert challenged.status_code == 401
    assert challenge.startswith("Bearer ")
    assert params["realm"] == token_server.realm
    assert params["service"] == token_server.service
    assert params["scope"] == f"repository:{REPOSITORY}:pull"

    assert issued.status_code == 200
    body = issued.json()
    assert set(body) == {"token", "access_token", "expires_in", "issued_at"}
    assert body["token"] == body["access_token"]
    assert body["expires_in"] == token_server.ttl_seconds
    claims = jwt.decode(
        body["token"],
        token_server.public_key,
        algorithms=["RS256"],
        audience=token_server.service,
        issuer=token_server.issuer,
    )
    assert claims["sub"] == token_server.username
    assert claims["access"] == [{"type": "repository", "name": REPOSITORY, "actions": ["pull"]}]
    assert {"exp", "nbf", "iat", "jti"} <= set(claims)
    assert "x5c" in jwt.get_unverified_header(body["token"])

    bearer = {**headers, "Authorization": f"Bearer {body['token']}"}
    with_token = client.get(url, headers=bearer)
    assert with_token.status_code == 200
    assert with_token.headers["Docker-Content-Digest"] == digest

    assert refused.status_code == 401

    # The anonymous client gets a token, but one without access, which the registry refuses.
    assert anonymous.status_code == 200
    anonymous_token = anonymous.json()["token"]
    anonymous_claims = jwt.decode(anonymous_token, options={"verify_signature": False})
    assert anonymous_claims["access"] == []
    no_access = client.get(url, headers={**headers, "Authorization": f"Bearer {anonymous_token}"})
    assert no_access.status_code == 401

    assert token_server.requests_served == before_realm + 3
    assert [(r.subject, r.status) for r in token_server.requests[before_realm:]] == [
        (token_server.username, 200),
        (None, 401),
        ("", 200),
    ]


def test_token_registry_refuses_a_token_signed_by_another_key(
    registry_token: Registry, token_server: TokenServer, debian_base: Path, client: httpx.Client
) -> None:
    push(debian_base, registry_token, REPOSITORY, tag="forged")
    impostor = TokenServer(service=token_server.service, issuer=token_server.issuer)
    grant = Grant("repository", REPOSITORY, ("pull",))
    forged = impostor.issue(token_server.username, token_server.service, [grant])["token"]
    genuine = token_server.issue(token_server.username, token_server.service, [grant])["token"]
    url = manifest_url(registry_token, tag="forged")

    responses = [
        client.get(url, headers={"Accept": MANIFEST_ACCEPT, "Authorization": f"Bearer {token}"})
        for token in (forged, genuine)
    ]

    # Same claims, other certificate: only the rootcertbundle decides which one is trusted.
    assert [r.status_code for r in responses] == [401, 200]


def test_token_server_grants_anonymous_clients_only_the_configured_actions() -> None:
    server = TokenServer(anonymous_actions=("pull",))
    requested = [parse_scope("repository:team/app:pull,push"), parse_scope("registry:catalog:*")]

    assert server.grants_for("", requested) == [Grant("repository", "team/app", ("pull",))]
    assert server.grants_for(server.username, requested) == requested


def test_parse_scope_keeps_a_port_in_the_repository_name() -> None:
    grant = parse_scope("repository:localhost:5000/app:pull")

    assert grant == Grant("repository", "localhost:5000/app", ("pull",))
    with pytest.raises(ValueError, match="malformed scope"):
        parse_scope("repository-only")


def test_registry_stops_its_process_and_removes_its_files(client: httpx.Client) -> None:
    with Registry("anonymous") as registry:
        process, root = registry.process, registry.root
        answer = client.get(f"{registry.url}/v2/")

    assert answer.status_code == 200
    assert process is not None and process.returncode is not None
    assert root is not None and not root.exists()


def test_registry_start_failure_reports_and_cleans_up() -> None:
    registry = Registry("anonymous", binary="false")

    with pytest.raises(RegistryStartError, match="exited with status 1"):
        registry.start()

    assert registry.process is None
    assert registry.root is None


def test_token_mode_needs_a_token_server() -> None:
    with pytest.raises(ValueError, match="token_server"):
        Registry("token")


def test_push_failure_reports_skopeo_without_the_password(
    registry_basic: Registry, debian_base: Path, tmp_path: Path
) -> None:
    assert registry_basic.password is not None
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "index.json").write_text('{"schemaVersion": 2, "manifests": []}')

    with pytest.raises(SkopeoError) as caught:
        push(broken, registry_basic, "lading/broken")

    message = str(caught.value)
    assert "failed with status" in message
    assert "***" in message
    assert registry_basic.password not in message


def test_docker_archive_writes_a_tagged_archive(debian_base: Path, tmp_path: Path) -> None:
    out = docker_archive(debian_base, tmp_path / "debian-base.tar", "lading/debian-base:latest")

    with tarfile.open(out) as archive:
        member = archive.extractfile("manifest.json")
        assert member is not None
        manifest = json.load(member)

    assert manifest[0]["RepoTags"] == ["docker.io/lading/debian-base:latest"]
    assert len(manifest[0]["Layers"]) == 1
