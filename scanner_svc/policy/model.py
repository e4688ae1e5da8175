"""The policy document model, shaped like Anchore Enterprise's v2 policies.

A policy holds rule sets; each rule names a gate, one of the gate's triggers, the action when
the trigger fires, and parameters as name/value strings. Allowlists, mappings and image
allow/deny lists of the v2 layout are not modelled yet: every rule set applies to every image.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from scanner_svc.errors import PolicyError


class Action(StrEnum):
    """What a fired rule asks for, from least to most severe."""

    GO = "GO"
    WARN = "WARN"
    STOP = "STOP"

    @property
    def rank(self) -> int:
        """Position in GO < WARN < STOP; the final action is the highest fired."""
        return list(Action).index(self)


@dataclass(frozen=True, slots=True)
class Param:
    """A rule parameter; values are strings in the v2 layout, whatever they mean."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One check: the gate and trigger to run, with parameters, and the action if it fires."""

    id: str
    gate: str
    trigger: str
    action: Action
    params: tuple[Param, ...] = ()

    @property
    def param_map(self) -> dict[str, str]:
        """The parameters by name (a name given twice keeps its last value)."""
        return {p.name: p.value for p in self.params}


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A named group of rules."""

    id: str
    name: str
    rules: tuple[Rule, ...]
    version: str = "2"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """A policy document: identity and rule sets."""

    id: str
    name: str
    rule_sets: tuple[RuleSet, ...]
    version: str = "2"
    description: str = ""

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule of every rule set, in document order."""
        return tuple(rule for rule_set in self.rule_sets for rule in rule_set.rules)


NOT_YET_EVALUATED = ("allowlists", "mappings", "allowlisted_images", "denylisted_images")


def parse_policy(document: object) -> Policy:
    """A `Policy` from a decoded v2 JSON document; raises `PolicyError` on a malformed one."""
    doc = _object(document, "policy")
    unsupported = sorted(key for key in NOT_YET_EVALUATED if doc.get(key))
    if unsupported:
        # Ignoring them would give a verdict the policy's author did not intend.
        raise PolicyError(
            f"the policy uses {', '.join(unsupported)}, which this version cannot evaluate yet"
        )
    return Policy(
        id=_str(doc, "id", "policy"),
        name=_str(doc, "name", "policy", default=""),
        version=_str(doc, "version", "policy", default="2"),
        description=_str(doc, "description", "policy", default=""),
        rule_sets=tuple(_rule_set(item) for item in _list(doc, "rule_sets", "policy")),
    )


def _rule_set(item: object) -> RuleSet:
    """One entry of `rule_sets`."""
    doc = _object(item, "rule set")
    where = f"rule set {doc.get('id')!r}"
    return RuleSet(
        id=_str(doc, "id", where),
        name=_str(doc, "name", where, default=""),
        version=_str(doc, "version", where, default="2"),
        description=_str(doc, "description", where, default=""),
        rules=tuple(_rule(rule) for rule in _list(doc, "rules", where)),
    )


def _rule(item: object) -> Rule:
    """One rule; the action must be GO, WARN or STOP, every parameter value a string."""
    doc = _object(item, "rule")
    where = f"rule {doc.get('id')!r}"
    action = _str(doc, "action", where)
    if action not in Action.__members__:
        raise PolicyError(f"{where}: action {action!r} is not one of GO, WARN, STOP")

    params = []
    for raw in _list(doc, "params", where):
        param = _object(raw, f"{where} parameter")
        params.append(Param(_str(param, "name", where), _str(param, "value", where)))

    return Rule(
        id=_str(doc, "id", where),
        gate=_str(doc, "gate", where),
        trigger=_str(doc, "trigger", where),
        action=Action(action),
        params=tuple(params),
    )


def _object(value: object, where: str) -> Mapping[str, Any]:
    """`value` as a JSON object, or the error naming what was expected."""
    if not isinstance(value, dict):
        raise PolicyError(f"{where} is not a JSON object")
    return cast(dict[str, Any], value)


def _list(doc: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """An optional list field (absent gives an empty list)."""
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise PolicyError(f"{where}: `{key}` is not a list")
    return value


def _str(doc: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    """A string field; required unless a default is given."""
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise PolicyError(f"{where}: `{key}` must be a string")
    return value
