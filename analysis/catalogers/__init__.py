"""The catalogers: each finds one kind of package in an image's squashed filesystem."""

from __future__ import annotations

from analysis.catalogers.base import Cataloger
from analysis.catalogers.dpkg import DpkgCataloger
from analysis.catalogers.python import PythonCataloger


def default_catalogers() -> tuple[Cataloger, ...]:
    """Every cataloger an analysis runs, in the order their packages are gathered."""
    return (DpkgCataloger(), PythonCataloger())


__all__ = ["Cataloger", "DpkgCataloger", "PythonCataloger", "default_catalogers"]
