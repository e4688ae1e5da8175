"""Known failures of tools in this field (shared/cases/CASES.md), through the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from tests.cases import C01_PACKAGES, C09_PACKAGES, C14_PACKAGES
from tests.e2e.conftest import StartDeployment
from tests.e2e.harness import Deployment


@pytest.fixture(scope="module")
def deployment(start_deployment: StartDeployment) -> Deployment:
    return start_deployment()


def analyze(deployment: Deployment, reference: str) -> list[dict[str, Any]]:
    image = deployment.json("image", "add", reference, "--wait")
    assert image["analysis_status"] == "analyzed", image["failure_reason"]
    packages: list[dict[str, Any]] = deployment.json("image", "content", reference, "all")
    return packages


@pytest.mark.e2e
def test_c01_dpkg_entries_that_are_not_installed(deployment: Deployment, shared: Path) -> None:
    packages = analyze(deployment, f"dir:{shared / 'cases' / 'C01'}")

    assert (
        sorted((p["name"], p["version"], p["source"], p["source_version"]) for p in packages)
        == C01_PACKAGES
    )


@pytest.mark.e2e
def test_c09_dpkg_source_with_and_without_version(deployment: Deployment, shared: Path) -> None:
    packages = analyze(deployment, f"dir:{shared / 'cases' / 'C09'}")

    assert (
        sorted(
            (p["name"], p["architecture"], p["version"], p["source"], p["source_version"])
            for p in packages
        )
        == C09_PACKAGES
    )


@pytest.mark.e2e
def test_c14_whiteouts_reinstall_and_opaque_directory(deployment: Deployment, shared: Path) -> None:
    reference = f"oci-dir:{shared / 'cases' / 'C14' / 'image'}"
    packages = analyze(deployment, reference)

    assert (
        sorted((p["type"], canonicalize_name(p["name"]), p["version"]) for p in packages)
        == C14_PACKAGES
    )
    assert deployment.json("image", "get", reference)["distro"]["version_id"] == "12"


@pytest.mark.e2e
def test_c18_debian_binary_matched_via_source_and_pypi_names_normalized(
    deployment: Deployment, shared: Path
) -> None:
    case = shared / "cases" / "C18"
    deployment.json("feeds", "sync", str(case / "osv"))
    analyze(deployment, f"dir:{case}")

    findings = deployment.json("image", "vulns", f"dir:{case}", "all")

    assert sorted(
        (f["package"], f["version"], f["id"], tuple(f["aliases"]), f["fixed_in"]) for f in findings
    ) == [
        ("Flask-Cors", "4.0.0", "GHSA-4g6h-7j8m-9p2q", ("CVE-2099-1814",), "4.0.1"),
        ("Jinja2", "3.1.2", "PYSEC-2099-11", ("CVE-2099-1811",), "3.1.3"),
        ("dmsetup", "2:1.02.185-2", "DEBIAN-CVE-2099-1802", ("CVE-2099-1802",), "2.03.16-3"),
        (
            "libdevmapper1.02.1",
            "2:1.02.185-2",
            "DEBIAN-CVE-2099-1802",
            ("CVE-2099-1802",),
            "2.03.16-3",
        ),
        (
            "libssl3",
            "3.0.11-1~deb12u1",
            "DEBIAN-CVE-2099-1801",
            ("CVE-2099-1801",),
            "3.0.11-1~deb12u2",
        ),
        ("lvm2", "2.03.16-2", "DEBIAN-CVE-2099-1802", ("CVE-2099-1802",), "2.03.16-3"),
        (
            "openssl",
            "3.0.11-1~deb12u1",
            "DEBIAN-CVE-2099-1801",
            ("CVE-2099-1801",),
            "3.0.11-1~deb12u2",
        ),
        ("ruamel.yaml", "0.17.20", "GHSA-2c9f-3h4m-5p6q", ("CVE-2099-1812",), "0.17.21"),
    ]
    assert {f["source_package"] for f in findings if f["type"] == "deb"} == {"openssl", "lvm2"}
