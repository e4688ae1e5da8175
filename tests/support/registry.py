"""A real OCI registry (Debian's `docker-registry`, distribution 2.8) for end-to-end tests.

Each `Registry` runs `docker-registry serve CONFIG` as a subprocess on 127.0.0.1, over plain
HTTP, with filesystem storage and its log in a temporary directory that is removed when it
stops. Three authentication modes match the ways Lading meets registries:

- `"anonymous"`: no authentication at all;
- `"basic"`: HTTP Basic against an htpasswd file made for one username and password;
- `"token"`: the bearer-token flow against a `TokenServer` that the caller runs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self, get_args

import bcrypt
import httpx

from tests.support.errors import RegistryStartError
from tests.support.ports import LOCALHOST, free_port
from tests.support.token_server import TokenServer

Mode = Literal["anonymous", "basic", "token"]

REGISTRY_BINARY = "docker-registry"
BASIC_REALM = "lading-registry"
# The cheapest cost bcrypt allows: the registry checks the hash on every request of a push,
# and these throwaway test passwords need no protection against brute force.
BCRYPT_ROUNDS = 4
# A port taken between `free_port()` and the registry's bind is retried this many times.
START_ATTEMPTS = 3
LOG_TAIL_LINES = 40


class Registry:
    """One registry subprocess on 127.0.0.1; a context manager that starts and stops it.

    `username` and `password` are the credentials a client must present: the htpasswd user in
    `"basic"` mode, the token server's user in `"token"` mode, and `None` in `"anonymous"` mode.
    `startup_timeout` bounds, in seconds (default 20), the wait for `GET /v2/` to answer.
    `binary` is the registry program (default `docker-registry` on `PATH`).
    """

    def __init__(
        self,
        mode: Mode = "anonymous",
        *,
        token_server: TokenServer | None = None,
        username: str = "lading",
        password: str | None = None,
        startup_timeout: float = 20.0,
        binary: str = REGISTRY_BINARY,
    ) -> None:
        if mode not in get_args(Mode):
            raise ValueError(f"unknown registry mode {mode!r}; expected one of {get_args(Mode)}")
        if (mode == "token") != (token_server is not None):
            raise ValueError("a token_server is needed in token mode, and only there")

        self.mode: Mode = mode
        self.token_server = token_server
        self.username: str | None = None
        self.password: str | None = None
        if mode == "basic":
            self.username = username
            self.password = password if password is not None else secrets.token_urlsafe(18)
        elif token_server is not None:
            self.username, self.password = token_server.username, token_server.password
        self.startup_timeout = startup_timeout
        self.binary = binary

        self.port: int | None = None
        self.root: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`, the registry part of an image reference."""
        if self.port is None:
            raise RuntimeError("the registry is not running")
        return f"{LOCALHOST}:{self.port}"

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, the base URL of the registry API (add `/v2/...`)."""
        return f"http://{self.host}"

    @property
    def credentials(self) -> tuple[str, str] | None:
        """`(username, password)` for clients such as httpx, or `None` in anonymous mode."""
        if self.username is None or self.password is None:
            return None
        return self.username, self.password

    @property
    def log_path(self) -> Path:
        """The file that receives the registry's stdout and stderr (level warn)."""
        if self.root is None:
            raise RuntimeError("the registry is not running")
        return self.root / "registry.log"

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last `lines` lines of the registry's log, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except (OSError, RuntimeError):
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"

    def start(self) -> Self:
        """Write the configuration, start the registry and wait until it answers."""
        if self.process is not None:
            return self
        self.root = Path(tempfile.mkdtemp(prefix="lading-registry-"))
        try:
            self._prepare_files(self.root)
            for attempt in range(1, START_ATTEMPTS + 1):
                self.port = free_port()
                self._write_config(self.root)
                self._spawn()
                try:
                    self._wait_until_ready()
                    return self
                except RegistryStartError:
                    lost_port = "address already in use" in self.log_tail()
                    self._stop_process()
                    if not lost_port or attempt == START_ATTEMPTS:
                        raise
        except BaseException:
            self.stop()
            raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def stop(self) -> None:
        """Stop the registry (terminate, then kill) and delete its files; safe to repeat."""
        self._stop_process()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        self.port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        # The password stays out of the representation, which pytest prints on failures.
        where = self.host if self.port is not None else "stopped"
        return f"Registry(mode={self.mode!r}, {where}, username={self.username!r})"

    def _prepare_files(self, root: Path) -> None:
        (root / "storage").mkdir()
        if self.mode == "basic":
            assert self.username is not None and self.password is not None
            digest = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
            # distribution's htpasswd reader accepts only bcrypt entries.
            (root / "htpasswd").write_text(f"{self.username}:{digest.decode('ascii')}\n")
        if self.token_server is not None:
            (root / "token-ca.pem").write_bytes(self.token_server.certificate_pem)

    def _write_config(self, root: Path) -> None:
        config: dict[str, Any] = {
            "version": "0.1",
            "log": {"level": "warn", "formatter": "text", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(root / "storage")},
                "delete": {"enabled": False},
                "maintenance": {"uploadpurging": {"enabled": False}},
            },
            "http": {
                "addr": self.host,
                # A fixed secret silences the registry's warning about generating one.
                "secret": secrets.token_hex(16),
                "headers": {"X-Content-Type-Options": ["nosniff"]},
            },
            "health": {"storagedriver": {"enabled": False}},
        }
        if self.mode == "basic":
            config["auth"] = {"htpasswd": {"realm": BASIC_REALM, "path": str(root / "htpasswd")}}
        elif self.token_server is not None:
            config["auth"] = {
                "token": {
                    "realm": self.token_server.realm,
                    "service": self.token_server.service,
                    "issuer": self.token_server.issuer,
                    "rootcertbundle": str(root / "token-ca.pem"),
                }
            }
        # JSON is valid YAML, and json.dumps quotes paths and secrets correctly.
        (root / "config.yml").write_text(json.dumps(config, indent=2))

    def _spawn(self) -> None:
        assert self.root is not None
        # distribution lets REGISTRY_* variables override the configuration file.
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        # Each attempt starts a fresh log, so the tail shows only the attempt that failed.
        self._log = self.log_path.open("wb")
        try:
            self.process = subprocess.Popen(
                [self.binary, "serve", str(self.root / "config.yml")],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.root,
            )
        except OSError as error:
            self._close_log()
            raise RegistryStartError(f"cannot run {self.binary!r}: {error}") from error

    def _wait_until_ready(self) -> None:
        """Poll `GET /v2/` until it answers 200 (anonymous) or 401 (auth modes)."""
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(trust_env=False, timeout=1.0) as client:
            while True:
                code = self.process.poll()
                if code is not None:
                    raise RegistryStartError(
                        f"{self.binary} exited with status {code} before answering on "
                        f"{self.host}; log tail:\n{self.log_tail()}"
                    )
                try:
                    response = client.get(f"{self.url}/v2/")
                    if response.status_code in (200, 401):
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RegistryStartError(
                        f"{self.binary} did not answer GET /v2/ on {self.host} within "
                        f"{self.startup_timeout} s; log tail:\n{self.log_tail()}"
                    )
                time.sleep(0.05)

    def _stop_process(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
