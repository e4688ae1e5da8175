"""A tar archive read in place: members found by path and streamed, never extracted."""

from __future__ import annotations

import os
import posixpath
import tarfile

from analysis.digest import Readable
from analysis.errors import CorruptImageError, ImageNotFoundError

# How many links (symlink or hardlink members) one lookup follows before calling it a loop.
MAX_LINK_HOPS = 16


def clean_member_name(name: str) -> str:
    """A member name without `./` or `/` in front and without redundant parts."""
    cleaned = posixpath.normpath(name.lstrip("/"))
    return "" if cleaned == "." else cleaned


class TarArchive:
    """An image archive on disk (plain or compressed tar), indexed by member path.

    `what` names the archive in messages. Links between members are followed inside the
    archive only; a link that leaves it is reported as corrupt, never followed on the host.
    """

    def __init__(self, path: str, what: str) -> None:
        self.path = path
        self.what = what

        if not os.path.exists(path):
            raise ImageNotFoundError(f"{what}: {path} does not exist")
        if not os.path.isfile(path):
            raise ImageNotFoundError(f"{what}: {path} is not a file")

        # The archive stays open while its members are streamed; close() releases it.
        try:
            self._tar = tarfile.open(path, "r:*")  # noqa: SIM115
            members = self._tar.getmembers()
        except (tarfile.TarError, EOFError) as exc:
            raise CorruptImageError(
                f"{what}: {path} is not a readable tar archive ({exc})"
            ) from exc
        except OSError as exc:
            raise ImageNotFoundError(f"{what}: cannot read {path}: {exc.strerror}") from exc

        # A later member of the same name wins, as when the archive is extracted.
        self._members = {clean_member_name(member.name): member for member in members}

    def close(self) -> None:
        self._tar.close()

    def find(self, name: str) -> tarfile.TarInfo | None:
        """The member `name` leads to after following links inside the archive, or None."""
        current = clean_member_name(name)
        for _ in range(MAX_LINK_HOPS):
            member = self._members.get(current)
            if member is None:
                return None
            if not (member.issym() or member.islnk()):
                return member
            current = self.link_target(current, member.linkname, hard=member.islnk())

        raise CorruptImageError(f"{self.what}: {name} is part of a loop of links")

    def link_target(self, name: str, target: str, *, hard: bool = False) -> str:
        """The member a link at `name` names; CorruptImageError when it leaves the archive.

        Symlink targets are relative to the link's folder, hardlink targets to the root.
        """
        if hard:
            joined = target
        elif target.startswith("/"):
            raise CorruptImageError(f"{self.what}: {name} links to {target}, outside the archive")
        else:
            joined = posixpath.join(posixpath.dirname(name), target)

        cleaned = posixpath.normpath(joined.lstrip("/") if hard else joined)
        if cleaned == ".." or cleaned.startswith("../"):
            raise CorruptImageError(f"{self.what}: {name} links to {target}, outside the archive")
        return cleaned

    def open(self, member: tarfile.TarInfo) -> Readable:
        """A stream of a regular member's content, read from the archive in place."""
        stream = self._tar.extractfile(member)
        if stream is None:
            raise CorruptImageError(f"{self.what}: {member.name} is not a regular file")
        return stream

    def read(self, member: tarfile.TarInfo, limit: int) -> bytes:
        """A regular member's content; CorruptImageError when it is larger than `limit`."""
        if member.size > limit:
            raise CorruptImageError(f"{self.what}: {member.name} is larger than {limit} bytes")
        try:
            return self.open(member).read()
        except (tarfile.TarError, EOFError) as exc:
            raise CorruptImageError(f"{self.what}: cannot read {member.name} ({exc})") from exc
