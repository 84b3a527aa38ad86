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
from services.doors.cli.words import (
    Words,
    add_lang_option,
    language_of_argv,
    speak_argparse,
    translate_help,
    words_of,
)

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


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eduplan", description="Plan and follow up employees' further education.")
    add_lang_option(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    for sub in subparsers_of(parser):
        if not any("--lang" in action.option_strings for action in sub._actions):
            add_lang_option(sub)
    translate_help([parser, *subparsers_of(parser)], lang)
    return parser


def subparsers_of(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser below ``parser`` (its commands, their actions, …), each once."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += [sub, *subparsers_of(sub)]
    return found


def _said(error: Exception, words: Words) -> str:
    """The one line an error is told in, in the chosen language where the command knows its words."""
    from services.core.reads import ProjectionsBehind, UnknownTenant

    if isinstance(error, UnknownTenant):
        return words("unknown_tenant", tenant=error.tenant)
    if isinstance(error, ProjectionsBehind):
        return words("projections_behind", seconds=error.retry_after)
    return str(error)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # A plain exit on SIGTERM runs the exit handlers (the embedded PostgreSQL counts its users).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    lang = language_of_argv(sys.argv[1:] if argv is None else argv)
    speak_argparse(lang)
    args = build_parser(lang).parse_args(argv)
    from infra.db import StartupError
    from services.core.access import OpenModeOffLoopback
    from services.core.ingest_partitions import IngestProcessFailed
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
    words = words_of(args)
    try:
        result = args.run(args)
    except tuple(kind for kind, _ in exit_codes) as error:
        print(f"eduplan: {_said(error, words)}", file=sys.stderr)
        return next(code for kind, code in exit_codes if isinstance(error, kind))
    except RulesError as error:
        print(f"eduplan: {words('funding_rules', error=error)}", file=sys.stderr)
        return EXIT_USAGE
    except IngestProcessFailed as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return 1
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
