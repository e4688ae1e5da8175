"""The same image read from its OCI layout, a docker-archive and an oci-archive."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import StartDeployment
from tests.e2e.expectations import (
    expected_debs,
    expected_python,
    ground_truth,
    reported_debs,
    reported_python,
)
from tests.support.images import docker_archive, materialize_layout

IMAGE = "debian-python"


@pytest.mark.e2e
def test_layout_and_archives_give_the_same_packages(
    start_deployment: StartDeployment, shared: Path, tmp_path: Path
) -> None:
    layout = shared / "images" / "oci" / IMAGE
    archive = docker_archive(layout, tmp_path / "debian-python.tar", "debian-python:latest")
    oci_archive = tmp_path / "debian-python-oci.tar"
    materialized = materialize_layout(layout, tmp_path / "layout")
    subprocess.run(["tar", "-C", str(materialized), "-chf", str(oci_archive), "."], check=True)
    deployment = start_deployment()

    contents = {}
    for reference in (
        f"oci-dir:{layout}",
        f"docker-archive:{archive}",
        f"oci-archive:{oci_archive}",
    ):
        image = deployment.json("image", "add", reference, "--wait")
        assert image["analysis_status"] == "analyzed", image["failure_reason"]
        contents[reference] = deployment.json("image", "content", reference, "all")

    truth = ground_truth(shared, IMAGE)
    for reference, packages in contents.items():
        assert reported_debs(packages) == expected_debs(truth), reference
        assert reported_python(packages) == expected_python(truth), reference


@pytest.mark.e2e
def test_relative_paths_are_resolved_by_the_client(
    start_deployment: StartDeployment, shared: Path
) -> None:
    deployment = start_deployment()
    cases = shared / "cases"

    image = deployment.json("image", "add", "dir:C09", "--wait", cwd=cases)

    assert image["source"]["location"] == str(cases / "C09")
    assert deployment.json("image", "get", f"dir:{cases / 'C09'}")["digest"] == image["digest"]
