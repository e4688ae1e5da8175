"""os-release parsing and where the distro is looked for."""

from __future__ import annotations

from analysis.catalogers import distro
from analysis.model import Distro
from tests.analysis.catalogers.memory_fs import Link, MemoryFileSystem

BOOKWORM = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' + (
    b"VERSION_CODENAME=bookworm\n"
)


def test_parse_undoes_shell_quoting_and_skips_noise() -> None:
    text = "\n".join(
        [
            "# a comment",
            "",
            'NAME="Debian GNU/Linux"',
            "ID='debian'",
            'VARIANT="it\'s \\"quoted\\""',
            'BROKEN="unterminated',
            "not a variable",
        ]
    )

    assert distro.parse_os_release(text) == {
        "NAME": "Debian GNU/Linux",
        "ID": "debian",
        "VARIANT": 'it\'s "quoted"',
    }


def test_etc_wins_over_usr_lib() -> None:
    fs = MemoryFileSystem(
        {"/etc/os-release": BOOKWORM, "/usr/lib/os-release": b"ID=other\nVERSION_ID=1\n"}
    )

    assert distro.find_distro(fs) == Distro("debian", "12", "bookworm")


def test_usr_lib_is_the_fallback() -> None:
    fs = MemoryFileSystem({"/usr/lib/os-release": b"ID=alpine\nVERSION_ID=3.20.0\n"})

    assert distro.find_distro(fs) == Distro("alpine", "3.20.0", "")


def test_symlinks_resolve_inside_the_image_root_and_the_target_is_kept() -> None:
    fs = MemoryFileSystem(
        {
            "/usr/lib/os-release.d/debian-12": BOOKWORM,
            "/usr/lib/os-release": Link("../../../../../../usr/lib/os-release.d/debian-12"),
            "/etc/os-release": Link("../usr/lib/os-release"),
        },
        keep=distro.wants,
    )

    assert distro.find_distro(fs) == Distro("debian", "12", "bookworm")


def test_no_os_release_or_no_id_gives_none() -> None:
    assert distro.find_distro(MemoryFileSystem({"/etc/hostname": b"x\n"})) is None
    assert distro.find_distro(MemoryFileSystem({"/etc/os-release": b"NAME=x\n"})) is None


def test_a_dangling_or_looping_link_gives_none() -> None:
    dangling = MemoryFileSystem({"/etc/os-release": Link("/nowhere")})
    looping = MemoryFileSystem(
        {"/etc/os-release": Link("loop-a"), "/etc/loop-a": Link("os-release")}
    )

    assert distro.find_distro(dangling) is None
    assert distro.find_distro(looping) is None
