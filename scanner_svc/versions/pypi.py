"""PyPI versions in PEP 440 order, through `packaging`.

A string that is not PEP 440 (`2019-09-12`, `0.2.0-n653`) cannot be placed in a range; the
matcher may still find it in a record's `versions` list by plain string equality.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from scanner_svc.versions.interface import ParsedVersion


class PypiScheme:
    """PEP 440 order: epochs, pre/post/dev releases, local versions after their public one."""

    name = "pep440"

    def parse(self, text: str) -> ParsedVersion | None:
        """The PEP 440 version of `text`, None when it is not one."""
        try:
            return Version(text)
        except InvalidVersion:
            return None


PYPI = PypiScheme()
