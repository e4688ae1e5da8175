"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_root() -> Path:
    """The `shared/` folder beside the repository (or `LADING_SHARED`), read in place."""
    return Path(os.environ.get("LADING_SHARED", REPO_ROOT.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    root = shared_root()
    if not (root / "images").is_dir():
        raise RuntimeError(f"the shared test data is missing: {root} has no images/ folder")
    return root


pytest_plugins = ["tests.support.fixtures"]
