"""Platforms: parsing `os/arch[/variant]` and matching index entries."""

from __future__ import annotations

import pytest

from analysis.errors import InvalidReferenceError
from analysis.platform import DEFAULT_PLATFORM, Platform, parse_platform, platform_matches


def test_parse_two_and_three_parts() -> None:
    assert parse_platform("linux/amd64") == Platform("linux", "amd64")
    assert parse_platform("linux/arm64/v8") == Platform("linux", "arm64", "v8")
    assert parse_platform(" Linux/ARM/v7 ") == Platform("linux", "arm", "v7")


def test_text_form() -> None:
    assert str(Platform("linux", "amd64")) == "linux/amd64"
    assert str(Platform("linux", "arm", "v6")) == "linux/arm/v6"
    assert str(DEFAULT_PLATFORM) == "linux/amd64"


@pytest.mark.parametrize("text", ["", "linux", "linux/", "/amd64", "linux/amd64/v8/x", "a b/c"])
def test_bad_platforms_are_rejected(text: str) -> None:
    with pytest.raises(InvalidReferenceError, match="os/arch"):
        parse_platform(text)


def test_arm64_without_variant_means_v8() -> None:
    assert platform_matches(Platform("linux", "arm64"), Platform("linux", "arm64", "v8"))
    assert platform_matches(Platform("linux", "arm64", "v8"), Platform("linux", "arm64"))
    assert not platform_matches(Platform("linux", "arm", "v7"), Platform("linux", "arm", "v6"))


def test_architecture_aliases_and_os_must_agree() -> None:
    assert platform_matches(Platform("linux", "x86_64"), Platform("linux", "amd64"))
    assert platform_matches(Platform("linux", "aarch64"), Platform("linux", "arm64", "v8"))
    assert not platform_matches(Platform("linux", "amd64"), Platform("windows", "amd64"))
    assert not platform_matches(Platform("linux", "amd64"), Platform("linux", "arm64"))


def test_no_variant_asked_accepts_any_variant_of_the_architecture() -> None:
    assert platform_matches(Platform("linux", "amd64"), Platform("linux", "amd64", "v3"))
    assert not platform_matches(Platform("linux", "amd64", "v3"), Platform("linux", "amd64"))
