"""Analyzes an image: reads it once, catalogs its packages and returns its SBOM."""

from __future__ import annotations

from collections.abc import Iterable

from analysis.catalogers import Cataloger, default_catalogers, distro
from analysis.catalogers.ownership import link_python_to_deb
from analysis.filesystem import FileSystem
from analysis.model import Distro, Package, Sbom
from analysis.platform import DEFAULT_PLATFORM, Platform
from analysis.reference import ImageReference
from analysis.sources import RegistryCredentials, read_image


def analyze(
    ref: ImageReference,
    platform: Platform = DEFAULT_PLATFORM,
    credentials: RegistryCredentials | None = None,
) -> Sbom:
    """The SBOM of the image `ref` names, for `platform`.

    The layers are read in a single pass that keeps in memory only the files some cataloger
    wants the contents of.
    """
    catalogers = default_catalogers()

    def keep(path: str) -> bool:
        return distro.wants(path) or any(cataloger.wants(path) for cataloger in catalogers)

    content = read_image(ref, platform, credentials, keep)

    image_distro, packages = catalog_filesystem(content.filesystem, catalogers)
    return Sbom(
        distro=image_distro,
        packages=tuple(packages),
        image_id=content.image_id,
        layers=content.layers,
    )


def catalog_filesystem(
    fs: FileSystem, catalogers: Iterable[Cataloger] | None = None
) -> tuple[Distro | None, list[Package]]:
    """The distro of `fs` and its packages, each once, Python ones linked to their deb owner.

    Packages are sorted by their identity (type, name, version, architecture, path) so that the
    same filesystem always gives the same list.
    """
    image_distro = distro.find_distro(fs)

    found: dict[tuple[str, str, str, str, str], Package] = {}
    for cataloger in default_catalogers() if catalogers is None else catalogers:
        for package in cataloger.catalog(fs):
            found.setdefault(_identity(package), package)

    packages = link_python_to_deb(fs, list(found.values()))
    return image_distro, sorted(packages, key=_identity)


def _identity(package: Package) -> tuple[str, str, str, str, str]:
    """What tells two packages apart: a second one with the same identity is the same package."""
    return (package.type, package.name, package.version, package.architecture, package.path)
