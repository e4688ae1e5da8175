"""Deployments for the end-to-end tests: `lading up` as a subprocess on a temporary data dir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Deployment

StartDeployment = Callable[[], Deployment]


@pytest.fixture(scope="module")
def start_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartDeployment]:
    """Starts deployments that are all stopped when the module's tests are done."""
    started: list[Deployment] = []

    def start() -> Deployment:
        root = tmp_path_factory.mktemp("lading")
        deployment = Deployment(root / "data", root / "lading-up.log").start()
        started.append(deployment)
        return deployment

    yield start
    for deployment in started:
        deployment.stop()


@pytest.fixture(scope="module")
def vulndata(shared: Path) -> Path:
    return shared / "vulndata"
