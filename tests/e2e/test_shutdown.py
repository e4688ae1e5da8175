"""Stopping `lading up` mid-analysis puts the image back in the queue; a restart finishes it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.harness import Deployment

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
