"""The OSV record model (schema 1.x), typed, and its parsing from decoded JSON.

Only the fields that matching, severity and reporting use are modelled; the whole document is
kept in `OsvRecord.raw` so nothing is lost when it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from scanner_svc.errors import InvalidOsvRecord

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")


@dataclass(frozen=True, slots=True)
class OsvEvent:
    """One event of a range: the version where the affected state changes, or a limit."""

    kind: EventKind
    version: str


@dataclass(frozen=True, slots=True)
class OsvRange:
    """A range of affected versions: `type` is ECOSYSTEM, SEMVER or GIT."""

    type: str
    events: tuple[OsvEvent, ...]


@dataclass(frozen=True, slots=True)
class OsvPackage:
    """The package an `affected` entry is about, named as its ecosystem names it."""

    ecosystem: str
    name: str
    purl: str | None = None


@dataclass(frozen=True, slots=True)
class OsvAffected:
    """One `affected` entry: a package with ranges and/or an explicit list of versions."""

    package: OsvPackage | None
    ranges: tuple[OsvRange, ...] = ()
    versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OsvSeverity:
    """One `severity` entry: a scoring system (CVSS_V3, CVSS_V4, CVSS_V2...) and its vector."""

    type: str
    score: str


@dataclass(frozen=True, slots=True)
class OsvRecord:
    """One advisory. A record with `withdrawn` set is kept for reference but never matches."""

    id: str
    modified: str | None = None
    published: str | None = None
    withdrawn: str | None = None
    aliases: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: tuple[OsvSeverity, ...] = ()
    affected: tuple[OsvAffected, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ecosystems(self) -> frozenset[str]:
        """The ecosystems of the record's affected packages, e.g. {"PyPI"} or {"Debian:12"}."""
        return frozenset(a.package.ecosystem for a in self.affected if a.package is not None)


def looks_like_osv(data: object) -> bool:
    """Whether decoded JSON is meant as an OSV record: an object with a string `id` and a
    `modified` timestamp or an `affected` list (other JSON files in a feed are skipped)."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return False
    return isinstance(data.get("modified"), str) or isinstance(data.get("affected"), list)


def parse_record(data: object) -> OsvRecord:
    """Build an `OsvRecord` from decoded JSON; raises `InvalidOsvRecord` on a malformed field."""
    if not looks_like_osv(data):
        raise InvalidOsvRecord("not an OSV record: no string `id` with `modified` or `affected`")
    doc = cast(dict[str, Any], data)
    record_id: str = doc["id"]
    if not record_id.strip():
        raise InvalidOsvRecord("an OSV record has an empty `id`")

    return OsvRecord(
        id=record_id,
        modified=_optional_str(doc, "modified", record_id),
        published=_optional_str(doc, "published", record_id),
        withdrawn=_optional_str(doc, "withdrawn", record_id),
        aliases=_str_tuple(doc.get("aliases"), "aliases", record_id),
        summary=_optional_str(doc, "summary", record_id) or "",
        details=_optional_str(doc, "details", record_id) or "",
        severity=tuple(
            _parse_severity(item, record_id) for item in _list(doc, "severity", record_id)
        ),
        affected=tuple(
            _parse_affected(item, record_id) for item in _list(doc, "affected", record_id)
        ),
        raw=doc,
    )


def _parse_affected(item: object, record_id: str) -> OsvAffected:
    """One `affected` entry; the package is optional in the schema (GIT-only entries)."""
    entry = _object(item, "affected[]", record_id)

    package: OsvPackage | None = None
    if entry.get("package") is not None:
        pkg = _object(entry["package"], "affected[].package", record_id)
        ecosystem, name = pkg.get("ecosystem"), pkg.get("name")
        if not isinstance(ecosystem, str) or not isinstance(name, str):
            raise InvalidOsvRecord(f"{record_id}: affected[].package lacks ecosystem or name")
        purl = pkg.get("purl")
        package = OsvPackage(ecosystem, name, purl if isinstance(purl, str) else None)

    return OsvAffected(
        package=package,
        ranges=tuple(_parse_range(r, record_id) for r in _list(entry, "ranges", record_id)),
        versions=_str_tuple(entry.get("versions"), "affected[].versions", record_id),
    )


def _parse_range(item: object, record_id: str) -> OsvRange:
    """One range; each event object carries exactly one of the known event kinds."""
    rng = _object(item, "ranges[]", record_id)
    range_type = rng.get("type")
    if not isinstance(range_type, str):
        raise InvalidOsvRecord(f"{record_id}: a range has no string `type`")

    events: list[OsvEvent] = []
    for raw_event in _list(rng, "events", record_id):
        event = _object(raw_event, "events[]", record_id)
        kinds = [k for k in EVENT_KINDS if k in event]
        if len(kinds) != 1 or not isinstance(event[kinds[0]], str):
            raise InvalidOsvRecord(f"{record_id}: an event must hold one string version")
        events.append(OsvEvent(kinds[0], event[kinds[0]]))

    return OsvRange(range_type, tuple(events))


def _parse_severity(item: object, record_id: str) -> OsvSeverity:
    """One `severity` entry; the vector is scored later, so an unreadable one only loses it."""
    entry = _object(item, "severity[]", record_id)
    kind, score = entry.get("type"), entry.get("score")
    if not isinstance(kind, str) or not isinstance(score, str):
        raise InvalidOsvRecord(f"{record_id}: a severity entry needs string `type` and `score`")
    return OsvSeverity(kind, score)


def _object(value: object, where: str, record_id: str) -> dict[str, Any]:
    """`value` as a JSON object, or the error naming where an object was expected."""
    if not isinstance(value, dict):
        raise InvalidOsvRecord(f"{record_id}: {where} is not an object")
    return cast(dict[str, Any], value)


def _list(doc: Mapping[str, Any], key: str, record_id: str) -> list[Any]:
    """An optional list field (absent or null gives an empty list)."""
    value = doc.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidOsvRecord(f"{record_id}: `{key}` is not a list")
    return value


def _optional_str(doc: Mapping[str, Any], key: str, record_id: str) -> str | None:
    """An optional string field."""
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidOsvRecord(f"{record_id}: `{key}` is not a string")
    return value


def _str_tuple(value: object, where: str, record_id: str) -> tuple[str, ...]:
    """An optional list of strings (aliases, versions) as a tuple."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidOsvRecord(f"{record_id}: `{where}` is not a list of strings")
    return tuple(cast(list[str], value))
