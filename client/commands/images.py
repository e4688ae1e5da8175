"""`lading image ...`: add, inspect, wait for, and read the results of images."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from analysis.errors import InvalidReferenceError
from analysis.platform import parse_platform
from analysis.reference import SourceKind, parse_reference
from client.connection import Connection, connect
from client.errors import CliError
from client.output import print_fields, print_json, print_table
from client.views import (
    OS_PACKAGE_TYPES,
    evaluation_view,
    finding_view,
    image_view,
    package_view,
    platform_text,
)
from protos import catalog_pb2, common_pb2, scanner_pb2

# How often `image wait` asks for the image's status, in seconds.
WAIT_POLL_SECONDS = 0.5
# How long `image wait` and `image add --wait` wait by default, in seconds.
DEFAULT_WAIT_SECONDS = 1800.0

CONTENT_TYPES = {"os": OS_PACKAGE_TYPES, "python": frozenset({"python"})}
VULN_SCOPES = {
    "all": scanner_pb2.VULNERABILITY_SCOPE_ALL,
    "os": scanner_pb2.VULNERABILITY_SCOPE_OS,
    "non-os": scanner_pb2.VULNERABILITY_SCOPE_NON_OS,
}
EXIT_STOP = 1


def seconds(text: str) -> float:
    """A positive number of seconds, for `--timeout`."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def client_reference(text: str) -> str:
    """The reference as the deployment must see it: local paths made absolute here."""
    if text.startswith("sha256:"):
        return text
    try:
        reference = parse_reference(text, cwd=None)
    except InvalidReferenceError as error:
        raise CliError(str(error)) from error
    if reference.kind is SourceKind.REGISTRY:
        return text
    return str(parse_reference(text, cwd=Path.cwd()))


def _platform(text: str | None) -> common_pb2.Platform:
    if not text:
        return common_pb2.Platform()
    try:
        platform = parse_platform(text)
    except InvalidReferenceError as error:
        raise CliError(str(error)) from error
    return common_pb2.Platform(
        os=platform.os, architecture=platform.architecture, variant=platform.variant
    )


def _show_image(image: catalog_pb2.Image, output: str) -> None:
    view = image_view(image)
    if output == "json":
        print_json(view)
        return
    print_fields(
        [
            ("digest", view["digest"]),
            ("tags", view["tags"]),
            ("status", view["analysis_status"]),
            ("failure", view["failure_reason"]),
            ("platform", view["platform"]),
            ("distro", _distro_text(view)),
            ("image id", view["image_id"]),
            ("added", view["created_at"]),
            ("analyzed", view["analyzed_at"]),
        ]
    )


def _distro_text(view: dict[str, Any]) -> str:
    distro = view["distro"]
    if distro is None:
        return ""
    return f"{distro['id']} {distro['version_id']} {distro['version_codename']}".strip()


def _wait(connection: Connection, reference: str, timeout: float) -> catalog_pb2.Image:
    """Poll until the image is analyzed or failed; a failure or a timeout is an error."""
    deadline = time.monotonic() + timeout
    while True:
        image = connection.call(
            connection.catalog.GetImage, catalog_pb2.GetImageRequest(reference=reference)
        )
        if image.analysis_status == common_pb2.ANALYSIS_STATUS_ANALYZED:
            return image
        if image.analysis_status == common_pb2.ANALYSIS_STATUS_ANALYSIS_FAILED:
            raise CliError(
                f"analysis of {image.digest} failed: {image.failure_reason} "
                "(after fixing the cause, analyze it again with `lading image add --force REF`)"
            )
        if time.monotonic() > deadline:
            raise CliError(f"{reference} is still not analyzed after {timeout:.0f} s")
        time.sleep(WAIT_POLL_SECONDS)


def add(args: argparse.Namespace) -> int:
    reference = client_reference(args.reference)
    with connect(args.url) as connection:
        image = connection.call(
            connection.catalog.AddImage,
            catalog_pb2.AddImageRequest(
                reference=reference, platform=_platform(args.platform), force=args.force
            ),
        )
        if args.wait:
            image = _wait(connection, image.digest, args.timeout)
    _show_image(image, args.output)
    return 0


def get(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        image = connection.call(
            connection.catalog.GetImage,
            catalog_pb2.GetImageRequest(reference=client_reference(args.reference)),
        )
    _show_image(image, args.output)
    return 0


def wait(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        image = _wait(connection, client_reference(args.reference), args.timeout)
    _show_image(image, args.output)
    return 0


def list_images(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        response = connection.call(connection.catalog.ListImages, catalog_pb2.ListImagesRequest())
    views = [image_view(image) for image in response.images]
    if args.output == "json":
        print_json(views)
        return 0
    print_table(
        ["DIGEST", "TAGS", "STATUS", "PLATFORM", "ADDED"],
        [
            [
                view["digest"],
                ", ".join(view["tags"]),
                view["analysis_status"],
                platform_text(image.platform),
                view["created_at"],
            ]
            for view, image in zip(views, response.images, strict=True)
        ],
    )
    return 0


def delete(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        response = connection.call(
            connection.catalog.DeleteImage,
            catalog_pb2.DeleteImageRequest(reference=client_reference(args.reference)),
        )
    if args.output == "json":
        print_json({"deleted": response.digest})
    else:
        print(f"deleted {response.digest}")
    return 0


def content(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        sbom = connection.call(
            connection.catalog.GetImageSbom,
            catalog_pb2.GetImageSbomRequest(reference=client_reference(args.reference)),
        )
    wanted = CONTENT_TYPES.get(args.content_type)
    packages = [p for p in sbom.packages if wanted is None or p.type in wanted]
    views = [package_view(package) for package in packages]
    if args.output == "json":
        print_json(views)
        return 0
    print_table(
        ["NAME", "VERSION", "TYPE", "ARCH", "SOURCE / PATH"],
        [
            [
                p.name,
                p.version,
                p.type,
                p.architecture,
                f"{p.source_name} {p.source_version}" if p.type in OS_PACKAGE_TYPES else p.path,
            ]
            for p in packages
        ],
    )
    return 0


def _digest(connection: Connection, reference: str) -> str:
    image = connection.call(
        connection.catalog.GetImage,
        catalog_pb2.GetImageRequest(reference=client_reference(reference)),
    )
    return image.digest


def vulns(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        report = connection.call(
            connection.scanner.GetVulnerabilities,
            scanner_pb2.GetVulnerabilitiesRequest(
                image_digest=_digest(connection, args.reference),
                scope=VULN_SCOPES[args.scope],
            ),
        )
    views = [finding_view(finding) for finding in report.findings]
    if args.output == "json":
        print_json(views)
        return 0
    print_table(
        ["ID", "SEVERITY", "PACKAGE", "VERSION", "FIXED IN", "TYPE", "PATH"],
        [
            [
                v["id"],
                v["severity"],
                v["package"],
                v["version"],
                v["fixed_in"] or "",
                v["type"],
                v["path"] or "",
            ]
            for v in views
        ],
    )
    return 0


def check(args: argparse.Namespace) -> int:
    """Evaluate the policy: exit 0 on GO or WARN, 1 on STOP (errors exit 2 in main)."""
    with connect(args.url) as connection:
        evaluation = connection.call(
            connection.scanner.EvaluatePolicy,
            scanner_pb2.EvaluatePolicyRequest(image_digest=_digest(connection, args.reference)),
        )
    view = evaluation_view(evaluation)
    if args.output == "json":
        print_json(view)
    else:
        _show_evaluation(view, args.detail)
    return EXIT_STOP if evaluation.final_action == scanner_pb2.POLICY_ACTION_STOP else 0


def _show_evaluation(view: dict[str, Any], detail: bool) -> None:
    """The triggers that decided the verdict (all of them with `detail`), then the verdict."""
    order = {"STOP": 0, "WARN": 1, "GO": 2}
    triggers = sorted(view["triggers"], key=lambda t: order.get(t["action"], 3))
    shown = triggers if detail else [t for t in triggers if t["action"] == view["final_action"]]
    if shown:
        print_table(
            ["GATE", "TRIGGER", "ACTION", "TRIGGER ID", "MESSAGE"],
            [[t["gate"], t["trigger"], t["action"], t["trigger_id"], t["message"]] for t in shown],
        )
    counts = {action: sum(t["action"] == action for t in triggers) for action in order}
    summary = ", ".join(f"{count} {action}" for action, count in counts.items() if count)
    hidden = len(triggers) - len(shown)
    more = f"; {hidden} more with --detail" if hidden else ""
    verdict = f"{view['final_action']} ({summary or 'no triggers'}{more})"
    print(f"image {view['image_digest']}: {verdict}")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add the `image` command group."""
    image = commands.add_parser("image", help="add images and read their analysis")
    sub = image.add_subparsers(dest="image_command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, with_reference: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, parents=[common])
        if with_reference:
            parser.add_argument("reference", metavar="REF", help="a reference, path or digest")
        return parser

    adding = command("add", "add an image and queue its analysis")
    adding.add_argument("--platform", help="os/arch[/variant] for multi-platform images")
    adding.add_argument("--wait", action="store_true", help="wait until the analysis ends")
    adding.add_argument("--force", action="store_true", help="analyze a known image again")
    adding.add_argument("--timeout", type=seconds, default=DEFAULT_WAIT_SECONDS, help="seconds")
    adding.set_defaults(handler=add)

    command("list", "list the images", with_reference=False).set_defaults(handler=list_images)
    command("get", "show one image").set_defaults(handler=get)
    command("delete", "delete an image and its results").set_defaults(handler=delete)

    waiting = command("wait", "wait until an image is analyzed")
    waiting.add_argument("--timeout", type=seconds, default=DEFAULT_WAIT_SECONDS, help="seconds")
    waiting.set_defaults(handler=wait)

    listing = command("content", "list the packages found in an image")
    listing.add_argument("content_type", choices=["os", "python", "all"], metavar="TYPE")
    listing.set_defaults(handler=content)

    report = command("vulns", "list the vulnerabilities of an image")
    report.add_argument("scope", choices=list(VULN_SCOPES), metavar="SCOPE")
    report.set_defaults(handler=vulns)

    checking = command("check", "evaluate the policy: exit 0 on GO or WARN, 1 on STOP")
    checking.add_argument("--detail", action="store_true", help="list every trigger")
    checking.set_defaults(handler=check)
