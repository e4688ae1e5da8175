"""`lading feeds sync PATH`: import vulnerability records."""

from __future__ import annotations

import argparse
from pathlib import Path

from client.connection import connect
from client.errors import CliError
from client.output import print_json, print_table
from client.views import sync_view
from protos import scanner_pb2


def sync(args: argparse.Namespace) -> int:
    if not args.path.strip():
        raise CliError("feeds sync needs the path of a directory or a zip file of OSV records")
    path = Path(args.path).expanduser().resolve()
    with connect(args.url) as connection:
        response = connection.call(
            connection.scanner.SyncFeeds, scanner_pb2.SyncFeedsRequest(path=str(path))
        )
    view = sync_view(response)
    if args.output == "json":
        print_json(view)
        return 0
    print_table(["ECOSYSTEM", "RECORDS"], sorted(view["feeds"].items()))
    print(
        f"{view['records']} records ({view['withdrawn']} withdrawn); "
        f"{view['skipped']} files skipped"
    )
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add the `feeds` command group."""
    feeds = commands.add_parser("feeds", help="vulnerability feeds")
    sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="COMMAND")
    syncing = sub.add_parser(
        "sync", help="import OSV records from a directory or a zip file", parents=[common]
    )
    syncing.add_argument("path", metavar="PATH")
    syncing.set_defaults(handler=sync)
