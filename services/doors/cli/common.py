"""What every command shares: exit codes, usage errors, argument types."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

EXIT_NOT_FOUND = 1
"""A read of something that is not on record (a tenant with no message), or a service that cannot start."""

EXIT_USAGE = 2
"""How the command was called: unknown options, a bad date, a cursor this service never gave out."""

EXIT_TRY_AGAIN = 75
"""The figures are behind the log for now (sysexits' EX_TEMPFAIL): the same command later will answer."""

Commands = Any
"""The object ``add_subparsers`` returns (argparse keeps its class private)."""


class UsageError(Exception):
    """A mistake in how the command was called: printed as one line, exit code 2."""


def date_arg(text: str) -> date:
    from services.core.reads import parse_day

    try:
        return parse_day(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def instant_arg(text: str) -> datetime:
    from services.core.reads import parse_instant

    try:
        return parse_instant(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def _int_at_least(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{text!r} is less than {least}")
    return value


def port_number(text: str) -> int:
    value = _int_at_least(text, 1)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return value
