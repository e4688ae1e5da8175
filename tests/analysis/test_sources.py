"""Reading whole images from every kind of source, and the errors each failure gives."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from analysis.analyze import catalog_filesystem
from analysis.catalogers import default_catalogers, distro
from analysis.errors import (
    AnalysisLimitError,
    CorruptImageError,
    DigestMismatchError,
    ImageNotFoundError,
    InvalidReferenceError,
    RegistryAuthError,
    RegistryUnavailableError,
)
from analysis.filesystem import Entry, EntryKind
from analysis.platform import DEFAULT_PLATFORM, Platform
from analysis.reference import ImageReference, SourceKind, parse_reference
from analysis.registry import RegistryClient
from analysis.registry.auth import Challenge, parse_challenges
from analysis.sources import ImageContent, RegistryCredentials, read_image, resolve_image
from analysis.sources.assemble import read_content
from analysis.sources.remote import RegistrySource
from tests.analysis.fake_registry import HOST, FakeRegistry
from tests.analysis.oci_builder import (
    Member,
    blob_path,
    copy_layout,
    digest_of,
    file,
    gzip_bytes,
    make_layout,
    only_manifest,
    read_json,
    replace_layer,
    tagged,
    tar_bytes,
    write_image,
    write_index,
    write_json_blob,
)

SITE = "/usr/local/lib/python3.11/site-packages"
DIST = "/usr/local/lib/python3.11/dist-packages"


def keep_all(path: str) -> bool:
    return True


def read(
    text: str,
    keep: Callable[[str], bool] = keep_all,
    platform: Platform = DEFAULT_PLATFORM,
) -> ImageContent:
    return read_image(parse_reference(text), platform, None, keep)


def index_of(content: ImageContent) -> list[Entry]:
    return list(content.filesystem.entries())


def package_json_version(content: ImageContent, path: str) -> str:
    data = content.filesystem.read(path)
    assert data is not None
    version: str = json.loads(data)["version"]
    return version


# C14: whiteouts, reinstall and an opaque directory across four layers.


@pytest.fixture(scope="module")
def c14(shared: Path) -> ImageContent:
    return read(f"oci-dir:{shared / 'cases' / 'C14' / 'image'}")


def test_c14_layers_and_diff_ids(c14: ImageContent) -> None:
    prefixes = [layer.diff_id[len("sha256:") :][:8] for layer in c14.layers]

    assert prefixes == ["0828c59b", "30850316", "04c912ef", "0a43ace3"]
    assert {layer.media_type for layer in c14.layers} == {
        "application/vnd.oci.image.layer.v1.tar+gzip"
    }
    assert c14.digest == "sha256:b450d7e7e29d4ede2cd0e5ec2d4f69b92c0db11eb48dc6a07b79bcd65d0f61db"


def test_c14_final_python_packages(c14: ImageContent) -> None:
    fs = c14.filesystem

    assert fs.listdir(SITE) == [
        "idna-3.4.dist-info",
        "requests-2.31.0.dist-info",
        "six-1.16.0.dist-info",
        "urllib3-2.0.7.dist-info",
    ]
    assert fs.resolve(f"{SITE}/requests-2.28.0.dist-info") is None
    assert fs.resolve(f"{SITE}/urllib3-1.26.5.dist-info/METADATA") is None
    layer_of = {e.path: e.layer for e in fs.entries()}
    assert layer_of[f"{SITE}/idna-3.4.dist-info/METADATA"] == 2
    assert layer_of[f"{SITE}/six-1.16.0.dist-info/METADATA"] == 0
    assert layer_of[f"{SITE}/requests-2.31.0.dist-info/METADATA"] == 2


def test_c14_npm_plugins_hold_only_the_new_lodash(c14: ImageContent) -> None:
    fs = c14.filesystem

    assert fs.listdir("/opt/plugins") == ["node_modules"]
    assert fs.listdir("/opt/plugins/node_modules") == ["lodash"]
    assert package_json_version(c14, "/opt/plugins/node_modules/lodash/package.json") == "4.17.21"


def test_c14_dpkg_status_comes_from_the_second_layer(c14: ImageContent) -> None:
    status = c14.filesystem.read("/var/lib/dpkg/status")

    assert status is not None
    assert b"Package: libssl3" in status
    assert b"3.0.15-1~deb12u1" in status
    assert b"Package: curl" not in status
    assert c14.filesystem.read("/etc/os-release") is not None


# C15: symlinks resolve inside the image root.


@pytest.fixture(scope="module")
def c15(shared: Path) -> ImageContent:
    return read(f"oci-dir:{shared / 'cases' / 'C15' / 'image'}")


def test_c15_symlinks_stay_inside_the_image(c15: ImageContent) -> None:
    fs = c15.filesystem

    assert fs.resolve("/etc/os-release") == "/usr/lib/os-release.d/debian-12"
    assert fs.read("/etc/os-release") is not None
    assert fs.resolve("/var/lib/dpkg/status") == "/srv/pkgdb/status"
    assert b"Package: libzstd1" in (fs.read("/var/lib/dpkg/status") or b"")
    assert fs.listdir(SITE) == ["attrs-23.1.0.dist-info"]
    assert fs.resolve(f"{SITE}/attrs-23.1.0.dist-info/METADATA") == (
        "/opt/venv/lib/python3.11/site-packages/attrs-23.1.0.dist-info/METADATA"
    )


def test_c15_dangling_and_looping_links_are_absent(c15: ImageContent) -> None:
    fs = c15.filesystem

    assert fs.resolve("/etc/motd") is None
    assert fs.read("/etc/motd") is None
    assert fs.resolve("/usr/share/loop-a") is None
    assert fs.read("/usr/share/loop-b") is None
    kinds = {e.path: e.kind for e in fs.entries()}
    assert kinds["/etc/motd"] is EntryKind.SYMLINK
    assert kinds["/usr/share/loop-a"] is EntryKind.SYMLINK


# debian-python: five layers, a whiteout and an opaque directory; also the same image as
# a docker archive, an OCI archive and a layout whose shared blob is a real symlink.


def keep_metadata(path: str) -> bool:
    return path.endswith(("/METADATA", "os-release", "/status"))


@pytest.fixture(scope="module")
def debian_python(shared: Path) -> ImageContent:
    return read(f"oci-dir:{shared / 'images' / 'oci' / 'debian-python'}", keep_metadata)


@pytest.fixture(scope="module")
def debian_python_copy(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the layout with the shared base blob as a real file (skopeo needs that)."""
    target = tmp_path_factory.mktemp("debian-python") / "layout"
    return copy_layout(shared / "images" / "oci" / "debian-python", target)


def test_debian_python_layers(debian_python: ImageContent) -> None:
    assert len(debian_python.layers) == 5
    assert debian_python.layers[0].digest.startswith("sha256:666a7aa134cf")
    assert debian_python.layers[0].size == 28_062_862
    assert debian_python.image_id == (
        "sha256:29d34200097bcabe75ca054711b89f21fd9aa8f5bc4e8075b99e9ce9c9e3bbde"
    )


def test_debian_python_deleted_ecdsa_is_gone(debian_python: ImageContent) -> None:
    fs = debian_python.filesystem

    assert fs.resolve(f"{DIST}/ecdsa-0.13.dist-info") is None
    assert fs.resolve(f"{DIST}/ecdsa") is None
    assert fs.resolve(f"{DIST}/requests-2.25.1.dist-info/METADATA") is not None


def test_debian_python_pyjwt_2_4_0_only_under_opt_tools(debian_python: ImageContent) -> None:
    fs = debian_python.filesystem
    pyjwt = sorted(e.path for e in fs.entries() if e.path.rsplit("/", 1)[-1].startswith("PyJWT-"))

    assert pyjwt == ["/opt/tools/lib/python3.11/site-packages/PyJWT-2.4.0.dist-info"]
    metadata = fs.read(f"{pyjwt[0]}/METADATA")
    assert metadata is not None
    assert b"Version: 2.4.0" in metadata


def test_debian_python_os_release_resolves(debian_python: ImageContent) -> None:
    fs = debian_python.filesystem

    assert fs.resolve("/etc/os-release") == "/usr/lib/os-release"
    assert b"VERSION_CODENAME=bookworm" in (fs.read("/etc/os-release") or b"")


def test_docker_archive_gives_the_same_index(
    debian_python: ImageContent, debian_python_copy: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "x.tar"
    subprocess.run(
        [
            "skopeo",
            "--insecure-policy",
            "copy",
            f"oci:{debian_python_copy}",
            f"docker-archive:{archive}:debian-python:latest",
        ],
        check=True,
        capture_output=True,
    )

    content = read(f"docker-archive:{archive}", keep_metadata)

    assert index_of(content) == index_of(debian_python)
    assert content.image_id == debian_python.image_id
    assert content.digest == content.image_id
    assert [layer.diff_id for layer in content.layers] == [
        layer.diff_id for layer in debian_python.layers
    ]
    assert {layer.media_type for layer in content.layers} == {
        "application/vnd.docker.image.rootfs.diff.tar"
    }
    assert content.filesystem.read("/etc/os-release") == debian_python.filesystem.read(
        "/etc/os-release"
    )
    tagged_ref = parse_reference(f"docker-archive:{archive}:debian-python:latest")
    assert resolve_image(tagged_ref).image_id == debian_python.image_id


def test_blob_as_a_real_relative_symlink(
    shared: Path, debian_python: ImageContent, tmp_path: Path
) -> None:
    base_digest = debian_python.layers[0].digest
    real_blob = blob_path(shared / "images" / "oci" / "debian-base", base_digest)
    base = blob_path(tmp_path / "oci" / "debian-base", base_digest)
    base.parent.mkdir(parents=True)
    shutil.copyfile(real_blob, base)
    layout = tmp_path / "oci" / "debian-python"
    shutil.copytree(shared / "images" / "oci" / "debian-python", layout)
    linked = blob_path(layout, base_digest)
    linked.parent.chmod(0o755)
    linked.unlink()
    linked.symlink_to(f"../../../debian-base/blobs/sha256/{base_digest.split(':')[1]}")

    content = read(f"oci-dir:{layout}", keep_metadata)

    assert index_of(content) == index_of(debian_python)


def test_oci_archive_with_a_link_stub_leaving_the_archive_is_corrupt(
    shared: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "debian-python.tar"
    layout = shared / "images" / "oci" / "debian-python"
    subprocess.run(["tar", "-C", str(layout), "-cf", str(archive), "."], check=True)

    ref = parse_reference(f"oci-archive:{archive}")
    assert resolve_image(ref).digest.startswith("sha256:afbb73b0")
    with pytest.raises(CorruptImageError, match="outside the archive"):
        read_image(ref, DEFAULT_PLATFORM, None, keep_all)


@pytest.mark.parametrize("members", [["."], ["index.json", "oci-layout", "blobs"]])
def test_oci_archive_reads_like_the_layout(
    shared: Path, c14: ImageContent, tmp_path: Path, members: list[str]
) -> None:
    archive = tmp_path / "c14.tar"
    layout = shared / "cases" / "C14" / "image"
    subprocess.run(["tar", "-C", str(layout), "-cf", str(archive), *members], check=True)

    content = read(f"oci-archive:{archive}")

    assert index_of(content) == index_of(c14)
    assert content.digest == c14.digest
    assert content.layers == c14.layers
    assert content.filesystem.read("/opt/plugins/node_modules/lodash/package.json") == (
        c14.filesystem.read("/opt/plugins/node_modules/lodash/package.json")
    )


def test_compressed_oci_archive(shared: Path, c14: ImageContent, tmp_path: Path) -> None:
    archive = tmp_path / "c14.tar.gz"
    layout = shared / "cases" / "C14" / "image"
    subprocess.run(["tar", "-C", str(layout), "-czf", str(archive), "."], check=True)

    assert index_of(read(f"oci-archive:{archive}")) == index_of(c14)


# Damaged layouts.


@pytest.fixture
def c14_copy(shared: Path, tmp_path: Path) -> Path:
    return copy_layout(shared / "cases" / "C14" / "image", tmp_path / "layout")


def test_truncated_layer_is_corrupt_and_named(c14_copy: Path) -> None:
    _, manifest = only_manifest(c14_copy)
    original = blob_path(c14_copy, manifest["layers"][0]["digest"]).read_bytes()
    digest = replace_layer(c14_copy, 0, original[: len(original) // 2], rewrite_digests=True)
    ref = parse_reference(f"oci-dir:{c14_copy}")

    resolved = resolve_image(ref)
    with pytest.raises(CorruptImageError) as caught:
        read_image(ref, DEFAULT_PLATFORM, None, keep_all)

    assert not isinstance(caught.value, DigestMismatchError)
    assert digest in str(caught.value)
    assert "ends early" in str(caught.value)
    assert (
        resolved.digest != "sha256:b450d7e7e29d4ede2cd0e5ec2d4f69b92c0db11eb48dc6a07b79bcd65d0f61db"
    )


def test_changed_layer_bytes_are_a_digest_mismatch(c14_copy: Path) -> None:
    other = gzip_bytes(tar_bytes([file("etc/evil", "x")]))
    expected = replace_layer(c14_copy, 1, other, rewrite_digests=False)

    with pytest.raises(DigestMismatchError) as caught:
        read(f"oci-dir:{c14_copy}")

    assert expected in str(caught.value)
    assert digest_of(other) in str(caught.value)


def test_a_layer_whose_diff_id_does_not_match(c14_copy: Path) -> None:
    other = gzip_bytes(tar_bytes([file("etc/other", "x")]))
    replace_layer(c14_copy, 3, other, rewrite_digests=True)

    with pytest.raises(DigestMismatchError, match="diff_id"):
        read(f"oci-dir:{c14_copy}")


def test_a_changed_config_is_a_digest_mismatch(c14_copy: Path) -> None:
    _, manifest = only_manifest(c14_copy)
    config = blob_path(c14_copy, manifest["config"]["digest"])
    data = config.read_bytes()
    config.unlink()
    config.write_bytes(data.replace(b"amd64", b"arm64"))

    with pytest.raises(DigestMismatchError, match=manifest["config"]["digest"]):
        resolve_image(parse_reference(f"oci-dir:{c14_copy}"))


def test_bad_json_in_a_manifest_is_corrupt(c14_copy: Path) -> None:
    garbage = b"{not json"
    digest = digest_of(garbage)
    blob_path(c14_copy, digest).write_bytes(garbage)
    entry = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 9}
    write_index(c14_copy, [entry])

    with pytest.raises(CorruptImageError, match="not valid JSON"):
        resolve_image(parse_reference(f"oci-dir:{c14_copy}"))


def test_bad_json_in_the_index_is_corrupt(c14_copy: Path) -> None:
    (c14_copy / "index.json").write_text("[]")

    with pytest.raises(CorruptImageError, match=re.escape("index.json")):
        resolve_image(parse_reference(f"oci-dir:{c14_copy}"))


def test_a_missing_blob_is_corrupt(c14_copy: Path) -> None:
    _, manifest = only_manifest(c14_copy)
    blob_path(c14_copy, manifest["layers"][2]["digest"]).unlink()

    with pytest.raises(CorruptImageError, match=manifest["layers"][2]["digest"]):
        read(f"oci-dir:{c14_copy}")


# Choosing an image in a layout: tags, platforms, pinned digests.

LAYER_AMD64 = [[file("etc/arch", "amd64")]]
LAYER_ARM64 = [[file("etc/arch", "arm64")]]


@pytest.fixture
def two_tags(tmp_path: Path) -> Path:
    layout = tmp_path / "layout"
    first = write_image(layout, [[file("etc/v", "1")]])
    second = write_image(layout, [[file("etc/v", "2")]])
    write_index(layout, [tagged(first, "v1"), tagged(second, "v2")])
    return layout


def test_a_tag_chooses_the_image(two_tags: Path) -> None:
    assert read(f"oci-dir:{two_tags}:v2").filesystem.read("/etc/v") == b"2"
    assert read(f"oci-dir:{two_tags}:v1").filesystem.read("/etc/v") == b"1"


def test_several_images_and_no_tag_is_an_error_listing_the_tags(two_tags: Path) -> None:
    with pytest.raises(InvalidReferenceError, match="tags: v1, v2"):
        resolve_image(parse_reference(f"oci-dir:{two_tags}"))


def test_an_unknown_tag_lists_the_tags(two_tags: Path) -> None:
    with pytest.raises(ImageNotFoundError, match="no image tagged 'v3'; its tags: v1, v2"):
        resolve_image(parse_reference(f"oci-dir:{two_tags}:v3"))


@pytest.fixture
def multi_platform(tmp_path: Path) -> Path:
    """A layout whose tag names an index of an amd64 and an arm64/v8 image."""
    layout = tmp_path / "layout"
    amd64 = write_image(layout, LAYER_AMD64)
    arm64 = write_image(layout, LAYER_ARM64, architecture="arm64", variant="v8")
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [amd64, arm64],
    }
    digest, size = write_json_blob(layout, index)
    entry = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest, "size": size}
    write_index(layout, [tagged(entry, "multi")])
    return layout


def test_an_index_resolves_to_the_asked_platform(multi_platform: Path) -> None:
    ref = parse_reference(f"oci-dir:{multi_platform}:multi")

    arm = resolve_image(ref, Platform("linux", "arm64"))
    content = read_image(ref, Platform("linux", "arm64"), None, keep_all)

    assert arm.platform == Platform("linux", "arm64", "v8")
    assert content.filesystem.read("/etc/arch") == b"arm64"
    assert content.digest == arm.digest
    assert read(str(ref)).filesystem.read("/etc/arch") == b"amd64"


def test_a_missing_platform_lists_the_available_ones(multi_platform: Path) -> None:
    ref = parse_reference(f"oci-dir:{multi_platform}:multi")

    with pytest.raises(ImageNotFoundError, match="available: linux/amd64, linux/arm64/v8"):
        resolve_image(ref, Platform("linux", "s390x"))


def test_resolve_pins_the_manifest_digest_and_a_pin_is_checked(multi_platform: Path) -> None:
    ref = parse_reference(f"oci-dir:{multi_platform}:multi")
    resolved = resolve_image(ref, Platform("linux", "arm64", "v8"))

    assert resolved.reference == ref.with_digest(resolved.digest)
    assert resolved.image_id.startswith("sha256:")
    pinned = read_image(resolved.reference, Platform("linux", "arm64"), None, keep_all)
    assert pinned.digest == resolved.digest
    with pytest.raises(DigestMismatchError, match="pinned"):
        resolve_image(ref.with_digest("sha256:" + "0" * 64))


def test_a_pin_to_the_index_digest_is_kept(multi_platform: Path) -> None:
    index_digest = read_json(multi_platform / "index.json")["manifests"][0]["digest"]
    ref = parse_reference(f"oci-dir:{multi_platform}@{index_digest}")

    resolved = resolve_image(ref)

    assert resolved.reference == ref
    assert resolved.digest != index_digest


# Missing sources.


@pytest.mark.parametrize("kind", ["oci-dir", "oci-archive", "docker-archive", "dir"])
def test_a_missing_path_is_named(kind: str, tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"

    with pytest.raises(ImageNotFoundError, match=str(missing)):
        resolve_image(parse_reference(f"{kind}:{missing}"))
    with pytest.raises(ImageNotFoundError, match=str(missing)):
        read_image(parse_reference(f"{kind}:{missing}"), DEFAULT_PLATFORM, None, keep_all)


def test_a_directory_without_index_json_is_not_a_layout(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFoundError, match=re.escape("no index.json")):
        resolve_image(parse_reference(f"oci-dir:{tmp_path}"))


def test_a_file_that_is_not_a_tar(tmp_path: Path) -> None:
    path = tmp_path / "x.tar"
    path.write_bytes(b"hello" * 1000)

    with pytest.raises(CorruptImageError, match="not a readable tar"):
        resolve_image(parse_reference(f"docker-archive:{path}"))


# Docker archives built here: several images in one archive.


def docker_archive(path: Path, images: dict[str, list[list[Member]]], tamper: bool = False) -> Path:
    """A docker-save style archive holding one image per RepoTag.

    With `tamper`, each layer stored differs from the one its config's diff_id names.
    """
    entries = []
    with tarfile.open(path, "w") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        for repo_tag, layers in images.items():
            raws = [tar_bytes(members) for members in layers]
            config = json.dumps(
                {
                    "architecture": "amd64",
                    "os": "linux",
                    "rootfs": {"type": "layers", "diff_ids": [digest_of(raw) for raw in raws]},
                }
            ).encode()
            config_name = f"{hashlib.sha256(config).hexdigest()}.json"
            add(config_name, config)
            layer_names = []
            for raw in raws:
                name = f"{hashlib.sha256(raw).hexdigest()}/layer.tar"
                add(name, tar_bytes([file("tampered")]) if tamper else raw)
                layer_names.append(name)
            entries.append({"Config": config_name, "RepoTags": [repo_tag], "Layers": layer_names})
        add("manifest.json", json.dumps(entries).encode())
    return path


def test_a_docker_archive_of_several_images_needs_a_name(tmp_path: Path) -> None:
    archive = docker_archive(
        tmp_path / "two.tar",
        {"app:1": [[file("v", "1")]], "docker.io/lading/tool:2": [[file("v", "2")]]},
    )

    with pytest.raises(
        InvalidReferenceError, match=re.escape("RepoTags: app:1, docker.io/lading/tool:2")
    ):
        resolve_image(parse_reference(f"docker-archive:{archive}"))
    assert read(f"docker-archive:{archive}:lading/tool:2").filesystem.read("/v") == b"2"
    assert read(f"docker-archive:{archive}:docker.io/library/app:1").filesystem.read("/v") == b"1"
    with pytest.raises(ImageNotFoundError, match="no image tagged app:9"):
        resolve_image(parse_reference(f"docker-archive:{archive}:app:9"))


def test_a_docker_archive_whose_layer_does_not_match_its_diff_id(tmp_path: Path) -> None:
    archive = docker_archive(tmp_path / "one.tar", {"app:1": [[file("v", "1")]]}, tamper=True)

    with pytest.raises(DigestMismatchError, match="diff_id"):
        read(f"docker-archive:{archive}")


# dir: sources.


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "usr" / "lib").mkdir(parents=True)
    (root / "srv" / "pkgdb").mkdir(parents=True)
    (root / "var" / "lib").mkdir(parents=True)
    (root / "usr" / "lib" / "os-release").write_text("ID=debian\n")
    (root / "srv" / "pkgdb" / "status").write_text("Package: tar\n")
    (root / "etc" / "os-release").symlink_to("../usr/lib/os-release")
    (root / "var" / "lib" / "dpkg").symlink_to("/srv/pkgdb")
    (root / "etc" / "motd").symlink_to("/etc/shadow")
    (root / "etc" / "escape").symlink_to("../../outside.txt")
    (root / "etc" / "host-file").symlink_to(str(tmp_path / "outside.txt"))
    (tmp_path / "outside.txt").write_text("host secret")
    (root / "etc" / "shadow-ish").write_text("root:*:19000")
    return root


def test_dir_source_identity(rootfs: Path) -> None:
    ref = parse_reference(f"dir:{rootfs}")

    resolved = resolve_image(ref)
    content = read_image(ref, DEFAULT_PLATFORM, None, keep_all)

    expected = "sha256:" + hashlib.sha256(f"dir:{rootfs}".encode()).hexdigest()
    assert resolved.digest == expected
    assert (resolved.image_id, resolved.platform, resolved.reference) == ("", None, ref)
    assert (content.digest, content.image_id, content.layers) == (expected, "", ())


def test_dir_source_index_and_symlinks(rootfs: Path) -> None:
    fs = read(f"dir:{rootfs}").filesystem

    entries = {e.path: e for e in fs.entries()}
    assert entries["/etc/os-release"].kind is EntryKind.SYMLINK
    assert entries["/etc/os-release"].link_target == "../usr/lib/os-release"
    assert entries["/usr/lib/os-release"].size == len("ID=debian\n")
    assert fs.read("/etc/os-release") == b"ID=debian\n"
    assert fs.read("/var/lib/dpkg/status") == b"Package: tar\n"
    assert fs.listdir("/var/lib/dpkg") == ["status"]


def test_dir_source_never_reads_host_files_outside_the_root(rootfs: Path) -> None:
    fs = read(f"dir:{rootfs}").filesystem

    assert fs.read("/etc/motd") is None
    assert fs.resolve("/etc/escape") is None
    assert fs.read("/etc/escape") is None
    assert fs.read("/etc/host-file") is None
    assert fs.read("/../outside.txt") is None


def test_dir_source_honours_keep(rootfs: Path) -> None:
    fs = read(f"dir:{rootfs}", keep=lambda path: path == "/srv/pkgdb/status").filesystem

    assert fs.read("/var/lib/dpkg/status") == b"Package: tar\n"
    assert fs.read("/etc/os-release") is None


def test_dir_source_refuses_a_file_swapped_for_a_symlink_after_indexing(rootfs: Path) -> None:
    fs = read(f"dir:{rootfs}").filesystem
    target = rootfs / "usr" / "lib" / "os-release"
    target.unlink()
    target.symlink_to(rootfs.parent / "outside.txt")

    assert fs.read("/usr/lib/os-release") is None


# Options and details.


def test_a_wanted_file_over_max_file_bytes_is_indexed_and_raises_when_read(
    shared: Path, c14: ImageContent
) -> None:
    ref = parse_reference(f"oci-dir:{shared / 'cases' / 'C14' / 'image'}")

    content = read_image(ref, DEFAULT_PLATFORM, None, keep_all, max_file_bytes=100)

    assert index_of(content) == index_of(c14)
    lodash = "/opt/plugins/node_modules/lodash/package.json"
    assert content.filesystem.read(lodash) == c14.filesystem.read(lodash)
    status = c14.filesystem.read("/var/lib/dpkg/status")
    assert status is not None
    expected = f"/var/lib/dpkg/status has {len(status)} bytes, over the limit of 100 bytes"
    with pytest.raises(AnalysisLimitError, match=expected):
        content.filesystem.read("/var/lib/dpkg/status")


def test_an_unrelated_big_file_a_cataloger_might_want_does_not_stop_the_analysis(
    tmp_path: Path,
) -> None:
    status = "Package: tar\nStatus: install ok installed\nVersion: 1.34\n"
    layout = make_layout(
        tmp_path / "layout",
        [
            [file("var/lib/dpkg/status", status), file("etc/os-release", "ID=debian\n")],
            [file("srv/app/status", b"s" * 5000), file("srv/app/status.d/big", b"b" * 5000)],
        ],
    )
    catalogers = default_catalogers()

    def keep(path: str) -> bool:
        return distro.wants(path) or any(cataloger.wants(path) for cataloger in catalogers)

    content = read_image(
        parse_reference(f"oci-dir:{layout}"), DEFAULT_PLATFORM, None, keep, max_file_bytes=1000
    )
    found_distro, packages = catalog_filesystem(content.filesystem, catalogers)

    assert found_distro is not None
    assert [(package.name, package.version) for package in packages] == [("tar", "1.34")]
    with pytest.raises(AnalysisLimitError, match="/srv/app/status has 5000 bytes"):
        content.filesystem.read("/srv/app/status")


def test_a_wanted_file_over_max_file_bytes_in_a_directory_raises_when_read(
    rootfs: Path,
) -> None:
    ref = parse_reference(f"dir:{rootfs}")

    fs = read_image(ref, DEFAULT_PLATFORM, None, keep_all, max_file_bytes=11).filesystem

    assert fs.read("/etc/os-release") == b"ID=debian\n"
    with pytest.raises(AnalysisLimitError, match="/etc/shadow-ish has 12 bytes"):
        fs.read("/etc/shadow-ish")


def test_too_much_wanted_content_stops_the_read(shared: Path) -> None:
    ref = parse_reference(f"oci-dir:{shared / 'cases' / 'C14' / 'image'}")

    with pytest.raises(AnalysisLimitError, match="add up to more than 1000 bytes"):
        read_image(ref, DEFAULT_PLATFORM, None, keep_all, max_kept_bytes=1000)


def test_replaced_and_whited_out_content_does_not_count_towards_the_total(
    tmp_path: Path,
) -> None:
    layout = make_layout(
        tmp_path / "layout",
        [
            [file("var/lib/dpkg/status", b"1" * 800), file("etc/os-release", b"2" * 150)],
            [file("var/lib/dpkg/status", b"3" * 800), file("etc/.wh.os-release")],
            [file("etc/os-release", b"4" * 150)],
        ],
    )
    ref = parse_reference(f"oci-dir:{layout}")

    content = read_image(ref, DEFAULT_PLATFORM, None, keep_all, max_kept_bytes=1000)

    assert content.filesystem.read("/var/lib/dpkg/status") == b"3" * 800
    with pytest.raises(AnalysisLimitError, match="add up to more than 949 bytes"):
        read_image(ref, DEFAULT_PLATFORM, None, keep_all, max_kept_bytes=949)


def test_a_layer_longer_than_its_descriptor_says_is_a_digest_mismatch(c14_copy: Path) -> None:
    entry, manifest = only_manifest(c14_copy)
    layer = manifest["layers"][0]
    layer["size"] = 100
    manifest_digest, manifest_size = write_json_blob(c14_copy, manifest)
    write_index(c14_copy, [{**entry, "digest": manifest_digest, "size": manifest_size}])

    with pytest.raises(DigestMismatchError) as caught:
        read(f"oci-dir:{c14_copy}")

    assert str(caught.value) == (
        f"layer {layer['digest']}: expected digest {layer['digest']} of 100 bytes, "
        "the blob is longer"
    )


def test_entry_layers_point_at_the_writing_layer(c14: ImageContent) -> None:
    entries = {e.path: e for e in c14.filesystem.entries()}

    assert entries["/var/lib/dpkg/status"].layer == 1
    assert entries["/opt/plugins/node_modules/lodash/package.json"].layer == 3
    assert entries["/etc/os-release"].layer == 0
    assert all(e.path.startswith("/") and ".wh." not in e.path for e in entries.values())


def test_local_kinds_are_reported(c14: ImageContent, shared: Path) -> None:
    ref = parse_reference(f"oci-dir:{shared / 'cases' / 'C14' / 'image'}:c14")

    resolved = resolve_image(ref)

    assert resolved.reference.kind is SourceKind.OCI_DIR
    assert resolved.reference == ImageReference(SourceKind.OCI_DIR, ref.location, "c14", c14.digest)
    assert resolved.digest == c14.digest


def test_layout_file_permissions_do_not_matter(c14_copy: Path) -> None:
    for path in c14_copy.rglob("*"):
        if path.is_file():
            os.chmod(path, 0o444)

    assert len(read(f"oci-dir:{c14_copy}").layers) == 4


# Registries, through the client and an in-process fake registry.

REGISTRY_REF = f"{HOST}/team/app:c14"


def registry_read(
    fake: FakeRegistry,
    text: str = REGISTRY_REF,
    platform: Platform = DEFAULT_PLATFORM,
    **client_options: Any,
) -> ImageContent:
    ref = parse_reference(text)
    with RegistrySource(ref, client=fake.client(**client_options)) as source:
        return read_content(source.resolve(platform), source, keep_all)


@pytest.fixture
def served(c14_copy: Path) -> Path:
    return c14_copy


def test_registry_image_reads_like_the_layout(served: Path, c14: ImageContent) -> None:
    fake = FakeRegistry(served)

    content = registry_read(fake)

    assert index_of(content) == index_of(c14)
    assert content.layers == c14.layers
    assert content.digest == c14.digest
    assert all("Authorization" not in request.headers for request in fake.served)


def test_registry_resolution_pins_the_digest(served: Path, c14: ImageContent) -> None:
    ref = parse_reference(REGISTRY_REF)
    with RegistrySource(ref, client=FakeRegistry(served).client()) as source:
        resolution = source.resolve(DEFAULT_PLATFORM)

    assert resolution.reference == ref.with_digest(c14.digest)
    assert resolution.image_id == c14.image_id
    assert resolution.platform == Platform("linux", "amd64")
    assert index_of(registry_read(FakeRegistry(served), str(resolution.reference))) == index_of(c14)


def test_basic_auth_with_the_right_credentials(served: Path) -> None:
    fake = FakeRegistry(served, auth="basic")

    content = registry_read(fake, username=fake.username, password=fake.password)

    assert len(content.layers) == 4


def test_basic_auth_refusal_names_the_user_but_never_the_password(served: Path) -> None:
    fake = FakeRegistry(served, auth="basic")

    with pytest.raises(RegistryAuthError) as caught:
        registry_read(fake, username="reader", password="wrong-Passw0rd")

    message = str(caught.value)
    assert f"registry {HOST} refused the credentials for user reader" in message
    assert "wrong-Passw0rd" not in message
    assert "wrong-Passw0rd" not in repr(fake.client(username="reader", password="wrong-Passw0rd"))


def test_no_credentials_for_a_protected_registry(served: Path) -> None:
    with pytest.raises(RegistryAuthError, match=f"needs credentials.*lading registry add {HOST}"):
        registry_read(FakeRegistry(served, auth="basic"))


@pytest.mark.parametrize("token_key", ["token", "access_token"])
def test_bearer_tokens_are_fetched_once_per_scope(served: Path, token_key: str) -> None:
    fake = FakeRegistry(served, auth="bearer", token_key=token_key)

    content = registry_read(fake, username=fake.username, password=fake.password)

    assert len(content.layers) == 4
    assert len(fake.token_requests) == 1
    token_request = fake.token_requests[0]
    assert token_request.url.params["service"] == "fake-registry"
    assert token_request.url.params["scope"] == "repository:team/app:pull"
    assert token_request.headers["Authorization"].startswith("Basic ")


def test_anonymous_bearer_tokens(served: Path) -> None:
    fake = FakeRegistry(served, auth="bearer", username="")

    assert len(registry_read(fake).layers) == 4
    assert "Authorization" not in fake.token_requests[0].headers


def test_bearer_with_wrong_credentials(served: Path) -> None:
    fake = FakeRegistry(served, auth="bearer")

    with pytest.raises(RegistryAuthError, match="refused the credentials for user reader"):
        registry_read(fake, username="reader", password="nope")


def test_an_unknown_tag_names_registry_and_image(served: Path) -> None:
    fake = FakeRegistry(served, repository="debian-python")

    with pytest.raises(ImageNotFoundError) as caught:
        registry_read(fake, f"{HOST}/debian-python:nosuchtag")

    assert str(caught.value) == f"registry {HOST} has no image debian-python:nosuchtag"


def test_an_unknown_repository(served: Path) -> None:
    with pytest.raises(ImageNotFoundError, match="has no image other/repo:c14"):
        registry_read(FakeRegistry(served), f"{HOST}/other/repo:c14")


@pytest.mark.parametrize(
    ("status", "retryable"), [(503, True), (500, True), (429, True), (400, False)]
)
def test_server_failures_are_unavailable(served: Path, status: int, retryable: bool) -> None:
    with pytest.raises(RegistryUnavailableError, match=str(status)) as caught:
        registry_read(FakeRegistry(served, fail_with=status))

    assert caught.value.retryable is retryable


def test_an_announced_digest_must_match_the_bytes(served: Path) -> None:
    fake = FakeRegistry(served, announce_digest="sha256:" + "1" * 64)

    with pytest.raises(DigestMismatchError, match="announced"):
        registry_read(fake)


def test_a_manifest_fetched_by_digest_must_have_it(served: Path, c14: ImageContent) -> None:
    wrong = "sha256:" + "2" * 64
    shutil.copyfile(blob_path(served, c14.digest), blob_path(served, wrong))

    with pytest.raises(DigestMismatchError, match=wrong):
        registry_read(FakeRegistry(served), f"{HOST}/team/app@{wrong}")


def test_a_tampered_blob_is_a_digest_mismatch(served: Path) -> None:
    other = gzip_bytes(tar_bytes([file("evil", "x")]))
    expected = replace_layer(served, 2, other, rewrite_digests=False)

    with pytest.raises(DigestMismatchError, match=expected):
        registry_read(FakeRegistry(served))


def test_blob_redirects_are_followed_without_credentials(served: Path) -> None:
    fake = FakeRegistry(served, auth="basic", redirect_blobs=True)

    content = registry_read(fake, username=fake.username, password=fake.password)

    assert len(content.layers) == 4
    cdn = [request for request in fake.served if request.url.host == "cdn.test"]
    assert len(cdn) == 5
    assert all("Authorization" not in request.headers for request in cdn)


def test_an_index_in_the_registry_resolves_by_platform(multi_platform: Path) -> None:
    fake = FakeRegistry(multi_platform)

    arm = registry_read(fake, f"{HOST}/team/app:multi", Platform("linux", "arm64"))

    assert arm.filesystem.read("/etc/arch") == b"arm64"
    with pytest.raises(ImageNotFoundError, match="available: linux/amd64, linux/arm64/v8"):
        registry_read(fake, f"{HOST}/team/app:multi", Platform("windows", "amd64"))


def failing_https(served_by: FakeRegistry) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            raise httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number")
        return served_by.handle(request)

    return httpx.MockTransport(handle)


def test_insecure_registries_fall_back_to_plain_http(served: Path) -> None:
    fake = FakeRegistry(served)
    client = RegistryClient(HOST, insecure=True, transport=failing_https(fake))

    with RegistrySource(parse_reference(REGISTRY_REF), client=client) as source:
        content = read_content(source.resolve(DEFAULT_PLATFORM), source, keep_all)

    assert len(content.layers) == 4
    assert {request.url.scheme for request in fake.served} == {"http"}


def test_secure_registries_never_fall_back_and_say_how_to_allow_http(served: Path) -> None:
    client = RegistryClient(HOST, transport=failing_https(FakeRegistry(served)))

    with pytest.raises(RegistryUnavailableError) as caught:
        client.get_manifest("team/app", "c14")

    assert f"lading registry add {HOST} --insecure" in str(caught.value)
    assert not caught.value.retryable


def test_a_refused_connection_is_retryable() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    client = RegistryClient(HOST, insecure=True, transport=httpx.MockTransport(handle))

    with pytest.raises(RegistryUnavailableError, match="Connection refused") as caught:
        client.get_manifest("team/app", "c14")

    assert caught.value.retryable
    assert "--insecure" not in str(caught.value)


def test_timeouts_are_unavailable_and_state_their_units() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    client = RegistryClient(HOST, transport=httpx.MockTransport(handle))

    with pytest.raises(RegistryUnavailableError, match=r"read timeout 60.0 s"):
        client.get_manifest("team/app", "latest")


def test_docker_hub_is_served_from_its_api_host() -> None:
    seen: list[httpx.URL] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]})

    client = RegistryClient("docker.io", transport=httpx.MockTransport(handle))

    with pytest.raises(
        ImageNotFoundError, match=re.escape("registry docker.io has no image debian:12")
    ):
        client.get_manifest("library/debian", "12")
    assert str(seen[0]) == "https://registry-1.docker.io/v2/library/debian/manifests/12"


def test_manifest_requests_accept_oci_and_docker_types(served: Path) -> None:
    fake = FakeRegistry(served)

    fake.client().get_manifest("team/app", "c14")

    accept = fake.served[0].headers["Accept"]
    for media_type in (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ):
        assert media_type in accept


def test_credentials_hide_the_password() -> None:
    credentials = RegistryCredentials("reader", "s3cret-Passw0rd", insecure=True)

    assert "s3cret" not in repr(credentials)
    assert "reader" in repr(credentials)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('Basic realm="Registry Realm"', [Challenge("basic", {"realm": "Registry Realm"})]),
        (
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
            'scope="repository:library/debian:pull"',
            [
                Challenge(
                    "bearer",
                    {
                        "realm": "https://auth.docker.io/token",
                        "service": "registry.docker.io",
                        "scope": "repository:library/debian:pull",
                    },
                )
            ],
        ),
        (
            'Basic realm="a", Bearer realm="https://t/x",scope="s"',
            [
                Challenge("basic", {"realm": "a"}),
                Challenge("bearer", {"realm": "https://t/x", "scope": "s"}),
            ],
        ),
        (
            'Bearer realm="quoted \\"x\\"", error="invalid_token"',
            [Challenge("bearer", {"realm": 'quoted "x"', "error": "invalid_token"})],
        ),
        ("", []),
    ],
)
def test_challenges_are_parsed(header: str, expected: list[Challenge]) -> None:
    assert parse_challenges(header) == expected
