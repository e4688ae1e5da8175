"""Ecosystem strings and package-name normalisation, shared by feed indexing and matching.

Advisories are indexed under the name their ecosystem would compare, so a lookup by an
installed package's normalised name finds them whatever spelling the advisory used.
"""

from __future__ import annotations

from packaging.utils import canonicalize_name

PYPI = "PyPI"
DEBIAN = "Debian"


def base_ecosystem(ecosystem: str) -> str:
    """The ecosystem without its release suffix: `Debian:12` -> `Debian`, `PyPI` -> `PyPI`."""
    return ecosystem.split(":", 1)[0]


def normalize_name(ecosystem: str, name: str) -> str:
    """The form in which `ecosystem` compares package names.

    PyPI compares PEP 503 names (`Foo_Bar.baz` -> `foo-bar-baz`); the other ecosystems
    (Debian, npm, Maven, Go...) compare names exactly.
    """
    if base_ecosystem(ecosystem) == PYPI:
        return str(canonicalize_name(name))
    return name


def debian_ecosystem(version_id: str) -> str:
    """The OSV ecosystem of a Debian release: `12` -> `Debian:12`."""
    return f"{DEBIAN}:{version_id}"
