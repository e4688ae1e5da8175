"""The committed code of the contracts is what `make protos` generates from `protos/*.proto`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_generated_code_is_current(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "gen_protos.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )

    generated = sorted(p.name for p in (tmp_path / "protos").glob("*_pb2*"))
    committed = sorted(p.name for p in (REPO_ROOT / "protos").glob("*_pb2*"))
    assert generated == committed, "run `make protos`: generated modules were added or removed"
    stale = [
        name
        for name in generated
        if (tmp_path / "protos" / name).read_bytes() != (REPO_ROOT / "protos" / name).read_bytes()
    ]
    assert stale == [], f"run `make protos`: {stale} differ from protos/*.proto"
