"""`eduplan export xapi`: a tenant's learning records as xAPI statements (JSON Lines)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from typing import IO

from services.doors.cli.common import Commands, UsageError, date_arg
from services.doors.cli.words import words_of


def register(commands: Commands) -> None:
    export = commands.add_parser("export", help="export a tenant's records in a standard format")
    kinds = export.add_subparsers(dest="kind", required=True, metavar="KIND")
    xapi = kinds.add_parser("xapi", help="xAPI 1.0.3 statements (JSON Lines) of bookings, completions, "
                                         "knowledge sharing and cancellations")
    xapi.add_argument("--tenant", required=True, help="the tenant (a company) whose records to export")
    xapi.add_argument("--since", type=date_arg, default=None,
                      help="only statements whose business date is on or after YYYY-MM-DD")
    xapi.add_argument("--out", default="-", help="write to FILE (replaced only when complete); - = stdout")
    xapi.set_defaults(run=_cmd_xapi)


def _cmd_xapi(args: argparse.Namespace) -> int:
    if args.out == "-":
        asyncio.run(_export(args, sys.stdout))
        return 0
    directory = os.path.dirname(os.path.abspath(args.out))
    try:
        handle, partial = tempfile.mkstemp(prefix=".xapi-", suffix=".partial", dir=directory)
    except OSError as error:
        raise UsageError(words_of(args)("cannot_write", path=args.out, why=error.strerror)) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            asyncio.run(_export(args, out))
        os.replace(partial, args.out)
        return 0
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


async def _export(args: argparse.Namespace, out: IO[str]) -> None:
    from services.core.app import open_app
    from services.core.reads import require_tenant
    from services.core.xapi import InvalidHomepage, xapi_lines

    app = await open_app(max_size=2)
    try:
        await require_tenant(app.store, args.tenant)  # unknown: one line, exit 1
        try:
            async for line in xapi_lines(app.store, args.tenant, homepage=app.settings.xapi_homepage,
                                         since=args.since):
                out.write(line)
        except InvalidHomepage as error:
            raise UsageError(str(error)) from None
        out.flush()
    finally:
        await app.close()
