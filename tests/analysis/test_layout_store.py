"""Hostile OCI layout directories: blobs that are devices, FIFOs, or links leaving the layout."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from analysis.errors import CorruptImageError
from analysis.platform import DEFAULT_PLATFORM
from analysis.reference import parse_reference
from analysis.sources import ImageContent, read_image
from tests.analysis.oci_builder import blob_path, copy_layout, only_manifest


def read(layout: Path) -> ImageContent:
    return read_image(parse_reference(f"oci-dir:{layout}"), DEFAULT_PLATFORM, None, lambda _: True)


@pytest.fixture
def layout(shared: Path, tmp_path: Path) -> Path:
    """A writable copy of the C14 layout, in `layouts/` beside where its links may go."""
    return copy_layout(shared / "cases" / "C14" / "image", tmp_path / "layouts" / "c14")


def first_layer(layout: Path) -> tuple[str, Path]:
    """The digest of the layout's first layer and the path of its blob file."""
    _, manifest = only_manifest(layout)
    digest = str(manifest["layers"][0]["digest"])
    return digest, blob_path(layout, digest)


def moved_outside(layout: Path, blob: Path) -> Path:
    """Move a blob out of the folder holding the layout; where it now is."""
    outside = layout.parent.parent / "elsewhere" / "blobs" / "sha256" / blob.name
    outside.parent.mkdir(parents=True)
    shutil.move(blob, outside)
    return outside


def test_a_blob_linked_to_a_device_is_corrupt(layout: Path) -> None:
    digest, blob = first_layer(layout)
    blob.unlink()
    blob.symlink_to("/dev/zero")

    with pytest.raises(CorruptImageError) as caught:
        read(layout)

    assert f"blob {digest} links to /dev/zero, outside {layout.parent}" in str(caught.value)


def test_a_fifo_in_place_of_a_blob_is_corrupt(layout: Path) -> None:
    digest, blob = first_layer(layout)
    blob.unlink()
    os.mkfifo(blob)

    with pytest.raises(CorruptImageError) as caught:
        read(layout)

    assert f"blob {digest} is not a regular file ({blob} is a FIFO)" in str(caught.value)


def test_a_directory_in_place_of_a_blob_is_corrupt(layout: Path) -> None:
    digest, blob = first_layer(layout)
    blob.unlink()
    blob.mkdir()

    with pytest.raises(CorruptImageError, match=f"blob {digest} is not a regular file"):
        read(layout)


@pytest.mark.parametrize("absolute", [True, False])
def test_a_link_stub_leaving_the_layouts_folder_is_corrupt(layout: Path, absolute: bool) -> None:
    digest, blob = first_layer(layout)
    outside = moved_outside(layout, blob)
    blob.write_text(str(outside) if absolute else f"../../../../elsewhere/blobs/sha256/{blob.name}")

    with pytest.raises(CorruptImageError) as caught:
        read(layout)

    assert f"blob {digest} links to {outside}, outside {layout.parent}" in str(caught.value)


@pytest.mark.parametrize("absolute", [True, False])
def test_a_symlink_leaving_the_layouts_folder_is_corrupt(layout: Path, absolute: bool) -> None:
    digest, blob = first_layer(layout)
    outside = moved_outside(layout, blob)
    blob.symlink_to(outside if absolute else f"../../../../elsewhere/blobs/sha256/{blob.name}")

    with pytest.raises(CorruptImageError) as caught:
        read(layout)

    assert f"blob {digest} links to {outside}, outside {layout.parent}" in str(caught.value)


def test_a_link_stub_to_a_sibling_layout_is_followed(layout: Path) -> None:
    _, blob = first_layer(layout)
    sibling = layout.parent / "base" / "blobs" / "sha256" / blob.name
    sibling.parent.mkdir(parents=True)
    shutil.move(blob, sibling)
    blob.write_text(f"../../../base/blobs/sha256/{blob.name}\n")

    content = read(layout)

    assert len(content.layers) == 4
    assert content.filesystem.read("/etc/os-release") is not None


def test_a_loop_of_link_stubs_is_corrupt(layout: Path) -> None:
    digest, blob = first_layer(layout)
    blob.write_text(blob.name)

    with pytest.raises(CorruptImageError, match=f"blob {digest} is part of a loop of links"):
        read(layout)
