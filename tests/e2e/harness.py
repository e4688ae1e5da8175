"""Running `lading up` as a subprocess and the `lading` CLI against it, as a user would."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# How long `lading up` may take to answer its first call, in seconds.
STARTUP_SECONDS = 60.0
# How long one CLI command may run, in seconds.
COMMAND_SECONDS = 600.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Deployment:
    """A `lading up` process on a free port with its own data directory."""

    def __init__(self, data_dir: Path, log_path: Path) -> None:
        self.data_dir = data_dir
        self.url = f"127.0.0.1:{free_port()}"
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Deployment:
        env = dict(os.environ, LADING_SECRET_KEY="")
        env.pop("LADING_URL", None)
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "client.cli",
                    "up",
                    "--data-dir",
                    str(self.data_dir),
                    "--listen",
                    self.url,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"lading up exited early:\n{self.log()}")
            if self.lading("image", "list").code == 0:
                return self
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"lading up did not answer in {STARTUP_SECONDS} s:\n{self.log()}"
                )
            time.sleep(0.3)

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        return self._log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def lading(self, *args: str, stdin: str | None = None, cwd: Path | None = None) -> Result:
        """Run `lading ARGS --url URL` and return its exit code and output."""
        completed = subprocess.run(
            [sys.executable, "-m", "client.cli", *args, "--url", self.url],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            cwd=cwd,
            check=False,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def json(self, *args: str, cwd: Path | None = None) -> Any:
        """Run a command with `-o json`, failing loudly when it does not succeed."""
        result = self.lading(*args, "-o", "json", cwd=cwd)
        if result.code != 0:
            command = " ".join(args)
            raise AssertionError(
                f"lading {command} exited {result.code}: {result.stderr}\n{self.log()[-3000:]}"
            )
        return result.json()
