"""Image references: a registry image (`debian:12`) or a local source (`oci-dir:/path:tag`).

Registry references follow docker's rules, so that `debian`, `docker.io/library/debian:latest`
and `index.docker.io/library/debian` all name the same image. Local sources name a path on
this machine, made absolute when parsed so that the reference means the same thing later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from analysis.errors import InvalidReferenceError

DOCKER_HUB = "docker.io"
DEFAULT_TAG = "latest"

# The longest repository name (host included) docker accepts.
_MAX_NAME_LENGTH = 255

_DIGEST = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_HOST_LABEL = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_HOST = re.compile(rf"^(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$")
_HUB_ALIASES = {"index.docker.io", "registry-1.docker.io"}


class SourceKind(StrEnum):
    """Where an image is read from."""

    REGISTRY = "registry"
    DOCKER_ARCHIVE = "docker-archive"
    OCI_ARCHIVE = "oci-archive"
    OCI_DIR = "oci-dir"
    DIRECTORY = "dir"


_LOCAL_KINDS = (
    SourceKind.DOCKER_ARCHIVE,
    SourceKind.OCI_ARCHIVE,
    SourceKind.OCI_DIR,
    SourceKind.DIRECTORY,
)


@dataclass(frozen=True, slots=True)
class ImageReference:
    """A parsed, normalized image reference.

    `location` is `host[:port]/repository` for a registry image (Docker Hub images use
    `docker.io/library/...`) and an absolute path for local sources. `tag` is the registry tag,
    or the tag that picks one image of an OCI layout or one image of a docker archive.
    `digest` (`sha256:...`) pins the manifest (the image id for a docker archive).
    """

    kind: SourceKind
    location: str
    tag: str = ""
    digest: str = ""

    def __str__(self) -> str:
        text = self.location if self.kind is SourceKind.REGISTRY else f"{self.kind}:{self.location}"
        if self.tag:
            text = f"{text}:{self.tag}"
        if self.digest:
            text = f"{text}@{self.digest}"
        return text

    @property
    def registry_host(self) -> str:
        """The registry's `host[:port]` (`docker.io` for Docker Hub); empty for local sources."""
        if self.kind is not SourceKind.REGISTRY:
            return ""
        return self.location.split("/", 1)[0]

    @property
    def repository(self) -> str:
        """The repository inside the registry (`library/debian`); empty for local sources."""
        if self.kind is not SourceKind.REGISTRY:
            return ""
        return self.location.split("/", 1)[1]

    def with_digest(self, digest: str) -> ImageReference:
        """The same reference pinned to `digest`."""
        if not _DIGEST.match(digest):
            raise InvalidReferenceError(f"invalid digest {digest!r}: expected sha256:<64 hex>")
        return replace(self, digest=digest)


def parse_reference(text: str, cwd: Path | None = None) -> ImageReference:
    """Parse a registry reference or a `KIND:PATH` local source into a normalized reference.

    Local kinds are `docker-archive:PATH[:NAME:TAG]`, `oci-archive:PATH[:TAG]`,
    `oci-dir:PATH[:TAG]` and `dir:PATH`; relative paths are made absolute against `cwd`
    (default: the current directory). A trailing `:TAG` (and `@sha256:...`) is split off only
    when the text as a whole is not an existing path, since paths may contain colons.
    """
    text = text.strip()
    if not text:
        raise InvalidReferenceError("empty image reference")

    for kind in _LOCAL_KINDS:
        prefix = f"{kind}:"
        if text.startswith(prefix):
            return _parse_local(kind, text[len(prefix) :], text, cwd)

    return _parse_registry(text.removeprefix("docker://"), text)


def _parse_local(kind: SourceKind, spec: str, text: str, cwd: Path | None) -> ImageReference:
    """Parse the part after `KIND:` of a local source."""
    if not spec:
        raise InvalidReferenceError(f"invalid reference {text!r}: no path after {kind}:")

    base = str(cwd) if cwd is not None else os.getcwd()

    def absolute(path: str) -> str:
        return os.path.normpath(os.path.join(base, os.path.expanduser(path)))

    if kind is SourceKind.DIRECTORY:
        return ImageReference(kind, absolute(spec))

    digest = ""
    head, at, tail = spec.rpartition("@")
    if at and _DIGEST.match(tail) and not os.path.exists(absolute(spec)):
        spec, digest = head, tail

    path, tag = _split_tag(spec, absolute, first=kind is SourceKind.DOCKER_ARCHIVE)
    if not path:
        raise InvalidReferenceError(f"invalid reference {text!r}: no path after {kind}:")
    if tag and kind is not SourceKind.DOCKER_ARCHIVE and not _TAG.match(tag):
        raise InvalidReferenceError(f"invalid reference {text!r}: bad tag {tag!r}")

    return ImageReference(kind, absolute(path), tag, digest)


def _split_tag(spec: str, absolute: Callable[[str], str], first: bool) -> tuple[str, str]:
    """Split `PATH[:TAG]`, preferring the longest prefix that exists on disk.

    When no prefix exists, the tag is what follows the last colon (the first one when `first`
    is set, as a docker archive's `NAME:TAG` holds a colon itself), unless that part looks
    like a path; the missing path is reported later by the reader.
    """
    if os.path.exists(absolute(spec)):
        return spec, ""

    colons = [index for index, char in enumerate(spec) if char == ":"]
    for index in reversed(colons):
        if os.path.exists(absolute(spec[:index])):
            return spec[:index], spec[index + 1 :]

    path, colon, tag = spec.partition(":") if first else spec.rpartition(":")
    if colon and tag and (first or "/" not in tag):
        return path, tag
    return spec, ""


def _parse_registry(name: str, text: str) -> ImageReference:
    """Parse a docker-style registry reference: `[host[:port]/]repo[:tag][@digest]`."""

    def invalid(reason: str) -> InvalidReferenceError:
        return InvalidReferenceError(f"invalid image reference {text!r}: {reason}")

    digest = ""
    if "@" in name:
        name, digest = name.split("@", 1)
        if not _DIGEST.match(digest):
            raise invalid("the digest must be sha256: followed by 64 lowercase hex digits")

    tag = ""
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG.match(tag):
            raise invalid(f"bad tag {tag!r}")

    host, remainder = DOCKER_HUB, name
    first, slash, rest = name.partition("/")
    looks_like_host = any(char in first for char in ".:") or first == "localhost"
    if slash and (looks_like_host or first != first.lower()):
        host, remainder = first, rest

    if host in _HUB_ALIASES:
        host = DOCKER_HUB
    if not _HOST.match(host):
        raise invalid(f"bad registry host {host!r}")
    if host == DOCKER_HUB and remainder and "/" not in remainder:
        remainder = f"library/{remainder}"

    if not remainder:
        raise invalid("no repository name")
    if remainder != remainder.lower():
        raise invalid("repository names must be lowercase")
    if not all(_PATH_COMPONENT.match(part) for part in remainder.split("/")):
        raise invalid(f"bad repository name {remainder!r}")

    location = f"{host}/{remainder}"
    if len(location) > _MAX_NAME_LENGTH:
        raise invalid(f"the name is longer than {_MAX_NAME_LENGTH} characters")

    if not tag and not digest:
        tag = DEFAULT_TAG
    return ImageReference(SourceKind.REGISTRY, location, tag, digest)
