"""A small Docker registry token service, so tests can run the real bearer-token flow.

A registry in token mode answers unauthenticated requests with `401` and a
`WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge; the client then asks the
realm (this service) for a token, with `GET /token?service=S&scope=repository:NAME:pull,push`
and optional HTTP Basic credentials, and retries with `Authorization: Bearer <token>`.

Policy, following the Distribution token specification:

- the right username and password get every action they ask for;
- a request without credentials is an anonymous client, not an error: it gets `200` and a token
  whose `access` grants only the actions listed in `anonymous_actions` (none by default), so the
  registry then refuses the operation itself (the specification says that a client holding a
  subset of the requested access must not be treated as an error by the token service);
- credentials that are present but wrong, or an `Authorization` scheme other than Basic, get
  `401`, as the specification asks for failed authentication.

Tokens are RS256 JWTs signed with an RSA key made for each instance. The header's `x5c` carries
the instance's self-signed certificate; the registry's `rootcertbundle` is that same certificate,
so the registry checks the chain and then the signature, just as against a real token service.
The service runs on the standard library's `http.server` in a thread, on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support.ports import LOCALHOST

TOKEN_PATH = "/token"
DEFAULT_SERVICE = "lading-registry"
DEFAULT_ISSUER = "lading-token-service"


@dataclass(frozen=True)
class Grant:
    """One entry of a token's `access` claim: actions on one resource."""

    type: str
    name: str
    actions: tuple[str, ...]

    def claim(self) -> dict[str, Any]:
        """The JSON form the registry reads from the token's `access` list."""
        return {"type": self.type, "name": self.name, "actions": list(self.actions)}


@dataclass(frozen=True)
class TokenRequest:
    """One request the service answered, kept so tests can check the flow really used it.

    `subject` is the authenticated username, `""` for an anonymous client, and `None` when the
    request was refused before anyone was authenticated (wrong credentials, unknown path).
    """

    path: str
    service: str | None
    scopes: tuple[str, ...]
    subject: str | None
    status: int


def parse_scope(scope: str) -> Grant:
    """Split `type:name:action,action` into a `Grant`.

    The name is what lies between the first and the last colon, because a repository name may
    itself hold a colon when it starts with a registry host and port.
    """
    resource_type, sep, rest = scope.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not (sep and sep2 and resource_type and name):
        raise ValueError(f"malformed scope {scope!r}; expected type:name:actions")
    return Grant(resource_type, name, tuple(a for a in actions.split(",") if a))


class TokenServer:
    """A token service on 127.0.0.1 with one user; use it as a context manager.

    `ttl_seconds` is how long a token stays valid, in seconds (default 300, the five minutes the
    specification suggests as a minimum a client should expect). `anonymous_actions` are the
    repository actions (for example `("pull",)`) granted to clients that send no credentials;
    the default grants none, which makes every anonymous registry request fail with `401`.
    """

    def __init__(
        self,
        *,
        username: str = "lading",
        password: str | None = None,
        service: str = DEFAULT_SERVICE,
        issuer: str = DEFAULT_ISSUER,
        ttl_seconds: int = 300,
        anonymous_actions: tuple[str, ...] = (),
    ) -> None:
        self.username = username
        self.password = password if password is not None else secrets.token_urlsafe(18)
        self.service = service
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds
        self.anonymous_actions = anonymous_actions

        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._certificate = _self_signed_certificate(self._key, issuer)
        self._x5c = base64.b64encode(
            self._certificate.public_bytes(serialization.Encoding.DER)
        ).decode("ascii")

        self._lock = threading.Lock()
        self._requests: list[TokenRequest] = []
        self._server: _TokenHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def certificate_pem(self) -> bytes:
        """The certificate that signs tokens, PEM: the registry's `rootcertbundle`."""
        return self._certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """The key that verifies this service's tokens, for tests that decode them."""
        return self._key.public_key()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` of the running service."""
        if self._server is None:
            raise RuntimeError("the token server is not running")
        return f"http://{LOCALHOST}:{self._server.server_address[1]}"

    @property
    def realm(self) -> str:
        """The token endpoint, which the registry names as `realm` in its challenges."""
        return self.url + TOKEN_PATH

    @property
    def requests(self) -> list[TokenRequest]:
        """A copy of every request answered so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def requests_served(self) -> int:
        """How many requests the service answered, whatever their status."""
        with self._lock:
            return len(self._requests)

    def start(self) -> Self:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._server is not None:
            return self
        # Port 0 lets the kernel choose while binding, so no other process can take it first.
        server = _TokenHTTPServer((LOCALHOST, 0), _TokenHandler)
        server.token_service = self
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="lading-token-server",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; calling it twice is harmless."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def issue(self, subject: str, service: str, grants: list[Grant]) -> dict[str, Any]:
        """Sign a token for `subject` and return the JSON body the token endpoint sends."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        claims = {
            "iss": self.issuer,
            "sub": subject,
            # distribution 2.8 reads `aud` as one string, not a list.
            "aud": service,
            "exp": now + dt.timedelta(seconds=self.ttl_seconds),
            "nbf": now,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": [grant.claim() for grant in grants],
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"x5c": [self._x5c]})
        return {
            "token": token,
            "access_token": token,
            "expires_in": self.ttl_seconds,
            "issued_at": now.isoformat().replace("+00:00", "Z"),
        }

    def grants_for(self, subject: str, requested: list[Grant]) -> list[Grant]:
        """What `subject` may do out of what it asked: the user everything, anonymous less."""
        if subject == self.username:
            return requested
        granted = []
        for grant in requested:
            actions = tuple(a for a in grant.actions if a in self.anonymous_actions)
            if grant.type == "repository" and actions:
                granted.append(Grant(grant.type, grant.name, actions))
        return granted

    def authenticate(self, authorization: str | None) -> str | None:
        """The subject for an `Authorization` header: `""` if absent, `None` if it fails."""
        if authorization is None:
            return ""
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        username, _, password = decoded.partition(":")
        same_user = hmac.compare_digest(username.encode(), self.username.encode())
        same_password = hmac.compare_digest(password.encode(), self.password.encode())
        return username if same_user and same_password else None

    def record(self, request: TokenRequest) -> None:
        """Remember one answered request (called from the handler threads)."""
        with self._lock:
            self._requests.append(request)


class _TokenHTTPServer(ThreadingHTTPServer):
    """The HTTP server, holding the `TokenServer` whose policy the handler applies."""

    daemon_threads = True
    token_service: TokenServer


class _TokenHandler(BaseHTTPRequestHandler):
    """Answers `GET /token`; every other path is `404`."""

    server: _TokenHTTPServer

    def do_GET(self) -> None:
        service = self.server.token_service
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        requested_service = query.get("service", [None])[0]
        # Older clients join several scopes with spaces in one parameter; others repeat it.
        scopes = tuple(s for value in query.get("scope", []) for s in value.split())

        def answer(status: HTTPStatus, body: dict[str, Any], subject: str | None) -> None:
            service.record(TokenRequest(url.path, requested_service, scopes, subject, int(status)))
            self._send_json(status, body)

        if url.path != TOKEN_PATH:
            answer(HTTPStatus.NOT_FOUND, {"error": "not_found"}, None)
            return

        subject = service.authenticate(self.headers.get("Authorization"))
        if subject is None:
            answer(HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}, None)
            return

        try:
            requested = [parse_scope(scope) for scope in scopes]
        except ValueError as error:
            answer(HTTPStatus.BAD_REQUEST, {"error": "invalid_scope", "detail": str(error)}, None)
            return

        grants = service.grants_for(subject, requested)
        body = service.issue(subject, requested_service or service.service, grants)
        answer(HTTPStatus.OK, body, subject)

    def _send_json(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if status == HTTPStatus.UNAUTHORIZED:
            self.send_header("WWW-Authenticate", 'Basic realm="lading-token-service"')
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the requests are recorded on the `TokenServer` instead of stderr."""


def _self_signed_certificate(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    """A one-day CA certificate for `key`, its own issuer, valid from an hour ago.

    The hour of back-dating absorbs clock differences between this process and the registry.
    """
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
