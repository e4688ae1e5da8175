"""Regenerate the Python code of the contracts in `protos/`, with typed stubs.

Run as `make protos` after editing a `.proto` file; `tests/test_protos.py` fails while the
committed code differs from what this writes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent


def generate(out_dir: Path) -> None:
    """Write the generated modules of every `protos/*.proto` under `out_dir/protos/`."""
    plugin_dir = Path(sys.executable).parent
    proto_files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "protos").glob("*.proto"))
    (out_dir / "protos").mkdir(parents=True, exist_ok=True)
    include = Path(protoc.__file__).parent / "_proto"

    args = [
        "protoc",
        f"-I{ROOT}",
        f"-I{include}",
        f"--plugin=protoc-gen-mypy={plugin_dir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={plugin_dir / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_out=quiet:{out_dir}",
        f"--mypy_grpc_out=quiet:{out_dir}",
        *proto_files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT, help="output root (default: the repo)")
    out = parser.parse_args().out
    generate(out)
    if out != ROOT:
        shutil.copy(ROOT / "protos" / "__init__.py", out / "protos" / "__init__.py")


if __name__ == "__main__":
    main()
