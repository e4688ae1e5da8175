"""OSV range evaluation on hand-made entries: event order, bounds, limits, version lists."""

from __future__ import annotations

import pytest

from scanner_svc.feeds.osv import EventKind, OsvAffected, OsvEvent, OsvPackage, OsvRange
from scanner_svc.matching.ranges import ECOSYSTEM_RANGE, evaluate_affected
from scanner_svc.versions.debian import DEBIAN
from scanner_svc.versions.pypi import PYPI

PACKAGE = OsvPackage("PyPI", "example")


def _entry(*ranges: list[tuple[EventKind, str]], versions: tuple[str, ...] = ()) -> OsvAffected:
    return OsvAffected(
        PACKAGE,
        tuple(
            OsvRange("ECOSYSTEM", tuple(OsvEvent(kind, v) for kind, v in events))
            for events in ranges
        ),
        versions,
    )


def _fixed(entry: OsvAffected, version: str) -> str | bool | None:
    """The reported fix, or False when the version is not affected."""
    hit = evaluate_affected(entry, version, {ECOSYSTEM_RANGE: PYPI})
    return False if hit is None else hit.fixed


UNSORTED = _entry(
    [
        ("introduced", "1.10"),
        ("fixed", "1.10.7"),
        ("introduced", "1.9"),
        ("fixed", "1.9.13"),
        ("introduced", "0"),
        ("fixed", "1.8.18"),
    ]
)


@pytest.mark.parametrize(
    ("version", "fixed"),
    [
        ("1.9.5.post1", "1.9.13"),
        ("1.9.13", False),
        ("1.8.17", "1.8.18"),
        ("1.10.6", "1.10.7"),
        ("1.11", False),
    ],
)
def test_events_are_walked_in_version_order(version: str, fixed: str | bool) -> None:
    assert _fixed(UNSORTED, version) == fixed


@pytest.mark.parametrize(
    ("version", "fixed"),
    [("1.11.0", None), ("1.11.1", False), ("1.11.0+local", False), ("1.0", None)],
)
def test_last_affected_includes_its_version_and_reports_no_fix(
    version: str, fixed: str | bool | None
) -> None:
    entry = _entry([("introduced", "0"), ("last_affected", "1.11.0")])

    assert _fixed(entry, version) == fixed


def test_a_limit_bounds_the_range() -> None:
    entry = _entry([("introduced", "1.0"), ("limit", "2.0")])

    assert (_fixed(entry, "1.5"), _fixed(entry, "2.0"), _fixed(entry, "0.9")) == (
        None,
        False,
        False,
    )


def test_a_range_with_an_unreadable_bound_is_skipped_but_versions_still_apply() -> None:
    entry = _entry(
        [("introduced", "0"), ("fixed", "2019-09-12")],
        versions=("0.1", "0.2.0-n653"),
    )

    assert (_fixed(entry, "0.1"), _fixed(entry, "0.1.5"), _fixed(entry, "0.2.0-n653")) == (
        None,
        False,
        None,
    )


def test_versions_list_uses_pep440_equality() -> None:
    entry = _entry(versions=("0.5",))

    assert (_fixed(entry, "0.5"), _fixed(entry, "0.5.0"), _fixed(entry, "0.6")) == (
        None,
        None,
        False,
    )


def test_the_lowest_fix_of_the_containing_intervals_is_reported() -> None:
    entry = _entry(
        [("introduced", "1.0"), ("fixed", "3.1.1")],
        [("introduced", "0"), ("fixed", "2.6.7")],
    )

    assert (_fixed(entry, "2.6.0"), _fixed(entry, "3.0.0")) == ("2.6.7", "3.1.1")


def test_git_ranges_are_ignored() -> None:
    entry = OsvAffected(
        PACKAGE, (OsvRange("GIT", (OsvEvent("introduced", "0"), OsvEvent("fixed", "abc123"))),)
    )

    assert evaluate_affected(entry, "1.0", {ECOSYSTEM_RANGE: PYPI}) is None


def test_an_unreadable_installed_version_matches_only_by_string() -> None:
    entry = _entry([("introduced", "0")], versions=("not a version",))
    schemes = {ECOSYSTEM_RANGE: PYPI}

    assert evaluate_affected(entry, "not a version", schemes) is not None
    assert evaluate_affected(entry, "another bad one", schemes) is None


@pytest.mark.parametrize(
    ("installed", "fixed", "affected"),
    [
        ("3.0.22-1~deb12u1", "3.0.22-1~deb12u2", True),
        ("3.0.22-1", "3.0.22-1~deb12u2", False),
        ("1.2.13.dfsg-1+deb12u1", "1:1.2.13.dfsg-1+deb12u1", True),
        ("2:1.0-1", "1:1.2.13.dfsg-1+deb12u1", False),
        ("2.5.0-1+deb12u10", "2.5.0-1+deb12u5", False),
    ],
)
def test_debian_bounds_use_dpkg_order(installed: str, fixed: str, affected: bool) -> None:
    entry = OsvAffected(
        OsvPackage("Debian:12", "x"),
        (OsvRange("ECOSYSTEM", (OsvEvent("introduced", "0"), OsvEvent("fixed", fixed))),),
    )

    hit = evaluate_affected(entry, installed, {ECOSYSTEM_RANGE: DEBIAN})

    assert (hit is not None) == affected


@pytest.mark.parametrize(
    "events",
    [
        [("introduced", "1.0"), ("fixed", "2.0"), ("introduced", "0"), ("fixed", "1.0")],
        [("introduced", "0"), ("fixed", "1.0"), ("introduced", "1.0"), ("fixed", "2.0")],
        [("introduced", "0"), ("fixed", "1.0.0"), ("introduced", "1.0"), ("fixed", "2.0")],
    ],
)
def test_an_interval_starting_where_another_ends_does_not_depend_on_event_order(
    events: list[tuple[EventKind, str]],
) -> None:
    assert _fixed(_entry(events), "1.0") == "2.0"
