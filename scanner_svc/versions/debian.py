"""Debian versions in dpkg order (Debian policy 5.6.12), through python-debian.

python-debian compares epoch, then upstream and revision by alternating non-digit and digit
runs, `~` sorting before everything (even the end of the string), digit runs as numbers.
"""

from __future__ import annotations

from typing import Any

from debian.debian_support import Version

from scanner_svc.versions.interface import ParsedVersion


class DebianScheme:
    """dpkg version order; a string dpkg could not read gives None."""

    name = "dpkg"

    def parse(self, text: str) -> ParsedVersion | None:
        """The dpkg version of `text` (`1:2.3-4~deb12u1`), None when it is malformed."""
        try:
            version: Any = Version(text.strip())
        except ValueError:
            return None
        parsed: ParsedVersion = version
        return parsed


DEBIAN = DebianScheme()
