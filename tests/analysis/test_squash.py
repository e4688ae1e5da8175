"""Squashing layers: whiteouts, opaque directories, replacement, hardlinks, symlink rules."""

from __future__ import annotations

import io

import pytest

from analysis.errors import AnalysisLimitError
from analysis.filesystem import Entry, EntryKind, FileSystem
from analysis.layers import DEFAULT_MAX_FILE_BYTES, LayerEntry, read_layer
from analysis.squash import MAX_SYMLINK_HOPS, SquashedFileSystem
from tests.analysis.oci_builder import Member, directory, file, hardlink, symlink, tar_bytes


def squash(
    *layers: list[Member], keep_all: bool = True, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> SquashedFileSystem:
    """The filesystem that layers built from these tar members squash into."""
    filesystem = SquashedFileSystem(max_file_bytes)
    for index, members in enumerate(layers):

        def apply(entry: LayerEntry, index: int = index) -> None:
            filesystem.apply(entry, index)

        read_layer(
            io.BytesIO(tar_bytes(members)),
            name=f"layer {index}",
            digest="",
            diff_id="",
            keep=lambda path: keep_all,
            on_entry=apply,
            max_file_bytes=max_file_bytes,
        )
    return filesystem


def paths(filesystem: SquashedFileSystem) -> list[str]:
    return [entry.path for entry in filesystem.entries()]


def test_it_is_a_filesystem() -> None:
    filesystem: FileSystem = squash([file("a", "1")])

    assert filesystem.read("/a") == b"1"


def test_later_layers_replace_files_and_record_their_layer() -> None:
    fs = squash(
        [directory("etc"), file("etc/os-release", "old"), file("etc/keep", "k")],
        [file("etc/os-release", "new")],
    )

    assert fs.read("/etc/os-release") == b"new"
    assert fs.entry("/etc/os-release") == Entry("/etc/os-release", EntryKind.FILE, 3, 0o644, "", 1)
    assert fs.entry("/etc/keep") == Entry("/etc/keep", EntryKind.FILE, 1, 0o644, "", 0)


def test_later_entries_of_the_same_layer_win() -> None:
    fs = squash([file("a", "first"), file("./a", "second")])

    assert fs.read("/a") == b"second"
    assert paths(fs) == ["/a"]


def test_a_directory_over_a_directory_keeps_its_children() -> None:
    fs = squash([directory("d"), file("d/x", "x")], [directory("d"), file("d/y", "y")])

    assert fs.listdir("/d") == ["x", "y"]
    assert fs.entry("/d") == Entry("/d", EntryKind.DIRECTORY, 0, 0o755, "", 1)


def test_a_file_over_a_directory_replaces_the_subtree_and_back() -> None:
    fs = squash(
        [directory("d"), file("d/x", "x"), file("f", "f")],
        [file("d", "now a file"), directory("f"), file("f/inner", "i")],
    )

    assert paths(fs) == ["/d", "/f", "/f/inner"]
    assert fs.read("/d") == b"now a file"
    assert fs.read("/d/x") is None


def test_paths_in_any_spelling_name_the_same_node() -> None:
    fs = squash([file("./a/b", "1")], [file("/a/b", "2")], [file("a//b", "3")])

    assert paths(fs) == ["/a", "/a/b"]
    assert fs.read("a/b") == b"3"
    assert fs.read("/a/./b") == b"3"


def test_missing_parents_are_created_as_directories() -> None:
    fs = squash([file("usr/local/lib/x.so", "elf")])

    assert paths(fs) == ["/usr", "/usr/local", "/usr/local/lib", "/usr/local/lib/x.so"]
    assert fs.entry("/usr/local") == Entry("/usr/local", EntryKind.DIRECTORY, 0, 0o755, "", 0)


def test_whiteout_hides_a_lower_subtree() -> None:
    fs = squash(
        [
            directory("site"),
            directory("site/ecdsa"),
            file("site/ecdsa/__init__.py"),
            file("site/keep"),
        ],
        [file("site/.wh.ecdsa")],
    )

    assert paths(fs) == ["/site", "/site/keep"]
    assert fs.resolve("/site/ecdsa") is None


@pytest.mark.parametrize("whiteout_first", [True, False])
def test_whiteout_does_not_hide_entries_of_its_own_layer(whiteout_first: bool) -> None:
    whiteout = file("site/.wh.idna-3.4.dist-info")
    same_layer = [
        directory("site/idna-3.4.dist-info"),
        file("site/idna-3.4.dist-info/METADATA", "new"),
    ]
    layer = [whiteout, *same_layer] if whiteout_first else [*same_layer, whiteout]

    fs = squash(
        [
            directory("site"),
            directory("site/idna-3.4.dist-info"),
            file("site/idna-3.4.dist-info/METADATA", "old"),
            file("site/idna-3.4.dist-info/RECORD", "old"),
        ],
        layer,
    )

    assert fs.listdir("/site/idna-3.4.dist-info") == ["METADATA"]
    assert fs.read("/site/idna-3.4.dist-info/METADATA") == b"new"
    metadata = fs.entry("/site/idna-3.4.dist-info/METADATA")
    assert metadata is not None
    assert metadata.layer == 1


def test_same_layer_file_under_a_lower_directory_survives_its_whiteout() -> None:
    fs = squash(
        [directory("d"), file("d/old", "o")],
        [file("d/new", "n"), file(".wh.d")],
    )

    assert fs.listdir("/d") == ["new"]


def test_whiteout_of_something_absent_changes_nothing() -> None:
    fs = squash([file("a")], [file(".wh.b"), file("missing/.wh.c")])

    assert paths(fs) == ["/a", "/missing"]


def test_whiteouts_never_appear_in_the_result() -> None:
    fs = squash([file("x/.wh.y"), file("x/.wh..wh..opq")])

    assert paths(fs) == ["/x"]


def test_opaque_directory_hides_lower_children_only() -> None:
    fs = squash(
        [
            directory("opt/plugins/node_modules/lodash"),
            file("opt/plugins/node_modules/lodash/package.json", '{"version":"4.17.15"}'),
            directory("opt/plugins/node_modules/minimist"),
            file("opt/plugins/top", "t"),
        ],
        [
            directory("opt/plugins"),
            file("opt/plugins/node_modules/lodash/package.json", '{"version":"4.17.21"}'),
            file("opt/plugins/.wh..wh..opq"),
        ],
    )

    assert fs.listdir("/opt/plugins") == ["node_modules"]
    assert fs.listdir("/opt/plugins/node_modules") == ["lodash"]
    assert fs.read("/opt/plugins/node_modules/lodash/package.json") == b'{"version":"4.17.21"}'


def test_opaque_directory_of_a_new_directory() -> None:
    fs = squash([file("other")], [file("fresh/.wh..wh..opq"), file("fresh/a")])

    assert fs.listdir("/fresh") == ["a"]


def test_hardlinks_carry_the_content_of_their_target() -> None:
    fs = squash(
        [
            file("etc/app/settings.ini", "password = hunter22"),
            hardlink("opt/app/config/settings.ini", "etc/app/settings.ini"),
        ]
    )

    assert fs.read("/opt/app/config/settings.ini") == b"password = hunter22"
    link = fs.entry("/opt/app/config/settings.ini")
    assert link == Entry("/opt/app/config/settings.ini", EntryKind.FILE, 19, 0o644, "", 0)


def test_a_hardlink_keeps_its_content_when_its_target_changes_later() -> None:
    fs = squash(
        [file("a", "one"), hardlink("b", "./a")],
        [file("a", "two")],
        [file(".wh.a")],
    )

    assert fs.read("/b") == b"one"
    assert fs.resolve("/a") is None


def test_a_dangling_hardlink_is_an_empty_file_without_content() -> None:
    fs = squash([hardlink("b", "nowhere")])

    assert fs.entry("/b") == Entry("/b", EntryKind.FILE, 0, 0o644, "", 0)
    assert fs.read("/b") is None


def test_unkept_files_read_as_absent_but_are_listed() -> None:
    fs = squash([file("a", "content")], keep_all=False)

    assert fs.read("/a") is None
    assert paths(fs) == ["/a"]
    assert fs.entry("/a") == Entry("/a", EntryKind.FILE, 7, 0o644, "", 0)


# A path nested deeper than Python's recursion limit (1,200 components).
DEEP = "/" + "/".join(["d"] * 1199)


def test_a_deep_subtree_is_whited_out() -> None:
    fs = SquashedFileSystem()
    fs.apply(LayerEntry(f"{DEEP}/file", EntryKind.FILE, 4, content=b"data"), 0)

    fs.apply(LayerEntry("/.wh.d", EntryKind.FILE), 1)

    assert paths(fs) == []
    assert fs.held_bytes == 0


def test_a_deep_opaque_directory_keeps_what_its_own_layer_wrote() -> None:
    fs = SquashedFileSystem()
    fs.apply(LayerEntry(f"{DEEP}/lower", EntryKind.FILE, 1, content=b"l"), 0)
    fs.apply(LayerEntry(f"{DEEP}/upper", EntryKind.FILE, 1, content=b"u"), 1)

    fs.apply(LayerEntry("/d/.wh..wh..opq", EntryKind.FILE), 1)

    assert fs.read(f"{DEEP}/upper") == b"u"
    assert fs.resolve(f"{DEEP}/lower") is None
    assert len(paths(fs)) == 1200
    assert fs.held_bytes == 1


def test_a_wanted_file_over_the_cap_raises_only_when_read() -> None:
    fs = squash(
        [
            file("srv/pkgdb/status", "Package: tar\n"),
            symlink("var/lib/dpkg", "/srv/pkgdb"),
            hardlink("srv/pkgdb/status.bak", "srv/pkgdb/status"),
            file("etc/os-release", "ID=x\n"),
        ],
        max_file_bytes=10,
    )

    assert fs.read("/etc/os-release") == b"ID=x\n"
    assert fs.entry("/srv/pkgdb/status") == Entry(
        "/srv/pkgdb/status", EntryKind.FILE, 13, 0o644, "", 0
    )
    expected = "/srv/pkgdb/status has 13 bytes, over the limit of 10 bytes"
    with pytest.raises(AnalysisLimitError, match=expected):
        fs.read("/var/lib/dpkg/status")
    with pytest.raises(AnalysisLimitError, match=r"/srv/pkgdb/status\.bak has 13 bytes"):
        fs.read("/srv/pkgdb/status.bak")


def test_held_bytes_count_only_content_still_held() -> None:
    fs = squash(
        [
            file("a", b"a" * 600),
            file("b", b"b" * 300),
            file("d/x", b"x" * 50),
            file("e/z", b"z" * 20),
            file("p", b"p" * 30),
        ],
        [file("a", b"A" * 100)],
        [file(".wh.b")],
        [file("d", b"now a file")],
        [file("e/.wh..wh..opq"), file("p/q", b"q" * 5)],
        [file("f", b"f" * 8), file(".wh.f")],
    )

    assert {path: len(fs.read(path) or b"") for path in ("/a", "/d", "/p/q", "/f")} == {
        "/a": 100,
        "/d": 10,
        "/p/q": 5,
        "/f": 8,
    }
    assert fs.held_bytes == 100 + 10 + 5 + 8


def test_held_bytes_count_a_hardlink_again() -> None:
    fs = squash([file("a", b"a" * 600), hardlink("b", "a")], [file(".wh.a")])

    assert fs.read("/b") == b"a" * 600
    assert fs.held_bytes == 600


def test_entries_are_depth_first_in_name_order() -> None:
    fs = squash([file("b/z"), file("a"), file("b/a"), symlink("c", "a")])

    assert [(e.path, e.kind) for e in fs.entries()] == [
        ("/a", EntryKind.FILE),
        ("/b", EntryKind.DIRECTORY),
        ("/b/a", EntryKind.FILE),
        ("/b/z", EntryKind.FILE),
        ("/c", EntryKind.SYMLINK),
    ]


SYMLINKS = [
    directory("usr/lib/os-release.d"),
    file("usr/lib/os-release.d/debian-12", "ID=debian\n"),
    symlink("usr/lib/os-release", "../../../../../../usr/lib/os-release.d/debian-12"),
    symlink("etc/os-release", "../usr/lib/os-release"),
    file("srv/pkgdb/status", "Package: tar\n"),
    symlink("var/lib/dpkg", "/srv/pkgdb"),
    symlink("etc/motd", "/etc/shadow"),
    symlink("usr/share/loop-a", "loop-b"),
    symlink("usr/share/loop-b", "loop-a"),
    symlink("usr/share/self", "self"),
    symlink("usr/share/empty", ""),
    symlink("up", "../../../.."),
    file("etc/passwd", "root:x:0:0\n"),
]


@pytest.mark.parametrize(
    ("path", "real"),
    [
        ("/etc/os-release", "/usr/lib/os-release.d/debian-12"),
        ("/var/lib/dpkg/status", "/srv/pkgdb/status"),
        ("/var/lib/dpkg", "/srv/pkgdb"),
        ("/var/lib/dpkg/../pkgdb/status", "/srv/pkgdb/status"),
        ("/var/lib/dpkg/../dpkg/status", None),
        ("/up", "/"),
        ("/up/etc/passwd", "/etc/passwd"),
        ("/../../etc/passwd", "/etc/passwd"),
        ("/etc/motd", None),
        ("/usr/share/loop-a", None),
        ("/usr/share/loop-a/x", None),
        ("/usr/share/self", None),
        ("/usr/share/empty", None),
        ("/etc/passwd/x", None),
        ("/nowhere", None),
        ("/", "/"),
    ],
)
def test_symlinks_resolve_inside_the_image_root(path: str, real: str | None) -> None:
    fs = squash(SYMLINKS)

    assert fs.resolve(path) == real


def test_reads_and_listings_follow_symlinks() -> None:
    fs = squash(SYMLINKS)

    assert fs.read("/etc/os-release") == b"ID=debian\n"
    assert fs.read("/var/lib/dpkg/status") == b"Package: tar\n"
    assert fs.listdir("/var/lib/dpkg") == ["status"]
    assert fs.read("/etc/motd") is None
    assert fs.read("/usr/share/loop-a") is None
    assert fs.read("/var/lib/dpkg") is None
    assert fs.listdir("/etc/os-release") == []


def test_entry_follows_the_last_symlink_only_when_asked() -> None:
    fs = squash(SYMLINKS)

    link = fs.entry("/var/lib/dpkg")
    assert link == Entry("/var/lib/dpkg", EntryKind.SYMLINK, 0, 0o777, "/srv/pkgdb", 0)
    assert fs.entry("/var/lib/dpkg", follow=True) == Entry(
        "/srv/pkgdb", EntryKind.DIRECTORY, 0, 0o755, "", 0
    )


def test_a_long_chain_of_symlinks_stops_at_the_hop_limit() -> None:
    chain = [symlink(f"l{i}", f"l{i + 1}") for i in range(MAX_SYMLINK_HOPS + 1)]
    fs = squash([*chain, file(f"l{MAX_SYMLINK_HOPS + 1}", "end")])

    assert fs.read("/l1") == b"end"
    assert fs.read("/l0") is None


def test_layers_write_through_symlinked_parent_directories() -> None:
    fs = squash(
        [directory("usr/lib"), symlink("lib", "usr/lib")],
        [file("lib/x.so", "elf"), file("lib/.wh.gone")],
    )

    assert fs.read("/usr/lib/x.so") == b"elf"
    assert fs.entry("/lib") == Entry("/lib", EntryKind.SYMLINK, 0, 0o777, "usr/lib", 0)


def test_a_dangling_symlinked_parent_is_replaced_by_a_directory() -> None:
    fs = squash([symlink("d", "/nowhere")], [file("d/x", "x")])

    assert fs.entry("/d") == Entry("/d", EntryKind.DIRECTORY, 0, 0o755, "", 1)
    assert fs.read("/d/x") == b"x"


def test_the_root_directory_is_not_an_entry() -> None:
    fs = squash([directory("./"), file("a")])

    assert paths(fs) == ["/a"]
    assert fs.entry("/") is None
    assert fs.listdir("/") == ["a"]
