"""Policy gates, one module each, found by the name policies use."""

from __future__ import annotations

from scanner_svc.policy.gates import vulnerabilities
from scanner_svc.policy.gates.interface import Firing, Gate, PolicyInput, Trigger

__all__ = ["GATES", "Firing", "Gate", "PolicyInput", "Trigger"]

GATES: dict[str, Gate] = {gate.name: gate for gate in (vulnerabilities.GATE,)}
