"""Image references: docker's normalization for registries, absolute paths for local kinds."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.errors import InvalidReferenceError
from analysis.reference import ImageReference, SourceKind, parse_reference

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "location", "tag", "digest"),
    [
        ("debian", "docker.io/library/debian", "latest", ""),
        ("debian:12", "docker.io/library/debian", "12", ""),
        ("library/debian:12", "docker.io/library/debian", "12", ""),
        ("docker.io/debian", "docker.io/library/debian", "latest", ""),
        ("index.docker.io/library/debian:bookworm", "docker.io/library/debian", "bookworm", ""),
        ("bitnami/redis:7.2", "docker.io/bitnami/redis", "7.2", ""),
        ("127.0.0.1:5000/debian-python", "127.0.0.1:5000/debian-python", "latest", ""),
        ("localhost/app:v1", "localhost/app", "v1", ""),
        ("localhost:5000/team/app:v1", "localhost:5000/team/app", "v1", ""),
        ("ghcr.io/owner/tool/sub:1.0.0-rc.1", "ghcr.io/owner/tool/sub", "1.0.0-rc.1", ""),
        (f"debian@{DIGEST}", "docker.io/library/debian", "", DIGEST),
        (f"quay.io/a/b:1@{DIGEST}", "quay.io/a/b", "1", DIGEST),
        ("docker://alpine:3.19", "docker.io/library/alpine", "3.19", ""),
        ("[::1]:5000/x", "[::1]:5000/x", "latest", ""),
    ],
)
def test_registry_references_are_normalized(
    text: str, location: str, tag: str, digest: str
) -> None:
    ref = parse_reference(text)

    assert ref == ImageReference(SourceKind.REGISTRY, location, tag, digest)
    assert parse_reference(str(ref)) == ref


def test_registry_host_and_repository() -> None:
    hub = parse_reference("debian")
    local = parse_reference("127.0.0.1:5000/team/debian-python:nosuchtag")

    assert (hub.registry_host, hub.repository) == ("docker.io", "library/debian")
    assert (local.registry_host, local.repository) == ("127.0.0.1:5000", "team/debian-python")
    assert str(local) == "127.0.0.1:5000/team/debian-python:nosuchtag"


def test_text_forms() -> None:
    assert str(parse_reference(f"debian@{DIGEST}")) == f"docker.io/library/debian@{DIGEST}"
    assert str(parse_reference(f"debian:12@{DIGEST}")) == f"docker.io/library/debian:12@{DIGEST}"
    assert str(parse_reference("oci-dir:/x/y:t")) == "oci-dir:/x/y:t"
    assert str(parse_reference("oci-dir:/x/y")) == "oci-dir:/x/y"
    assert str(parse_reference("docker-archive:/a/x.tar")) == "docker-archive:/a/x.tar"
    assert str(parse_reference("oci-archive:/a/x.tar")) == "oci-archive:/a/x.tar"
    assert str(parse_reference("dir:/a/root")) == "dir:/a/root"


def test_with_digest_pins_and_keeps_the_tag() -> None:
    ref = parse_reference("127.0.0.1:5000/app:v1").with_digest(DIGEST)

    assert ref.tag == "v1"
    assert ref.digest == DIGEST
    assert str(ref) == f"127.0.0.1:5000/app:v1@{DIGEST}"
    with pytest.raises(InvalidReferenceError, match="digest"):
        ref.with_digest("sha256:short")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Debian", "lowercase"),
        ("myhost:5000/Team/app", "lowercase"),
        ("debian@sha256:1234", "digest"),
        ("debian@md5:" + "a" * 32, "digest"),
        ("debian:bad/tag:x", "registry host"),
        ("debian:-x", "tag"),
        ("a//b", "repository"),
        ("host:5000/", "no repository"),
        ("debian:" + "t" * 200, "tag"),
        ("oci-dir:", "no path"),
        ("dir:", "no path"),
    ],
)
def test_bad_references_are_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidReferenceError, match=message):
        parse_reference(text)


def test_local_paths_are_made_absolute_against_cwd(tmp_path: Path) -> None:
    assert parse_reference("dir:rootfs", cwd=tmp_path) == ImageReference(
        SourceKind.DIRECTORY, str(tmp_path / "rootfs")
    )
    assert parse_reference("oci-archive:../x.tar", cwd=tmp_path).location == str(
        tmp_path.parent / "x.tar"
    )
    assert parse_reference("docker-archive:./a/b.tar", cwd=tmp_path).location == str(
        tmp_path / "a" / "b.tar"
    )


def test_relative_paths_default_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert parse_reference("oci-dir:layout:v2").location == str(tmp_path / "layout")


def test_oci_dir_tag_is_split_only_when_the_whole_path_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "layout").mkdir()
    (tmp_path / "odd:name").mkdir()

    assert parse_reference(f"oci-dir:{tmp_path}/layout") == ImageReference(
        SourceKind.OCI_DIR, str(tmp_path / "layout")
    )
    assert parse_reference(f"oci-dir:{tmp_path}/layout:v1").tag == "v1"
    whole = parse_reference(f"oci-dir:{tmp_path}/odd:name")
    assert (whole.location, whole.tag) == (str(tmp_path / "odd:name"), "")
    split = parse_reference(f"oci-dir:{tmp_path}/odd:name:v2")
    assert (split.location, split.tag) == (str(tmp_path / "odd:name"), "v2")
    missing = parse_reference(f"oci-dir:{tmp_path}/missing:v3")
    assert (missing.location, missing.tag) == (str(tmp_path / "missing"), "v3")


def test_local_references_round_trip(tmp_path: Path) -> None:
    archive = tmp_path / "x.tar"
    archive.write_bytes(b"")
    texts = [
        f"oci-dir:{tmp_path}:v1",
        f"oci-archive:{archive}:latest",
        f"docker-archive:{archive}",
        f"docker-archive:{archive}:debian-python:latest",
        f"oci-dir:{tmp_path}:v1@{DIGEST}",
        f"dir:{tmp_path}",
    ]
    for text in texts:
        assert str(parse_reference(text)) == text


def test_docker_archive_names_an_image_with_name_and_tag(tmp_path: Path) -> None:
    archive = tmp_path / "x.tar"
    archive.write_bytes(b"")

    ref = parse_reference(f"docker-archive:{archive}:docker.io/lading/app:1.0")

    assert (ref.location, ref.tag) == (str(archive), "docker.io/lading/app:1.0")


def test_dir_keeps_colons_and_at_signs_in_the_path(tmp_path: Path) -> None:
    ref = parse_reference(f"dir:{tmp_path}/a:b@c")

    assert ref == ImageReference(SourceKind.DIRECTORY, f"{tmp_path}/a:b@c")
    assert (ref.registry_host, ref.repository) == ("", "")


def test_local_digest_suffix(tmp_path: Path) -> None:
    ref = parse_reference(f"oci-dir:{tmp_path}@{DIGEST}")

    assert (ref.location, ref.tag, ref.digest) == (str(tmp_path), "", DIGEST)
