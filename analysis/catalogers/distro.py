"""Finds the image's distribution in its os-release file."""

from __future__ import annotations

import shlex

from analysis.catalogers.base import basename, parent_name
from analysis.filesystem import FileSystem
from analysis.model import Distro

OS_RELEASE_PATHS = ("/etc/os-release", "/usr/lib/os-release")
"""Where os-release(5) says to look, in order; the first that exists wins."""


def wants(path: str) -> bool:
    """Whether `path` may hold os-release content.

    `/etc/os-release` is usually a symlink, and its target may have any name (one image keeps
    it as `os-release.d/debian-12`), so any file named like os-release, or in a directory so
    named, is kept; one over the per-file limit is only indexed, and fails the analysis only
    if it is read.
    """
    return basename(path).startswith("os-release") or parent_name(path).startswith("os-release")


def parse_os_release(text: str) -> dict[str, str]:
    """The variables of an os-release file, with their shell-style quoting undone.

    Lines that are blank, comments, or not `KEY=value` are ignored, as os-release(5) allows;
    a value whose quoting is broken is dropped rather than guessed at.
    """
    variables: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue

        key, _, raw = stripped.partition("=")
        try:
            words = shlex.split(raw, comments=False, posix=True)
        except ValueError:
            continue

        variables[key.strip()] = " ".join(words)
    return variables


def find_distro(fs: FileSystem) -> Distro | None:
    """The distro of `fs` from its first os-release file, or None without one or without ID."""
    for path in OS_RELEASE_PATHS:
        content = fs.read(path)
        if content is None:
            continue

        variables = parse_os_release(content.decode("utf-8", errors="replace"))
        distro_id = variables.get("ID", "")
        if not distro_id:
            return None

        return Distro(
            id=distro_id,
            version_id=variables.get("VERSION_ID", ""),
            version_codename=variables.get("VERSION_CODENAME", ""),
        )
    return None
