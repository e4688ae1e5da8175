"""Version schemes: dpkg order (case C11's pairs) and PEP 440."""

from __future__ import annotations

import pytest

from scanner_svc.versions import scheme_for
from scanner_svc.versions.debian import DEBIAN
from scanner_svc.versions.pypi import PYPI


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("9.1.0016-1", "2:9.0.1378-2"),
        ("3.0.15-1~deb12u1", "3.0.15-1"),
        ("2.36-9+deb12u9", "2.36-9+deb12u10"),
        ("1.2.3~rc1-1", "1.2.3-1"),
        ("1.3-1", "1:1.2.13.dfsg-1"),
        ("12.2.0-14", "12.2.0-14+deb12u1"),
        ("5.2.15-2", "5.2.15-3"),
    ],
)
def test_dpkg_order(lower: str, higher: str) -> None:
    low, high = DEBIAN.parse(lower), DEBIAN.parse(higher)

    assert low is not None and high is not None
    assert low < high


def test_dpkg_equality_ignores_a_zero_epoch() -> None:
    assert DEBIAN.parse("7.88.1-10+deb12u5") == DEBIAN.parse("0:7.88.1-10+deb12u5")


@pytest.mark.parametrize("text", ["", "1.0 beta", ":1", "1:"])
def test_malformed_debian_versions_do_not_parse(text: str) -> None:
    assert DEBIAN.parse(text) is None


def test_pep440_order_and_unparsable_versions() -> None:
    dev, alpha = PYPI.parse("2.0.0.dev1"), PYPI.parse("2.0.0a1")

    assert dev is not None and alpha is not None and dev < alpha
    assert PYPI.parse("1.6.5-1") == PYPI.parse("1.6.5.post1")
    assert PYPI.parse("2019-09-12") is None


def test_schemes_are_found_by_ecosystem() -> None:
    assert (scheme_for("Debian:12"), scheme_for("PyPI"), scheme_for("Go")) == (DEBIAN, PYPI, None)
