"""Printing results: tables for people (the default), JSON for programs (`-o json`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


class _Console(Console):
    """A console that lets a closed pipe surface as BrokenPipeError, which the CLI turns into
    exit code 2: rich's own handling exits with 1, which `image check` reserves for STOP."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    table = Table(*columns, title=title or None, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    _Console(width=200 if not sys.stdout.isatty() else None).print(table)


def print_fields(fields: Sequence[tuple[str, Any]]) -> None:
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        shown = "" if value is None else value
        if isinstance(shown, list):
            shown = ", ".join(str(item) for item in shown)
        print(f"{name.ljust(width)}  {shown}")
