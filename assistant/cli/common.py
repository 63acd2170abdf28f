"""What every command shares: exit statuses, opening the shop, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
# Distinct from failure: the job finished, but some input rows were set aside in the reject report.
EXIT_REJECTED_ROWS = 3


class CliError(Exception):
    def __init__(self, message: str, status: int = EXIT_FAILURE):
        super().__init__(message)
        self.status = status


def open_shop(args: argparse.Namespace, **overrides):
    from assistant.shop import Shop

    return Shop.open(args.home, **overrides)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
