"""What the shared ground truth says an analysis of a test image must report."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

DebRow = tuple[str, str, str, str, str]
PythonRow = tuple[str, str, str, str | None]
FindingRow = tuple[str, str, str, str, str, str]


def ground_truth(shared: Path, image: str) -> dict[str, Any]:
    path = shared / "images" / "ground-truth" / image / "groundtruth.json"
    truth: dict[str, Any] = json.loads(path.read_text())
    return truth


def expected_debs(truth: dict[str, Any]) -> list[DebRow]:
    return sorted(
        (p["name"], p["version"], p["architecture"], p["source"], p["source_version"])
        for p in truth["dpkg"]
    )


def expected_python(truth: dict[str, Any]) -> list[PythonRow]:
    return sorted(
        (canonicalize_name(p["name"]), p["version"], p["path"], p["owned_by_dpkg"])
        for p in truth["python"]
    )


def reported_debs(packages: list[dict[str, Any]]) -> list[DebRow]:
    return sorted(
        (p["name"], p["version"], p["architecture"], p["source"], p["source_version"])
        for p in packages
        if p["type"] == "deb"
    )


def reported_python(packages: list[dict[str, Any]]) -> list[PythonRow]:
    return sorted(
        (canonicalize_name(p["name"]), p["version"], p["path"], p["owned_by"])
        for p in packages
        if p["type"] == "python"
    )


def expected_findings(shared: Path, image: str) -> list[dict[str, str]]:
    path = shared / "vulndata" / "expected" / "images" / f"{image}.findings.tsv"
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def unmatched_findings(
    expected: list[dict[str, str]], reported: list[dict[str, Any]]
) -> tuple[list[FindingRow], list[FindingRow]]:
    """Expected rows no finding stands for, and findings no expected row names.

    A finding stands for a row when package, version, source package, fixed version and path
    agree and its id is the row's id or one of the row's aliases (or the row's id is one of its).
    """
    remaining = list(reported)
    missing: list[FindingRow] = []
    for row in expected:
        row_ids = {row["id"], *filter(None, row["aliases"].split(","))}
        for finding in remaining:
            same_place = (
                finding["package"] == row["package"]
                and finding["version"] == row["version"]
                and (finding["source_package"] or "") == row["source_package"]
                and (finding["fixed_in"] or "") == row["fixed"]
                and (finding["path"] or "") == row["path"]
            )
            finding_ids = {finding["id"], *finding["aliases"]}
            if same_place and (finding["id"] in row_ids or row["id"] in finding_ids):
                remaining.remove(finding)
                break
        else:
            missing.append(_row(row))
    extra = [
        (
            f["id"],
            f["package"],
            f["version"],
            f["source_package"] or "",
            f["fixed_in"] or "",
            f["path"] or "",
        )
        for f in remaining
    ]
    return missing, extra


def _row(row: dict[str, str]) -> FindingRow:
    return (
        row["id"],
        row["package"],
        row["version"],
        row["source_package"],
        row["fixed"],
        row["path"],
    )
