"""What a policy gate offers the evaluator: triggers that check parameters and fire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from scanner_svc.findings import Finding


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """What rules are evaluated on: for now, the image's vulnerability findings."""

    image_digest: str
    findings: Sequence[Finding]


@dataclass(frozen=True, slots=True)
class Firing:
    """One reason a trigger fired: what it fired on and a message for the user."""

    trigger_id: str
    message: str


class Trigger(Protocol):
    """One trigger of a gate."""

    name: str

    def check_params(self, params: Mapping[str, str]) -> None:
        """Raise `PolicyError` when a parameter is unknown or has a value the trigger cannot
        use, so a bad policy fails when loaded rather than passing silently."""
        ...

    def fire(self, params: Mapping[str, str], subject: PolicyInput) -> list[Firing]:
        """Every firing of the trigger on the subject; empty when it does not fire."""
        ...


@dataclass(frozen=True, slots=True)
class Gate:
    """A named group of triggers, as policies name them (`vulnerabilities`, `packages`...)."""

    name: str
    triggers: Mapping[str, Trigger]
