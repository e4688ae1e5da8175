"""The built-in policy used when none is configured.

STOP on a critical or high vulnerability that has a fix (upgrading removes it), WARN on any
other vulnerability with a fix, GO otherwise: unfixable findings alone never block.
"""

from __future__ import annotations

from scanner_svc.policy.model import Policy, parse_policy

DEFAULT_POLICY: Policy = parse_policy(
    {
        "id": "lading-default",
        "name": "Lading default policy",
        "version": "2",
        "description": "Block fixable high and critical vulnerabilities, warn on other fixable.",
        "rule_sets": [
            {
                "id": "default-vulnerabilities",
                "name": "Fixable vulnerabilities",
                "version": "2",
                "rules": [
                    {
                        "id": "default-fixable-high",
                        "gate": "vulnerabilities",
                        "trigger": "package",
                        "action": "STOP",
                        "params": [
                            {"name": "severity_comparison", "value": ">="},
                            {"name": "severity", "value": "high"},
                            {"name": "fix_available", "value": "true"},
                        ],
                    },
                    {
                        "id": "default-fixable-other",
                        "gate": "vulnerabilities",
                        "trigger": "package",
                        "action": "WARN",
                        "params": [
                            {"name": "severity_comparison", "value": "<"},
                            {"name": "severity", "value": "high"},
                            {"name": "fix_available", "value": "true"},
                        ],
                    },
                ],
            }
        ],
    }
)
