"""OSV affected-entry evaluation (the schema's "Evaluation" section) for one version.

Each ECOSYSTEM/SEMVER range is walked with its events sorted by version, `introduced: "0"`
first, because real records do not always list them in order. A range with a bound the scheme
cannot read is skipped whole; GIT ranges, and range types without a scheme, are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scanner_svc.feeds.osv import OsvAffected, OsvEvent, OsvRange
from scanner_svc.versions import ParsedVersion, VersionScheme

ECOSYSTEM_RANGE = "ECOSYSTEM"
_CLOSING = ("fixed", "last_affected")


@dataclass(frozen=True, slots=True)
class Hit:
    """The version is affected; `fixed` is the fix closing the interval containing it, if the
    interval closes with `fixed` (not with `last_affected`, nor left open)."""

    fixed: str | None = None
    fixed_version: ParsedVersion | None = None


@dataclass(frozen=True, slots=True)
class _Bound:
    """An event with its version parsed once, before sorting and walking."""

    event: OsvEvent
    version: ParsedVersion | None  # None: `introduced: "0"` or `limit: "*"`


def evaluate_affected(
    affected: OsvAffected, version: str, schemes: Mapping[str, VersionScheme]
) -> Hit | None:
    """Whether `version` is affected by this entry, through any range or its `versions` list;
    `schemes` gives the version order of each range type (ECOSYSTEM also decides list
    equality). Returns the hit with the lowest fix among the intervals that contain it."""
    hits: list[Hit] = []

    for rng in affected.ranges:
        scheme = schemes.get(rng.type)
        if scheme is None:
            continue
        parsed = scheme.parse(version)
        if parsed is None:
            continue
        hit = _evaluate_range(rng, parsed, scheme)
        if hit is not None:
            hits.append(hit)

    ecosystem_scheme = schemes.get(ECOSYSTEM_RANGE)
    if any(_same_version(v, version, ecosystem_scheme) for v in affected.versions):
        hits.append(Hit())

    return lowest_fix(hits) if hits else None


def lowest_fix(hits: Iterable[Hit]) -> Hit:
    """The hit whose fix sorts lowest; a hit without a fix only when none has one."""
    best = Hit()
    for hit in hits:
        if hit.fixed_version is None:
            continue
        if best.fixed_version is None or hit.fixed_version < best.fixed_version:
            best = hit
    return best


def _evaluate_range(rng: OsvRange, version: ParsedVersion, scheme: VersionScheme) -> Hit | None:
    """Walk one range's sorted events; None when the version ends outside every interval or
    a bound cannot be read."""
    bounds = _parse_bounds(rng.events, scheme)
    if bounds is None:
        return None

    limits = [b for b in bounds if b.event.kind == "limit"]
    ordered = _sorted_events([b for b in bounds if b.event.kind != "limit"])

    affected = False
    last_fired = -1
    for index, bound in enumerate(ordered):
        fires = _fires(bound, version)
        if fires:
            affected = bound.event.kind == "introduced"
            last_fired = index
    if not affected or not _below_limits(limits, version):
        return None

    # The interval holding the version ends at the first closing event that did not fire.
    closer = next((b for b in ordered[last_fired + 1 :] if b.event.kind in _CLOSING), None)
    if closer is None or closer.event.kind != "fixed":
        return Hit()
    return Hit(closer.event.version, closer.version)


def _parse_bounds(events: Iterable[OsvEvent], scheme: VersionScheme) -> list[_Bound] | None:
    """Every event with its parsed version; None if any bound cannot be read."""
    bounds: list[_Bound] = []
    for event in events:
        if (event.kind, event.version) in (("introduced", "0"), ("limit", "*")):
            bounds.append(_Bound(event, None))
            continue
        parsed = scheme.parse(event.version)
        if parsed is None:
            return None
        bounds.append(_Bound(event, parsed))
    return bounds


def _sorted_events(bounds: list[_Bound]) -> list[_Bound]:
    """`introduced: "0"` first, then by version. At equal versions an interval's end comes
    before the next one's start, so `fixed: 1.0` then `introduced: 1.0` leaves 1.0 affected
    whatever order the record lists them in."""
    zeros = [b for b in bounds if b.version is None]
    keyed = [(b.version, b.event.kind == "introduced", b) for b in bounds if b.version is not None]
    return zeros + [b for *_, b in sorted(keyed, key=lambda item: (item[0], item[1]))]


def _fires(bound: _Bound, version: ParsedVersion) -> bool:
    """Whether the event changes the state for `version`: introduced and fixed when the
    version is at or above them, last_affected when it is above."""
    kind = bound.event.kind
    if bound.version is None:
        return kind == "introduced"
    if kind == "last_affected":
        return bound.version < version
    return bound.version <= version


def _below_limits(limits: list[_Bound], version: ParsedVersion) -> bool:
    """With limit events, the version must be below one of them (`*` is no limit)."""
    if not limits:
        return True
    return any(b.version is None or version < b.version for b in limits)


def _same_version(listed: str, version: str, scheme: VersionScheme | None) -> bool:
    """A `versions` entry against the installed version: ecosystem equality when both parse
    (PEP 440 `0.5.0` equals `0.5`), plain string equality otherwise."""
    if listed == version:
        return True
    if scheme is None:
        return False
    left, right = scheme.parse(listed), scheme.parse(version)
    return left is not None and right is not None and left == right
