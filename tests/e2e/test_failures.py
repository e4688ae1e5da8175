"""Bad input gets a message a user understands, and `lading up` keeps serving."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import StartDeployment
from tests.e2e.harness import Deployment, free_port
from tests.support.images import push
from tests.support.registry import Registry


@pytest.fixture(scope="module")
def deployment(start_deployment: StartDeployment) -> Deployment:
    return start_deployment()


def copy_layout(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=False)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def manifest_of(layout: Path) -> tuple[Path, dict[str, Any]]:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"]
    path = layout / "blobs" / "sha256" / digest.removeprefix("sha256:")
    return path, json.loads(path.read_text())


def replace_blob(layout: Path, old_digest: str, content: bytes, keep_digest: bool) -> None:
    """Put `content` where a layer was; unless `keep_digest`, rename it and fix every pointer."""
    blobs = layout / "blobs" / "sha256"
    (blobs / old_digest.removeprefix("sha256:")).unlink()
    if keep_digest:
        (blobs / old_digest.removeprefix("sha256:")).write_bytes(content)
        return

    new_digest = "sha256:" + hashlib.sha256(content).hexdigest()
    (blobs / new_digest.removeprefix("sha256:")).write_bytes(content)
    manifest_path, manifest = manifest_of(layout)
    for layer in manifest["layers"]:
        if layer["digest"] == old_digest:
            layer["digest"], layer["size"] = new_digest, len(content)
    manifest_bytes = json.dumps(manifest).encode()
    manifest_path.unlink()
    manifest_digest = "sha256:" + hashlib.sha256(manifest_bytes).hexdigest()
    (blobs / manifest_digest.removeprefix("sha256:")).write_bytes(manifest_bytes)

    index = json.loads((layout / "index.json").read_text())
    index["manifests"][0].update(digest=manifest_digest, size=len(manifest_bytes))
    (layout / "index.json").write_text(json.dumps(index))


def add_and_wait(deployment: Deployment, reference: str) -> dict[str, Any]:
    result = deployment.lading("image", "add", reference, "--wait", "-o", "json")
    assert result.code == 2, result.stdout
    image: dict[str, Any] = deployment.json("image", "get", reference)
    return image


@pytest.mark.e2e
def test_unknown_reference_is_refused(deployment: Deployment, registry_anonymous: Registry) -> None:
    deployment.json("registry", "add", registry_anonymous.host, "--insecure")

    result = deployment.lading("image", "add", f"{registry_anonymous.host}/no/such-image:1")

    assert result.code == 2
    assert "not found" in result.stderr and "no/such-image" in result.stderr
    assert deployment.json("image", "list") == []


@pytest.mark.e2e
def test_unreachable_registry_is_refused(deployment: Deployment) -> None:
    host = f"127.0.0.1:{free_port()}"
    deployment.json("registry", "add", host, "--insecure")

    result = deployment.lading("image", "add", f"{host}/app:1")

    assert result.code == 2
    assert "unavailable" in result.stderr and host in result.stderr
    assert deployment.alive()


@pytest.mark.e2e
def test_secure_registry_serving_plain_http_says_what_to_do(deployment: Deployment) -> None:
    with Registry("anonymous") as registry:
        result = deployment.lading("image", "add", f"{registry.host}/anything:1")

    assert result.code == 2
    assert "--insecure" in result.stderr


@pytest.mark.e2e
def test_missing_local_path(deployment: Deployment, tmp_path: Path) -> None:
    result = deployment.lading("image", "add", f"oci-dir:{tmp_path / 'nothing-here'}")

    assert result.code == 2
    assert "nothing-here" in result.stderr


@pytest.mark.e2e
def test_corrupt_layer_fails_the_analysis(
    deployment: Deployment, shared: Path, tmp_path: Path
) -> None:
    layout = copy_layout(shared / "cases" / "C14" / "image", tmp_path / "corrupt")
    _, manifest = manifest_of(layout)
    layer = manifest["layers"][1]["digest"]
    blob = (layout / "blobs" / "sha256" / layer.removeprefix("sha256:")).read_bytes()
    replace_blob(layout, layer, blob[: len(blob) // 2], keep_digest=False)

    image = add_and_wait(deployment, f"oci-dir:{layout}")

    assert image["analysis_status"] == "analysis_failed"
    assert (
        "corrupt" in image["failure_reason"].lower()
        or "truncated" in image["failure_reason"].lower()
    )
    assert deployment.alive()
    assert deployment.lading("image", "list").code == 0


@pytest.mark.e2e
def test_digest_mismatch_fails_the_analysis(
    deployment: Deployment, shared: Path, tmp_path: Path
) -> None:
    layout = copy_layout(shared / "cases" / "C14" / "image", tmp_path / "mismatch")
    _, manifest = manifest_of(layout)
    layer = manifest["layers"][0]["digest"]
    path = layout / "blobs" / "sha256" / layer.removeprefix("sha256:")
    tampered = gzip.compress(gzip.decompress(path.read_bytes()) + b"\0" * 1024)
    replace_blob(layout, layer, tampered, keep_digest=True)

    image = add_and_wait(deployment, f"oci-dir:{layout}")

    assert image["analysis_status"] == "analysis_failed"
    assert "digest" in image["failure_reason"] and layer in image["failure_reason"]
    assert deployment.alive()


@pytest.mark.e2e
def test_blob_missing_from_the_registry_fails_the_analysis(
    deployment: Deployment, shared: Path
) -> None:
    """The registry still serves the manifest (so the add succeeds) but has lost a layer."""
    layout = shared / "images" / "oci" / "debian-base"
    with Registry("anonymous") as registry:
        push(layout, registry, "lost/debian-base")
        _, manifest = manifest_of(layout)
        layer = manifest["layers"][0]["digest"].removeprefix("sha256:")
        assert registry.root is not None
        blob_dirs = list((registry.root / "storage").rglob(f"blobs/sha256/{layer[:2]}/{layer}"))
        assert len(blob_dirs) == 1
        shutil.rmtree(blob_dirs[0])
        deployment.json("registry", "add", registry.host, "--insecure")
        reference = f"{registry.host}/lost/debian-base:latest"

        image = add_and_wait(deployment, reference)

    assert image["analysis_status"] == "analysis_failed"
    assert layer[:12] in image["failure_reason"]
    assert deployment.alive()


@pytest.mark.e2e
def test_registry_needing_credentials_is_refused_with_a_hint(
    deployment: Deployment, shared: Path, registry_basic: Registry
) -> None:
    push(shared / "images" / "oci" / "debian-base", registry_basic, "private/debian-base")
    deployment.json("registry", "add", registry_basic.host, "--insecure")

    result = deployment.lading("image", "add", f"{registry_basic.host}/private/debian-base:latest")

    assert result.code == 2
    assert "unauthenticated" in result.stderr
    assert "lading registry add" in result.stderr
