"""The `eduplan` command: a thin translation from arguments to the application core.

Each command group lives in its own module with a ``register(commands)`` that adds its parsers and
sets ``run`` (a function of the parsed arguments returning the exit code). A new command is a new
module and one line in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from typing import Any

from services.core.funding.loader import RulesError
from services.doors.cli.common import EXIT_NOT_FOUND, EXIT_TRY_AGAIN, EXIT_USAGE, UsageError

COMMAND_MODULES = (
    "services.doors.cli.actions",
    "services.doors.cli.demo",
    "services.doors.cli.funding",
    "services.doors.cli.messages",
    "services.doors.cli.plan",
    "services.doors.cli.projections",
    "services.doors.cli.server",
    "services.doors.cli.imports",
    "services.doors.cli.tokens",
    "services.doors.cli.export",
    "services.doors.cli.audit",
    "services.doors.kafka",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eduplan", description="Plan and follow up employees' further education.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    return parser


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # A plain exit on SIGTERM runs the exit handlers (the embedded PostgreSQL counts its users).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = build_parser().parse_args(argv)
    from infra.db import StartupError
    from services.core.access import OpenModeOffLoopback
    from services.core.reads import InvalidCursor, ProjectionsBehind, UnknownTenant

    # What a person can act on is said in one line, with the exit code of its kind; never a traceback.
    exit_codes: tuple[tuple[type[Exception], int], ...] = (
        (UsageError, EXIT_USAGE),
        (OpenModeOffLoopback, EXIT_USAGE),
        (InvalidCursor, EXIT_USAGE),
        (UnknownTenant, EXIT_NOT_FOUND),
        (StartupError, EXIT_NOT_FOUND),
        (ProjectionsBehind, EXIT_TRY_AGAIN),
    )
    try:
        result = args.run(args)
    except tuple(kind for kind, _ in exit_codes) as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return next(code for kind, code in exit_codes if isinstance(error, kind))
    except RulesError as error:
        print(f"eduplan: funding rules: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
