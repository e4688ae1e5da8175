"""Registry authentication challenges (`WWW-Authenticate`), as the Distribution spec uses them.

A registry answers 401 with a challenge: `Basic realm="..."` asks for the user's credentials
on every request; `Bearer realm="...",service="...",scope="..."` asks the client to fetch a
token from the realm and present that instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A challenge parameter: key=value or key="quoted value" (with backslash escapes).
_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')
_SCHEME = re.compile(r"\s*([A-Za-z0-9_.-]+)(?:\s+|$)")


@dataclass(frozen=True, slots=True)
class Challenge:
    """One authentication challenge; `scheme` is lowercase (`basic`, `bearer`)."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)


def parse_challenges(header: str) -> list[Challenge]:
    """Parse a `WWW-Authenticate` value, which may hold several challenges."""
    challenges: list[Challenge] = []
    position = 0
    while position < len(header):
        scheme = _SCHEME.match(header, position)
        if scheme is None or "=" in header[scheme.end() : scheme.end() + 1]:
            break
        position = scheme.end()

        params: dict[str, str] = {}
        while position < len(header):
            param = _PARAM.match(header, position)
            if param is None:
                break
            key, value = param.group(1), param.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            params[key.lower()] = value
            position = param.end()

        challenges.append(Challenge(scheme.group(1).lower(), params))
        position = _skip_separators(header, position)
    return challenges


def _skip_separators(header: str, position: int) -> int:
    """Skip commas and blanks between two challenges."""
    while position < len(header) and header[position] in ", \t":
        position += 1
    return position
