"""Building small layers, OCI layouts and damaged copies of layouts for the reading tests."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass(frozen=True)
class Member:
    """One tar member to write: a file (content), directory, symlink or hardlink."""

    name: str
    content: bytes = b""
    kind: str = "file"
    target: str = ""
    mode: int = 0o644


def file(name: str, content: bytes | str = b"", mode: int = 0o644) -> Member:
    data = content.encode() if isinstance(content, str) else content
    return Member(name, data, mode=mode)


def directory(name: str) -> Member:
    return Member(name, kind="dir", mode=0o755)


def symlink(name: str, target: str) -> Member:
    return Member(name, kind="symlink", target=target, mode=0o777)


def hardlink(name: str, target: str) -> Member:
    return Member(name, kind="hardlink", target=target)


def tar_bytes(members: list[Member]) -> bytes:
    """An uncompressed tar holding `members` in the given order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.mode = member.mode
            info.mtime = 1_700_000_000
            if member.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif member.kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = member.target
                tar.addfile(info)
            elif member.kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = member.target
                tar.addfile(info)
            else:
                info.size = len(member.content)
                tar.addfile(info, io.BytesIO(member.content))
    return buffer.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_path(layout: Path, digest: str) -> Path:
    algorithm, hex_digest = digest.split(":", 1)
    return layout / "blobs" / algorithm / hex_digest


def write_blob(layout: Path, data: bytes) -> str:
    digest = digest_of(data)
    path = blob_path(layout, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return digest


def write_json_blob(layout: Path, document: dict[str, Any]) -> tuple[str, int]:
    data = json.dumps(document, sort_keys=True).encode()
    return write_blob(layout, data), len(data)


def write_image(
    layout: Path,
    layers: list[list[Member]],
    *,
    architecture: str = "amd64",
    variant: str = "",
) -> dict[str, Any]:
    """Write one image (gzip layers, config, manifest) into `layout`; its index descriptor."""
    layout.mkdir(parents=True, exist_ok=True)
    diff_ids, descriptors = [], []
    for members in layers:
        raw = tar_bytes(members)
        compressed = gzip_bytes(raw)
        diff_ids.append(digest_of(raw))
        descriptors.append(
            {
                "mediaType": GZIP_LAYER,
                "digest": write_blob(layout, compressed),
                "size": len(compressed),
            }
        )

    config: dict[str, Any] = {
        "architecture": architecture,
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    if variant:
        config["variant"] = variant
    config_digest, config_size = write_json_blob(layout, config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size},
        "layers": descriptors,
    }
    manifest_digest, manifest_size = write_json_blob(layout, manifest)
    platform = {"os": "linux", "architecture": architecture}
    if variant:
        platform["variant"] = variant
    return {
        "mediaType": OCI_MANIFEST,
        "digest": manifest_digest,
        "size": manifest_size,
        "platform": platform,
    }


def write_index(layout: Path, entries: list[dict[str, Any]]) -> None:
    """Write `index.json` and `oci-layout` for the given manifest descriptors."""
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
    (layout / "index.json").write_text(json.dumps(index))


def tagged(entry: dict[str, Any], tag: str) -> dict[str, Any]:
    return {**entry, "annotations": {"org.opencontainers.image.ref.name": tag}}


def make_layout(layout: Path, layers: list[list[Member]], tag: str = "latest") -> Path:
    """A layout holding one image made of `layers`, tagged `tag`."""
    write_index(layout, [tagged(write_image(layout, layers), tag)])
    return layout


def copy_layout(source: Path, target: Path) -> Path:
    """A writable copy of a layout in which every blob is a real file (link stubs resolved).

    The shared layouts may hold a blob as a small text file naming another layout's copy;
    skopeo cannot read those, and the damaged-copy tests must be able to rewrite any blob.
    """
    shutil.copytree(source, target, symlinks=False)
    for path in (target / "blobs").rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
        if path.is_file() and path.stat().st_size < 4096:
            text = path.read_text(errors="replace")
            if os.path.basename(text) == path.name:
                original = source / path.relative_to(target)
                path.unlink()
                shutil.copyfile((original.parent / text).resolve(), path)
    target.chmod(0o755)
    for name in ("index.json", "oci-layout"):
        (target / name).chmod(0o644)
    return target


def read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def only_manifest(layout: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The index entry and the manifest of a single-image layout."""
    entry = read_json(layout / "index.json")["manifests"][0]
    return entry, read_json(blob_path(layout, entry["digest"]))


def replace_layer(layout: Path, index: int, data: bytes, *, rewrite_digests: bool) -> str:
    """Put `data` in place of layer `index` of a single-image layout.

    With `rewrite_digests`, the blob is stored under its own digest and the manifest and
    index are rewritten to name it, so only the content is wrong. Without, the bytes replace
    the blob under its old digest. Returns the digest the manifest now names for the layer.
    """
    entry, manifest = only_manifest(layout)
    descriptor = manifest["layers"][index]
    if not rewrite_digests:
        path = blob_path(layout, descriptor["digest"])
        path.unlink()
        path.write_bytes(data)
        return str(descriptor["digest"])

    descriptor["digest"] = write_blob(layout, data)
    descriptor["size"] = len(data)
    manifest_digest, manifest_size = write_json_blob(layout, manifest)
    index_document = read_json(layout / "index.json")
    index_document["manifests"][0] = {**entry, "digest": manifest_digest, "size": manifest_size}
    (layout / "index.json").write_text(json.dumps(index_document))
    return str(descriptor["digest"])
