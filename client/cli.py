"""The `lading` command: parses arguments and maps outcomes to exit codes.

Exit codes: 0 success (and GO or WARN for `image check`), 1 STOP from `image check`,
2 any error, with its message on standard error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from client.commands import feeds, images, registries, up
from client.connection import URL_ENV
from client.errors import CliError

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", help=f"HOST:PORT of the deployment (default: ${URL_ENV} or 127.0.0.1:8228)"
    )
    common.add_argument(
        "-o", "--output", choices=["table", "json"], default="table", help="output format"
    )

    parser = argparse.ArgumentParser(
        prog="lading", description="Analyze container images: SBOM, vulnerabilities, policy."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    up.register(commands)
    images.register(commands, common)
    registries.register(commands, common)
    feeds.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except CliError as error:
        print(f"lading: {error}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader of our output went away (`lading ... | head`); nothing more to say.
        # Point stdout at /dev/null so that the interpreter's final flush fails no more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as error:
        # Exit 1 means STOP to `image check`; an unexpected failure must never look like it.
        print(f"lading: unexpected error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR
    return code


def run() -> None:
    """The console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
