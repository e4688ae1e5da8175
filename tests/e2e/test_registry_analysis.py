"""The walking skeleton: a real image pushed to a real registry, analyzed by `lading up`.

The same path runs against an anonymous registry, one behind HTTP Basic auth and one behind the
bearer-token flow, each with a deployment of its own so that every one really pulls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import StartDeployment
from tests.e2e.expectations import (
    expected_debs,
    expected_findings,
    expected_python,
    ground_truth,
    reported_debs,
    reported_python,
    unmatched_findings,
)
from tests.support.images import push
from tests.support.registry import Registry
from tests.support.token_server import TokenServer

IMAGE = "debian-python"


def analyze_from_registry(
    start_deployment: StartDeployment,
    shared: Path,
    registry: Registry,
    token_server: TokenServer | None = None,
) -> None:
    layout = shared / "images" / "oci" / IMAGE
    digest = push(layout, registry, f"e2e/{IMAGE}", "1.0")
    tokens_before = token_server.requests_served if token_server else 0
    reference = f"{registry.host}/e2e/{IMAGE}:1.0"
    deployment = start_deployment()

    synced = deployment.json("feeds", "sync", str(shared / "vulndata"))
    assert synced["records"] > 0

    if registry.credentials is None:
        deployment.json("registry", "add", registry.host, "--insecure")
    else:
        username, password = registry.credentials
        added = deployment.lading(
            "registry",
            "add",
            registry.host,
            "--insecure",
            "--username",
            username,
            "--password-stdin",
            "-o",
            "json",
            stdin=password + "\n",
        )
        assert added.code == 0, added.stderr
        assert password not in added.stdout
        listed = deployment.lading("registry", "list", "-o", "json")
        assert password not in listed.stdout and listed.json()[0]["has_password"] is True

    image = deployment.json("image", "add", reference, "--wait")
    assert image["digest"] == digest
    assert image["analysis_status"] == "analyzed", image["failure_reason"]
    assert image["distro"] == {"id": "debian", "version_id": "12", "version_codename": "bookworm"}

    truth = ground_truth(shared, IMAGE)
    packages = deployment.json("image", "content", reference, "all")
    assert reported_debs(packages) == expected_debs(truth)
    assert reported_python(packages) == expected_python(truth)
    assert not [p for p in packages if p["name"] == "ecdsa"]
    assert [p["version"] for p in packages if p["name"] == "PyJWT"] == ["2.4.0"]

    findings = deployment.json("image", "vulns", reference, "all")
    missing, extra = unmatched_findings(expected_findings(shared, IMAGE), findings)
    assert (missing, extra) == ([], [])

    check = deployment.lading("image", "check", reference)
    assert check.code == 1, check.stdout + check.stderr
    assert "STOP" in check.stdout

    if token_server is not None:
        assert token_server.requests_served > tokens_before
    if registry.password:
        assert registry.password not in deployment.log()
        for stored in deployment.data_dir.glob("lading.db*"):
            assert registry.password.encode() not in stored.read_bytes(), stored


@pytest.mark.e2e
def test_anonymous_registry(
    start_deployment: StartDeployment, shared: Path, registry_anonymous: Registry
) -> None:
    analyze_from_registry(start_deployment, shared, registry_anonymous)


@pytest.mark.e2e
def test_basic_auth_registry(
    start_deployment: StartDeployment, shared: Path, registry_basic: Registry
) -> None:
    analyze_from_registry(start_deployment, shared, registry_basic)


@pytest.mark.e2e
def test_token_auth_registry(
    start_deployment: StartDeployment,
    shared: Path,
    registry_token: Registry,
    token_server: TokenServer,
) -> None:
    analyze_from_registry(start_deployment, shared, registry_token, token_server)
