"""What every command shares: exit codes, usage errors, argument types."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

EXIT_USAGE = 2

Commands = Any
"""The object ``add_subparsers`` returns (argparse keeps its class private)."""


class UsageError(Exception):
    """A mistake in how the command was called: printed as one line, exit code 2."""


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
