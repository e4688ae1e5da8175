"""`lading registry ...`: access settings of registries."""

from __future__ import annotations

import argparse
import sys

from client.connection import connect
from client.errors import CliError
from client.output import print_json, print_table
from client.views import registry_view
from protos import catalog_pb2


def add(args: argparse.Namespace) -> int:
    password = ""
    if args.password_stdin:
        if not args.username:
            raise CliError("--password-stdin needs --username")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("no password was read from standard input")

    with connect(args.url) as connection:
        registry = connection.call(
            connection.catalog.AddRegistry,
            catalog_pb2.AddRegistryRequest(
                host=args.host,
                insecure=args.insecure,
                username=args.username or "",
                password=password,
            ),
        )
    if args.output == "json":
        print_json(registry_view(registry))
    else:
        print(f"registry {registry.host} saved")
    return 0


def list_registries(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        response = connection.call(
            connection.catalog.ListRegistries, catalog_pb2.ListRegistriesRequest()
        )
    views = [registry_view(registry) for registry in response.registries]
    if args.output == "json":
        print_json(views)
        return 0
    print_table(
        ["HOST", "INSECURE", "USERNAME", "PASSWORD"],
        [
            [v["host"], v["insecure"], v["username"] or "", "stored" if v["has_password"] else ""]
            for v in views
        ],
    )
    return 0


def delete(args: argparse.Namespace) -> int:
    with connect(args.url) as connection:
        connection.call(
            connection.catalog.DeleteRegistry, catalog_pb2.DeleteRegistryRequest(host=args.host)
        )
    if args.output == "json":
        print_json({"deleted": args.host})
    else:
        print(f"registry {args.host} deleted")
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Add the `registry` command group."""
    registry = commands.add_parser("registry", help="registry access settings")
    sub = registry.add_subparsers(dest="registry_command", required=True, metavar="COMMAND")

    adding = sub.add_parser("add", help="add or replace a registry", parents=[common])
    adding.add_argument("host", metavar="HOST[:PORT]")
    adding.add_argument(
        "--insecure", action="store_true", help="plain HTTP, or TLS without verification"
    )
    adding.add_argument("--username")
    adding.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    adding.set_defaults(handler=add)

    listing = sub.add_parser("list", help="list the registries", parents=[common])
    listing.set_defaults(handler=list_registries)

    deleting = sub.add_parser("delete", help="forget a registry", parents=[common])
    deleting.add_argument("host", metavar="HOST[:PORT]")
    deleting.set_defaults(handler=delete)
