"""Evaluating a policy: run every rule's trigger and derive the final action."""

from __future__ import annotations

from dataclasses import dataclass

from scanner_svc.errors import PolicyError
from scanner_svc.policy.gates import GATES, PolicyInput, Trigger
from scanner_svc.policy.model import Action, Policy, Rule


@dataclass(frozen=True, slots=True)
class TriggerResult:
    """One firing of one rule."""

    gate: str
    trigger: str
    action: Action
    message: str
    trigger_id: str
    rule_id: str


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """The triggers fired, in rule order, and the final action: STOP if any fired STOP, else
    WARN if any fired WARN, else GO."""

    policy_id: str
    final_action: Action
    triggers: tuple[TriggerResult, ...]


def validate_policy(policy: Policy) -> None:
    """Raise `PolicyError` when a rule uses a gate, trigger or parameter the scanner lacks."""
    for rule in policy.rules:
        _trigger(rule).check_params(rule.param_map)


def evaluate_policy(policy: Policy, subject: PolicyInput) -> PolicyResult:
    """Run every rule of `policy` on `subject`."""
    validate_policy(policy)

    fired: list[TriggerResult] = []
    for rule in policy.rules:
        for firing in _trigger(rule).fire(rule.param_map, subject):
            fired.append(
                TriggerResult(
                    gate=rule.gate,
                    trigger=rule.trigger,
                    action=rule.action,
                    message=firing.message,
                    trigger_id=firing.trigger_id,
                    rule_id=rule.id,
                )
            )

    final = max((t.action for t in fired), key=lambda a: a.rank, default=Action.GO)
    return PolicyResult(policy.id, final, tuple(fired))


def _trigger(rule: Rule) -> Trigger:
    """The trigger a rule names; `PolicyError` when its gate or trigger is unknown."""
    gate = GATES.get(rule.gate)
    if gate is None:
        raise PolicyError(f"rule {rule.id!r}: gate {rule.gate!r} is not supported yet")
    trigger = gate.triggers.get(rule.trigger)
    if trigger is None:
        raise PolicyError(f"rule {rule.id!r}: gate {rule.gate!r} has no trigger {rule.trigger!r}")
    return trigger
