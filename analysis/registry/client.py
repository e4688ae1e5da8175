"""A small Distribution (Docker Registry HTTP API v2) client: manifests and blobs, read only.

It speaks HTTPS, or for registries marked insecure HTTPS without certificate checks falling
back to plain HTTP; it authenticates anonymously first and answers Basic or Bearer
challenges with the credentials it was given; and it turns every failure into an error of
`analysis.errors` that says whether trying again can help. The password is only ever placed
in an Authorization header, never in a message.

Credentials go to the registry's own origin (the scheme, host and port the client talks to)
and to the token service its challenge names, nowhere else. Redirects are followed by the
client itself, so that no Authorization header follows one to another origin (blob storage,
typically); a challenge is answered only when the registry itself sent it; and a token
service is used over plain HTTP only for a registry marked insecure, on the registry's host.

For tests, `base_url` replaces the scheme and host the client would use, and `transport`
replaces the network (an `httpx.MockTransport`, for instance).
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import httpx

from analysis.digest import (
    CHUNK_SIZE,
    DigestReader,
    Readable,
    check_bytes,
    is_digest,
    sha256_digest,
)
from analysis.errors import (
    CorruptImageError,
    DigestMismatchError,
    ImageNotFoundError,
    InvalidReferenceError,
    RegistryAuthError,
    RegistryUnavailableError,
)
from analysis.registry.auth import Challenge, parse_challenges

# How long to wait, in seconds: 10 s to connect, 60 s for any read, write or pool wait.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

# The largest manifest accepted, in bytes (4 MiB, the limit of the reference registry).
MAX_MANIFEST_BYTES = 4 * 1024 * 1024

# How many redirects one request follows (20, as httpx and browsers do).
MAX_REDIRECTS = 20

# Docker Hub is named docker.io in references but served from this host.
_DOCKER_HUB_API = "registry-1.docker.io"

_MANIFEST_ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)

# Registry error codes (Distribution spec) that mean "no such thing".
_NOT_FOUND_CODES = {"NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "TAG_INVALID"}


@dataclass(frozen=True, slots=True)
class ManifestResponse:
    """A manifest or index as the registry sent it, with the digest of those exact bytes."""

    data: bytes
    digest: str
    media_type: str


class RegistryClient:
    """A client for one registry host; use it as a context manager, or call close()."""

    def __init__(
        self,
        host: str,
        *,
        username: str = "",
        password: str = "",
        insecure: bool = False,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.host = host
        self.username = username
        self._password = password
        self._insecure = insecure
        self._timeout = timeout

        api_host = _DOCKER_HUB_API if host == "docker.io" else host
        self._base = (base_url or f"https://{api_host}").rstrip("/")
        self._http_fallback = f"http://{api_host}" if insecure and base_url is None else ""
        self._http = httpx.Client(
            verify=not insecure,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
        )

        self._use_basic = False
        self._tokens: dict[str, str] = {}

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RegistryClient(host={self.host!r}, username={self.username!r})"

    def close(self) -> None:
        self._http.close()

    def get_manifest(self, repository: str, reference: str) -> ManifestResponse:
        """Fetch a manifest or index by tag or digest; its digest is that of the bytes received.

        When `reference` is a digest, or the registry sends Docker-Content-Digest, the bytes
        must match it (DigestMismatchError otherwise).
        """
        what = _display(self.host, repository, reference)
        path = f"/v2/{repository}/manifests/{reference}"
        response = self._get(path, repository, accept=_MANIFEST_ACCEPT, stream=True)
        try:
            self._check_status(response, repository, f"image {what}")
            data = _ResponseStream(response, self.host).read(MAX_MANIFEST_BYTES + 1)
        finally:
            response.close()
        if len(data) > MAX_MANIFEST_BYTES:
            raise CorruptImageError(f"manifest of {what} is larger than {MAX_MANIFEST_BYTES} bytes")

        if is_digest(reference):
            digest = check_bytes(data, reference, f"manifest of {what}")
        else:
            digest = sha256_digest(data)

        announced = response.headers.get("Docker-Content-Digest", "")
        if announced.startswith("sha256:") and digest.startswith("sha256:") and announced != digest:
            raise DigestMismatchError(
                f"manifest of {what}: the registry announced digest {announced}, "
                f"the bytes received have {digest}"
            )

        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
        return ManifestResponse(data, digest, media_type)

    def get_blob(self, repository: str, digest: str, max_bytes: int) -> bytes:
        """A small blob (a config), checked against its digest; at most `max_bytes` bytes."""
        with self.open_blob(repository, digest) as blob:
            data = blob.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise CorruptImageError(f"blob {digest} is larger than {max_bytes} bytes")
            blob.read()
        return data

    @contextmanager
    def open_blob(self, repository: str, digest: str) -> Iterator[Readable]:
        """Stream a blob, following redirects; reaching its end checks its digest."""
        response = self._get(f"/v2/{repository}/blobs/{digest}", repository, stream=True)
        try:
            self._check_status(response, repository, f"blob {digest} of {repository}")
            stream = _ResponseStream(response, self.host)
            yield DigestReader(stream, expected=digest, what=f"blob {digest} from {self.host}")
        finally:
            response.close()

    def _get(
        self, path: str, repository: str, *, accept: str = "", stream: bool = False
    ) -> httpx.Response:
        """GET a registry path, answering one authentication challenge if there is one."""
        scope = f"repository:{repository}:pull"
        response = self._send(path, scope, accept, stream)
        if response.status_code != httpx.codes.UNAUTHORIZED:
            return response

        challenges = parse_challenges(response.headers.get("WWW-Authenticate", ""))
        response.close()
        if _origin(response.url) != _origin(httpx.URL(self._base)):
            raise RegistryAuthError(
                f"{_origin_text(response.url)}, where registry {self.host} redirected the "
                f"request for {repository}, asks for credentials; the registry's credentials "
                "are only sent to the registry itself"
            )
        self._answer(challenges, scope, repository)
        return self._send(path, scope, accept, stream)

    def _send(self, path: str, scope: str, accept: str, stream: bool) -> httpx.Response:
        """Send one GET with the current credentials, switching to HTTP if allowed and needed."""
        headers = {"Accept": accept} if accept else {}
        if self._use_basic:
            headers["Authorization"] = self._basic_header()
        elif scope in self._tokens:
            headers["Authorization"] = f"Bearer {self._tokens[scope]}"

        try:
            response = self._transmit(self._base + path, headers, stream)
        except httpx.ConnectError as exc:
            if not self._http_fallback:
                raise self._unreachable(exc) from exc
            self._base, self._http_fallback = self._http_fallback, ""
        else:
            # HTTPS worked once: later connection failures are not a reason to drop TLS.
            self._http_fallback = ""
            return response

        try:
            return self._transmit(self._base + path, headers, stream)
        except httpx.ConnectError as exc:
            raise self._unreachable(exc) from exc

    def _transmit(self, url: str, headers: dict[str, str], stream: bool) -> httpx.Response:
        """One GET and its redirects; transport failures other than connecting become errors.

        The credentials in `headers` go only to the registry's own origin.
        """
        request = self._http.build_request("GET", url, headers=headers)
        try:
            return self._follow(request, stream, _origin(httpx.URL(self._base)))
        except httpx.ConnectError:
            raise
        except httpx.TimeoutException as exc:
            raise RegistryUnavailableError(
                f"registry {self.host} did not answer in time "
                f"(connect timeout {self._timeout.connect} s, read timeout {self._timeout.read} s)"
            ) from exc
        except httpx.TooManyRedirects as exc:
            raise RegistryUnavailableError(f"registry {self.host} redirects in a loop") from exc
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise RegistryUnavailableError(f"registry {self.host} failed: {exc}") from exc

    def _follow(
        self, request: httpx.Request, stream: bool, trusted: tuple[str, str, int | None]
    ) -> httpx.Response:
        """Send `request` and follow its redirects, with its Authorization header only while
        the requests stay on the `trusted` origin; the final response.

        Raises httpx.TooManyRedirects after MAX_REDIRECTS redirects.
        """
        for _ in range(MAX_REDIRECTS + 1):
            response = self._http.send(request, stream=stream)
            following = response.next_request
            if following is None:
                return response

            response.close()
            if _origin(following.url) != trusted:
                following.headers.pop("Authorization", None)
            request = following

        raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=request)

    def _unreachable(self, exc: httpx.ConnectError) -> RegistryUnavailableError:
        """The error for a registry that cannot be connected to.

        A failed TLS handshake will fail the same way next time, so it is not retryable;
        a refused or dropped connection may be temporary.
        """
        error = RegistryUnavailableError(
            f"cannot connect to registry {self.host} at {self._base}: {exc}"
        )
        if self._base.startswith("https://") and not self._insecure:
            error = RegistryUnavailableError(
                f"{error}; if it serves plain HTTP, add it with "
                f"`lading registry add {self.host} --insecure`"
            )
        error.retryable = not _is_tls_failure(exc)
        return error

    def _answer(self, challenges: list[Challenge], scope: str, repository: str) -> None:
        """Prepare the credentials a 401's challenges ask for."""
        bearer = next((c for c in challenges if c.scheme == "bearer"), None)
        basic = next((c for c in challenges if c.scheme == "basic"), None)

        if bearer is not None:
            self._tokens[scope] = self._fetch_token(bearer, scope, repository)
        elif basic is not None and self.username:
            self._use_basic = True
        else:
            self._refuse(repository)

    def _fetch_token(self, challenge: Challenge, scope: str, repository: str) -> str:
        """Get a bearer token from the challenge's realm, with Basic auth when credentials exist."""
        realm = challenge.params.get("realm", "")
        realm_url = self._realm_url(realm)

        params = {"scope": challenge.params.get("scope") or scope}
        if "service" in challenge.params:
            params["service"] = challenge.params["service"]
        headers = {}
        if self.username:
            params["account"] = self.username
            headers["Authorization"] = self._basic_header()

        try:
            request = self._http.build_request("GET", realm_url, params=params, headers=headers)
            response = self._follow(request, False, _origin(realm_url))
        except httpx.TimeoutException as exc:
            raise RegistryUnavailableError(f"token service {realm} did not answer in time") from exc
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise RegistryUnavailableError(f"token service {realm} failed: {exc}") from exc
        except httpx.RequestError as exc:
            # The message names the error kind only: the request carried the credentials.
            raise RegistryUnavailableError(
                f"token service {realm} failed ({type(exc).__name__})"
            ) from None

        if response.status_code in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            self._refuse(repository)
        if response.status_code >= 500 or response.status_code == httpx.codes.TOO_MANY_REQUESTS:
            raise RegistryUnavailableError(f"token service {realm} answered {response.status_code}")
        if response.status_code != httpx.codes.OK:
            raise RegistryAuthError(f"token service {realm} answered {response.status_code}")

        try:
            body = response.json()
        except ValueError as exc:
            raise RegistryAuthError(f"token service {realm} sent a malformed answer") from exc
        token = (body.get("token") or body.get("access_token")) if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise RegistryAuthError(f"token service {realm} sent no token")
        return token

    def _realm_url(self, realm: str) -> httpx.URL:
        """The URL of a token service, if the client may send it the credentials.

        HTTPS is needed, except for a registry marked insecure whose token service is on its
        own host: a token or a password sent in clear can be read on the way.
        """
        try:
            url = httpx.URL(realm) if realm.startswith(("https://", "http://")) else None
        except httpx.InvalidURL:
            url = None
        if url is None or not url.host:
            raise RegistryAuthError(f"registry {self.host} sent a token challenge without realm")
        if url.scheme == "https":
            return url

        if not self._insecure:
            raise RegistryAuthError(
                f"registry {self.host} names a token service over plain HTTP ({realm}); "
                "credentials and tokens are only exchanged over HTTPS, unless the registry is "
                f"added with `lading registry add {self.host} --insecure`"
            )
        if url.host != httpx.URL(self._base).host:
            raise RegistryAuthError(
                f"registry {self.host} names a token service on another host over plain HTTP "
                f"({realm}); a token service on another host is only used over HTTPS"
            )
        return url

    def _basic_header(self) -> str:
        pair = f"{self.username}:{self._password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def _refuse(self, repository: str, detail: str = "") -> NoReturn:
        """Raise the RegistryAuthError for a refusal, with or without credentials.

        `detail` is the registry's own explanation, if it sent one.
        """
        if self.username:
            said = f": {detail}" if detail else ""
            raise RegistryAuthError(
                f"registry {self.host} refused the credentials for user {self.username} "
                f"to read {repository}{said}"
            )
        raise RegistryAuthError(
            f"registry {self.host} needs credentials to read {repository} (or has no such "
            f"repository): add them with `lading registry add {self.host}`"
        )

    def _check_status(self, response: httpx.Response, repository: str, what: str) -> None:
        """Raise the error a non-200 answer stands for."""
        status = response.status_code
        if status == httpx.codes.OK:
            return

        codes, message = _error_details(response)
        if status in (httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN):
            self._refuse(repository, message)
        if status == httpx.codes.NOT_FOUND or codes & _NOT_FOUND_CODES:
            raise ImageNotFoundError(f"registry {self.host} has no {what}")
        if "NAME_INVALID" in codes:
            raise InvalidReferenceError(f"registry {self.host} rejects the name {repository}")

        detail = f": {message}" if message else ""
        error = RegistryUnavailableError(
            f"registry {self.host} answered {status} for {what}{detail}"
        )
        # Throttling and server errors pass; any other answer will be the same next time.
        error.retryable = status == httpx.codes.TOO_MANY_REQUESTS or status >= 500
        raise error


class _ResponseStream:
    """The body of a streamed response as a file-like `read(size)`."""

    def __init__(self, response: httpx.Response, host: str) -> None:
        self._chunks = response.iter_bytes(CHUNK_SIZE)
        self._host = host
        self._buffer = b""

    def read(self, size: int = -1, /) -> bytes:
        try:
            while size < 0 or len(self._buffer) < size:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._buffer += chunk
        except httpx.TimeoutException as exc:
            raise RegistryUnavailableError(f"registry {self._host} stopped sending data") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise RegistryUnavailableError(
                f"download from registry {self._host} failed: {exc}"
            ) from exc

        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Where a URL points: scheme, host and port (None for the scheme's default port)."""
    return url.scheme, url.host, url.port


def _origin_text(url: httpx.URL) -> str:
    """An origin as written in messages: `https://cdn.example:8443`."""
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"


def _error_details(response: httpx.Response) -> tuple[set[str], str]:
    """The error codes and first message of a Distribution error body, if it has one."""
    try:
        response.read()
        body = response.json()
    except (ValueError, httpx.HTTPError):
        return set(), ""

    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return set(), ""
    codes = {
        e.get("code") for e in errors if isinstance(e, dict) and isinstance(e.get("code"), str)
    }
    messages = [e.get("message") for e in errors if isinstance(e, dict)]
    message = next((m for m in messages if isinstance(m, str) and m), "")
    return {str(code) for code in codes}, message[:200]


def _is_tls_failure(exc: BaseException) -> bool:
    """Whether a connection failed in the TLS handshake (an SSL error somewhere in its chain)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or "SSL" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _display(host: str, repository: str, reference: str) -> str:
    """How an image is named in messages: `debian-python:nosuchtag` or `repo@sha256:...`."""
    name = repository.removeprefix("library/") if host == "docker.io" else repository
    separator = "@" if is_digest(reference) else ":"
    return f"{name}{separator}{reference}"
