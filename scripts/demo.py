"""`make demo`: a whole deployment on a temporary SQLite data dir, one real image, and stop.

Starts `lading up`, syncs the advisories of ../shared/vulndata, analyzes
../shared/images/oci/debian-python, prints its packages, findings and policy verdict, then
stops the deployment and removes the data dir.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LADING_SHARED", ROOT.parent / "shared")).resolve()
LADING = [sys.executable, "-m", "client.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def step(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def lading(url: str, *args: str, check: bool = True) -> int:
    """Run one `lading` command against the demo deployment, showing it as a user would type."""
    print(f"$ lading {' '.join(args)}", flush=True)
    code = subprocess.run([*LADING, *args, "--url", url], check=False).returncode
    if check and code != 0:
        raise SystemExit(f"demo: `lading {' '.join(args)}` failed with exit code {code}")
    return code


def wait_until_up(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("demo: lading up exited before it was ready")
        probe = subprocess.run(
            [*LADING, "image", "list", "--url", url], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return
        time.sleep(0.3)
    raise SystemExit("demo: lading up did not answer within 60 s")


def main() -> None:
    image = SHARED / "images" / "oci" / "debian-python"
    if not image.is_dir():
        raise SystemExit(f"demo: {image} is missing; clone the project beside ../shared")

    data_dir = Path(tempfile.mkdtemp(prefix="lading-demo-"))
    url = f"127.0.0.1:{free_port()}"
    log_path = data_dir / "lading-up.log"
    step(f"lading up --data-dir {data_dir} --listen {url}  (log: {log_path})")
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [*LADING, "up", "--data-dir", str(data_dir / "data"), "--listen", url],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(url, server, time.monotonic() + 60)

        step("sync the advisories")
        lading(url, "feeds", "sync", str(SHARED / "vulndata"))

        step("analyze the image")
        lading(url, "image", "add", f"oci-dir:{image}", "--wait")

        step("packages")
        lading(url, "image", "content", f"oci-dir:{image}", "all")

        step("vulnerabilities")
        lading(url, "image", "vulns", f"oci-dir:{image}", "all")

        step("policy verdict (exit code 1 means STOP)")
        code = lading(url, "image", "check", f"oci-dir:{image}", check=False)
        print(f"exit code: {code}")
        if code not in (0, 1):
            raise SystemExit("demo: the policy check failed")
    finally:
        step("stop the deployment")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
        print("stopped; the temporary data dir is removed")


if __name__ == "__main__":
    main()
