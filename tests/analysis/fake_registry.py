"""An in-process registry serving an OCI layout through `httpx.MockTransport`.

It speaks just enough of the Distribution API for the client: manifests by tag or digest,
blobs (optionally through a redirect to blob storage), and anonymous, Basic or Bearer
authentication with a token service at `realm`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from analysis.registry import RegistryClient
from tests.analysis.oci_builder import blob_path, read_json

HOST = "127.0.0.1:5000"
REALM = "https://auth.test/token"
CDN = "https://cdn.test"


@dataclass
class FakeRegistry:
    """A registry holding one layout as repository `repository`.

    `auth` is "none", "basic" or "bearer"; `token_key` is the JSON key the token service
    answers with. `fail_with` forces every registry answer to that status code.
    `redirect_blobs` sends blob requests to `cdn` (any URL path under `/blobs/` is served as
    blob storage), which answers 401 with `cdn_challenge` when that is set. The token
    service at `realm` redirects to `token_redirect` when that is set, and serves there too.
    """

    layout: Path
    repository: str = "team/app"
    auth: str = "none"
    username: str = "reader"
    password: str = "s3cret-Passw0rd"
    token_key: str = "token"
    redirect_blobs: bool = False
    cdn: str = CDN
    cdn_challenge: str = ""
    realm: str = REALM
    token_redirect: str = ""
    fail_with: int = 0
    announce_digest: str = ""
    served: list[httpx.Request] = field(default_factory=list)
    token_requests: list[httpx.Request] = field(default_factory=list)

    def client(
        self,
        *,
        username: str = "",
        password: str = "",
        insecure: bool = False,
        base_url: str = f"http://{HOST}",
    ) -> RegistryClient:
        return RegistryClient(
            HOST,
            username=username,
            password=password,
            insecure=insecure,
            base_url=base_url,
            transport=httpx.MockTransport(self.handle),
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.served.append(request)
        url = str(request.url).partition("?")[0]
        if url == self.realm and self.token_redirect:
            query = request.url.query.decode()
            return httpx.Response(307, headers={"Location": f"{self.token_redirect}?{query}"})
        if url in (self.realm, self.token_redirect):
            return self._token(request)
        if request.url.path.startswith("/blobs/"):
            if self.cdn_challenge:
                return httpx.Response(401, headers={"WWW-Authenticate": self.cdn_challenge})
            return self._blob(request.url.path.rsplit("/", 1)[1], request)

        refused = self._check_auth(request)
        if refused is not None:
            return refused
        if self.fail_with:
            return httpx.Response(
                self.fail_with, json={"errors": [{"code": "X", "message": "forced"}]}
            )

        prefix = f"/v2/{self.repository}/"
        path = request.url.path
        if not path.startswith(prefix):
            return _error(404, "NAME_UNKNOWN", "repository name not known to registry")
        kind, _, reference = path[len(prefix) :].partition("/")
        if kind == "manifests":
            return self._manifest(reference)
        if kind == "blobs" and self.redirect_blobs:
            return httpx.Response(307, headers={"Location": f"{self.cdn}/blobs/{reference}"})
        if kind == "blobs":
            return self._blob(reference, request)
        return _error(404, "UNSUPPORTED", "no such endpoint")

    def _check_auth(self, request: httpx.Request) -> httpx.Response | None:
        given = request.headers.get("Authorization", "")
        if self.auth == "basic" and given != _basic(self.username, self.password):
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="fake"'})
        if self.auth == "bearer" and given != f"Bearer token-for-{self.repository}":
            challenge = (
                f'Bearer realm="{self.realm}",service="fake-registry",'
                f'scope="repository:{self.repository}:pull"'
            )
            return httpx.Response(
                401,
                headers={"WWW-Authenticate": challenge},
                json={"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
            )
        return None

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        given = request.headers.get("Authorization", "")
        if self.username and given != _basic(self.username, self.password):
            return httpx.Response(401, json={"details": "bad credentials"})
        scope = request.url.params.get("scope", "")
        repository = scope.split(":")[1] if scope.count(":") == 2 else ""
        return httpx.Response(200, json={self.token_key: f"token-for-{repository}"})

    def _manifest(self, reference: str) -> httpx.Response:
        if reference.startswith("sha256:"):
            digest = reference
        else:
            entries = read_json(self.layout / "index.json")["manifests"]
            tagged = [
                e
                for e in entries
                if e.get("annotations", {}).get("org.opencontainers.image.ref.name") == reference
            ]
            if not tagged:
                return _error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            digest = tagged[0]["digest"]

        path = blob_path(self.layout, digest)
        if not path.is_file():
            return _error(404, "MANIFEST_UNKNOWN", "manifest unknown")
        data = path.read_bytes()
        media_type = json.loads(data).get("mediaType", "")
        headers = {
            "Content-Type": media_type,
            "Docker-Content-Digest": self.announce_digest or digest,
        }
        return httpx.Response(200, content=data, headers=headers)

    def _blob(self, digest: str, request: httpx.Request) -> httpx.Response:
        path = blob_path(self.layout, digest)
        if not path.is_file():
            return _error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        return httpx.Response(200, content=path.read_bytes())


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"code": code, "message": message}]})
