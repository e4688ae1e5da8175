"""Errors the CLI reports to the user before exiting with status 2."""

from __future__ import annotations


class CliError(Exception):
    """Something the user asked for cannot be done; the message says why."""
