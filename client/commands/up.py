"""`lading up`: every service and one analyzer in one process, on one SQLite file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from client.connection import DEFAULT_URL

DATA_DIR_ENV = "LADING_DATA_DIR"


def default_data_dir() -> Path:
    """`LADING_DATA_DIR`, else `$XDG_DATA_HOME/lading`, else `~/.local/share/lading`."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lading"


def up(args: argparse.Namespace) -> int:
    from deployment.embedded import EmbeddedSettings, run

    settings = EmbeddedSettings(
        data_dir=Path(args.data_dir).expanduser().resolve(),
        listen=args.listen,
        lease_seconds=args.lease_seconds,
        log_level=args.log_level,
        log_json=args.log_json,
    )
    run(settings)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `up` command."""
    parser = commands.add_parser("up", help="run a whole deployment in this process")
    parser.add_argument(
        "--data-dir",
        default=str(default_data_dir()),
        help=f"where the database and the secret key live (default: {default_data_dir()})",
    )
    parser.add_argument(
        "--listen", default=DEFAULT_URL, help=f"HOST:PORT to serve on (default: {DEFAULT_URL})"
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=3600.0,
        help="how long an analyzer holds a task before it is re-queued (default: 3600)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    parser.add_argument("--log-json", action="store_true", help="log JSON lines")
    parser.set_defaults(handler=up)
