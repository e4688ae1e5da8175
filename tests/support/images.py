"""Put the shared OCI test layouts where Lading reads them: a registry or a docker-archive.

Both helpers run `skopeo` (1.9 on Debian 12). Credentials go to skopeo on its command line, as
its `--creds` options require, but never into an error message or a log.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.support.errors import SkopeoError
from tests.support.registry import Registry

SKOPEO = "skopeo"
# Bounds one skopeo run, in seconds: a push of the largest shared image takes a few seconds.
SKOPEO_TIMEOUT = 300.0


# A blob file this small may be a link stub: a relative path to the blob in another layout,
# left where a symlink stood by a copy that could not keep symlinks.
LINK_STUB_MAX_BYTES = 512


def materialize_layout(layout_dir: Path, target: Path) -> Path:
    """A copy of the layout at `target` whose blobs are symlinks to the real blob files.

    The shared layouts store the blobs they share with debian-base either as relative
    symlinks or, where a copy could not keep those, as stub files holding the link's text.
    skopeo reads neither stub nor anything outside the layout it is given, so the tests hand it
    this copy, which links every blob (stubs followed) by absolute path.
    """
    blobs = target / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for name in ("index.json", "oci-layout"):
        if (layout_dir / name).is_file():
            (target / name).write_bytes((layout_dir / name).read_bytes())
    source_blobs = layout_dir / "blobs" / "sha256"
    for blob in source_blobs.iterdir() if source_blobs.is_dir() else ():
        (blobs / blob.name).symlink_to(_follow_stubs(blob))
    return target


def _follow_stubs(blob: Path) -> Path:
    real = blob.resolve()
    for _ in range(8):
        if real.stat().st_size > LINK_STUB_MAX_BYTES:
            return real
        text = real.read_bytes().strip()
        if not text.startswith(b"../"):
            return real
        candidate = (real.parent / text.decode()).resolve()
        if not candidate.is_file():
            return real
        real = candidate
    return real


def push(layout_dir: Path, registry: Registry, repository: str, tag: str = "latest") -> str:
    """Copy the single image of an OCI layout to `registry` as `repository:tag`.

    Returns the manifest digest (`sha256:...`) as the registry now serves it. With
    `--preserve-digests` skopeo refuses any change to the manifest, so the digest equals the
    one in the layout's `index.json`: tests can compare what Lading reports with the layout.
    """
    reference = f"docker://{registry.host}/{repository}:{tag}"
    with tempfile.TemporaryDirectory(prefix="lading-layout-") as scratch:
        layout = materialize_layout(_layout(layout_dir), Path(scratch) / "layout")
        _run(
            [
                "copy",
                "--preserve-digests",
                "--dest-tls-verify=false",
                *_credential_options("--dest-", registry),
                f"oci:{layout}",
                reference,
            ],
            registry.password,
        )
    # Asking the registry, rather than trusting the layout, proves what it stored.
    output = _run(
        [
            "inspect",
            "--tls-verify=false",
            *_credential_options("--", registry),
            "--format",
            "{{.Digest}}",
            reference,
        ],
        registry.password,
    )
    digest = output.decode("utf-8").strip()
    if not digest.startswith("sha256:"):
        raise SkopeoError(f"skopeo inspect gave no digest for {reference}: {digest!r}")
    return digest


def docker_archive(layout_dir: Path, out_path: Path, name_tag: str) -> Path:
    """Write the image of an OCI layout as a `docker save` style tar tagged `name_tag`.

    `name_tag` is `name:tag`; skopeo writes it normalized into the archive's `RepoTags`
    (`lading/debian-base:latest` becomes `docker.io/lading/debian-base:latest`). An existing
    `out_path` is replaced. skopeo 1.9 refuses zstd layers (go-app) in this format, so such a
    layout is first recompressed with gzip into a temporary layout, which is then removed.
    """
    out_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="lading-gzip-layout-") as scratch:
        source = materialize_layout(_layout(layout_dir), Path(scratch) / "materialized")
        if _has_zstd_layers(source):
            gzip_layout = Path(scratch) / "layout"
            _run(
                [
                    "copy",
                    "--dest-compress",
                    "--dest-compress-format",
                    "gzip",
                    f"oci:{source}",
                    f"oci:{gzip_layout}:latest",
                ],
                None,
            )
            source = gzip_layout
        _run(["copy", f"oci:{source}", f"docker-archive:{out_path}:{name_tag}"], None)
    return out_path


def _has_zstd_layers(layout: Path) -> bool:
    """Whether any manifest listed in the layout's index has a zstd-compressed layer."""
    index = json.loads((layout / "index.json").read_text())
    for entry in index.get("manifests", []):
        algorithm, _, digest = entry["digest"].partition(":")
        manifest = json.loads((layout / "blobs" / algorithm / digest).read_text())
        if any("zstd" in layer.get("mediaType", "") for layer in manifest.get("layers", [])):
            return True
    return False


def _layout(layout_dir: Path) -> Path:
    """The layout as skopeo's `oci:` transport needs it: absolute and without a colon."""
    path = layout_dir.absolute()
    # skopeo reads whatever follows the first colon as the image's reference name.
    if ":" in str(path):
        raise SkopeoError(f"skopeo cannot address an OCI layout whose path has a colon: {path}")
    if not (path / "index.json").is_file():
        raise SkopeoError(f"not an OCI image layout (no index.json): {path}")
    return path


def _credential_options(prefix: str, registry: Registry) -> list[str]:
    """`--dest-creds user:pass` style options, or `--...no-creds` for anonymous registries.

    The explicit no-creds option keeps skopeo from reading the user's auth files, whose
    entries could otherwise leak into a test that means to be anonymous.
    """
    if registry.credentials is None:
        return [f"{prefix}no-creds"]
    username, password = registry.credentials
    return [f"{prefix}creds", f"{username}:{password}"]


def _run(arguments: Sequence[str], secret: str | None) -> bytes:
    """Run skopeo and return its stdout; raise `SkopeoError` with its stderr if it fails."""
    # The tests copy local unsigned images; a strict system policy.json must not refuse them.
    command = [SKOPEO, "--insecure-policy", *arguments]
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=SKOPEO_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        # `from None`: the original error's text repeats the command line with the password.
        raise SkopeoError(_redact(f"{' '.join(command)}: {error}", secret)) from None
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", errors="replace").strip()
        raise SkopeoError(
            f"{_redact(' '.join(command), secret)} failed with status {result.returncode}:\n"
            f"{_redact(stderr, secret)}"
        )
    return result.stdout


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text
