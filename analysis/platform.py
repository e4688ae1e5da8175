"""Image platforms (os/architecture/variant) and how an index entry is matched against one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.errors import InvalidReferenceError

_COMPONENT = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# Names some tools write for the same architecture; the OCI spec uses Go's GOARCH names.
_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "armhf": "arm"}

# The variant a registry index may leave out, as docker and containerd assume it.
_DEFAULT_VARIANTS = {"arm64": "v8", "arm": "v7"}


@dataclass(frozen=True, slots=True)
class Platform:
    """The platform an image runs on, as an OCI index entry or an image config states it."""

    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text

    def normalized(self) -> Platform:
        """The same platform with architecture aliases replaced and the default variant filled.

        Two platforms that name the same thing differently (`linux/aarch64` and
        `linux/arm64/v8`) have equal normalized forms.
        """
        architecture = _ARCH_ALIASES.get(self.architecture, self.architecture)
        variant = self.variant or _DEFAULT_VARIANTS.get(architecture, "")
        return Platform(self.os, architecture, variant)


DEFAULT_PLATFORM = Platform("linux", "amd64")


def parse_platform(text: str) -> Platform:
    """Parse `os/arch[/variant]` (for example `linux/arm64/v8`) into a Platform."""
    parts = text.strip().lower().split("/")
    if len(parts) not in (2, 3) or not all(_COMPONENT.match(part) for part in parts):
        raise InvalidReferenceError(
            f"invalid platform {text!r}: expected os/arch or os/arch/variant, e.g. linux/amd64"
        )

    return Platform(*parts)


def platform_matches(wanted: Platform, offered: Platform) -> bool:
    """Whether an image built for `offered` satisfies a request for `wanted`.

    Both sides are normalized first. A request without a variant for an architecture that has
    no default variant accepts any variant of that architecture.
    """
    want = wanted.normalized()
    have = offered.normalized()
    if (want.os, want.architecture) != (have.os, have.architecture):
        return False

    return not want.variant or want.variant == have.variant
