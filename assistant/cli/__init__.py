"""`shopmate`: a thin command line over the Shop facade.

Each area registers its own subcommands from a module of this package; the commands parse
arguments, call the facade and print (plain text, or JSON with --json).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from assistant.cli.common import EXIT_FAILURE, EXIT_USAGE, CliError

COMMAND_MODULES = [
    "data_commands",
    "push_commands",
    "server_commands",
    "ui_commands",
    "retrieval_commands",
    "ranking_commands",
    "chat_commands",
    "models_commands",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shopmate",
        description="A conversational shopping assistant for online stores.",
        epilog="Data lives in --home (or $SHOPMATE_HOME, default ./shopmate-data). "
        "Run 'shopmate COMMAND --help' for each command's options.",
    )
    parser.add_argument(
        "--home", help="the store's data directory (default: $SHOPMATE_HOME or ./shopmate-data)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more of what happens")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"assistant.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.run(args) or 0)
    except CliError as exc:
        print(f"shopmate {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"shopmate {args.command}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"shopmate {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILURE if not isinstance(exc, ValueError) else EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
