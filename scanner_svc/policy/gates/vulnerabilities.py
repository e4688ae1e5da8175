"""The `vulnerabilities` gate: rules over the image's vulnerability findings.

Trigger `package` fires once per finding that passes every filter given:
`package_type` (`all`, `os`, `non-os`; default all), `severity` with `severity_comparison`
(`=`, `!=`, `<`, `<=`, `>`, `>=`; default `>=`) in the order unknown < negligible < low <
medium < high < critical, and `fix_available` (`true`: a fixed version is known; `false`: none).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

from scanner_svc.errors import PolicyError
from scanner_svc.findings import Finding
from scanner_svc.policy.gates.interface import Firing, Gate, PolicyInput
from scanner_svc.severity import Severity

_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_PACKAGE_TYPES = ("all", "os", "non-os")
_BOOLEANS = {"true": True, "false": False}
_SEVERITIES = {s.value: s for s in Severity}


def trigger_package(finding: Finding) -> str:
    """The package part of a trigger id: an OS package's name; for a language package, the
    name of where it was found (the dist-info directory, jar or npm directory), as Anchore
    names them, since two installs of one package differ only by location."""
    if finding.is_os or not finding.path:
        return finding.package
    return PurePosixPath(finding.path).name


class PackageTrigger:
    """Fires for each finding matching the package type, severity and fix filters."""

    name = "package"

    def check_params(self, params: Mapping[str, str]) -> None:
        """Reject unknown parameters and values outside each parameter's vocabulary."""
        allowed = {
            "package_type": _PACKAGE_TYPES,
            "severity_comparison": tuple(_COMPARISONS),
            "severity": tuple(_SEVERITIES),
            "fix_available": tuple(_BOOLEANS),
        }
        for name, value in params.items():
            if name not in allowed:
                raise PolicyError(
                    f"vulnerabilities/package has no parameter {name!r} "
                    f"(known: {', '.join(sorted(allowed))})"
                )
            if value.strip().lower() not in allowed[name]:
                raise PolicyError(
                    f"vulnerabilities/package parameter {name}={value!r} is not one of "
                    f"{', '.join(allowed[name])}"
                )

    def fire(self, params: Mapping[str, str], subject: PolicyInput) -> list[Firing]:
        """One firing per finding that passes the filters."""
        selects = _filter(params)
        return [
            Firing(f"{finding.id}+{trigger_package(finding)}", _message(finding))
            for finding in subject.findings
            if selects(finding)
        ]


def _filter(params: Mapping[str, str]) -> Callable[[Finding], bool]:
    """The finding predicate the (already checked) parameters describe."""
    values = {name: value.strip().lower() for name, value in params.items()}
    package_type = values.get("package_type", "all")
    severity = _SEVERITIES.get(values.get("severity", ""))
    compare = _COMPARISONS[values.get("severity_comparison", ">=")]
    fix_wanted = _BOOLEANS.get(values.get("fix_available", ""))

    def selects(finding: Finding) -> bool:
        """Whether the finding passes every filter the rule gives."""
        if package_type == "os" and not finding.is_os:
            return False
        if package_type == "non-os" and finding.is_os:
            return False
        if severity is not None and not compare(finding.severity.rank, severity.rank):
            return False
        return fix_wanted is None or (finding.fixed_in is not None) == fix_wanted

    return selects


def _message(finding: Finding) -> str:
    """What the user reads: severity, id, package and the fix to upgrade to."""
    fix = f"fixed in {finding.fixed_in}" if finding.fixed_in else "no fix available"
    return (
        f"{finding.severity.value} vulnerability {finding.id} in {finding.type} package "
        f"{finding.package} {finding.version} ({fix})"
    )


GATE = Gate(name="vulnerabilities", triggers={PackageTrigger.name: PackageTrigger()})
