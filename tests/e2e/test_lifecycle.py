"""Starting and stopping `lading up`: one deployment per data dir and port; a stop mid-analysis
puts the image back in the queue, and a restart finishes it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.harness import Deployment, free_port

# A real directory big enough that its analysis is still running when the stop arrives.
BIG_TREE = Path("/usr")


@pytest.mark.e2e
def test_an_analysis_interrupted_by_shutdown_is_requeued(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = Deployment(data_dir, tmp_path / "first.log").start()
    try:
        first.json("image", "add", f"dir:{BIG_TREE}")
        deadline = time.monotonic() + 30
        while first.json("image", "get", f"dir:{BIG_TREE}")["analysis_status"] != "analyzing":
            assert time.monotonic() < deadline, "the analysis never started"
            time.sleep(0.05)
    finally:
        first.stop()

    # The stream closing or the shutdown itself re-queues it, whichever comes first.
    assert "task_requeued" in first.log()

    second = Deployment(data_dir, tmp_path / "second.log").start()
    try:
        image = second.json("image", "wait", f"dir:{BIG_TREE}", "--timeout", "300")
    finally:
        second.stop()
    assert image["analysis_status"] == "analyzed"


@pytest.mark.e2e
def test_a_second_deployment_on_the_same_data_dir_or_port_refuses_to_start(
    tmp_path: Path,
) -> None:
    first = Deployment(tmp_path / "data", tmp_path / "first.log").start()
    try:
        same_dir = subprocess.run(
            [
                sys.executable,
                "-m",
                "client.cli",
                "up",
                "--data-dir",
                str(tmp_path / "data"),
                "--listen",
                f"127.0.0.1:{free_port()}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        same_port = subprocess.run(
            [
                sys.executable,
                "-m",
                "client.cli",
                "up",
                "--data-dir",
                str(tmp_path / "other"),
                "--listen",
                first.url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        first.stop()

    assert same_dir.returncode == 2 and "another lading up" in same_dir.stderr
    assert same_port.returncode == 2 and "cannot listen" in same_port.stderr
