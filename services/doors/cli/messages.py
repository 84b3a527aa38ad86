"""Commands around messages and the log: ingest, rejections, events, erase, generate."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from services.doors.cli.common import Commands, UsageError, non_negative_int, positive_int
from services.doors.cli.words import words_of


def register(commands: Commands) -> None:
    ingest = commands.add_parser("ingest", help="ingest JSON Lines of messages from FILE (- = stdin)")
    ingest.add_argument("file", metavar="FILE", help="JSON Lines, one message a line; - reads standard input")
    ingest.add_argument("--json", action="store_true",
                        help="print one outcome per line, with its input line number (the summary goes to stderr)")
    ingest.add_argument("--workers", type=positive_int, default=4, help="tenants processed in parallel (default 4)")
    ingest.add_argument("--batch-size", type=positive_int, default=250,
                        help="messages decided and appended together (default 250)")
    ingest.add_argument("--processes", type=positive_int, default=1,
                        help="processes sharing a large input's tenants, this one included"
                             " (default 1: this process alone; each process holds a pool of --workers + 2 connections)")
    ingest.set_defaults(run=_cmd_ingest)

    rej = commands.add_parser("rejections", help="list rejected messages: a tenant's, or those without a tenant")
    whose = rej.add_mutually_exclusive_group(required=True)
    whose.add_argument("--tenant", help="the tenant whose rejected messages to list")
    whose.add_argument("--unattributed", action="store_true",
                       help="the rejected messages whose tenant could not be read (operators)")
    rej.add_argument("--json", action="store_true", help='print {"rejections": [...]} instead of a table')
    rej.add_argument("--limit", type=positive_int, default=1000, help="at most this many, oldest first (default 1000)")
    rej.set_defaults(run=_cmd_rejections)

    ev = commands.add_parser("events", help="replay a tenant's event log (JSON Lines)")
    ev.add_argument("--tenant", required=True, help="the tenant whose events to print")
    ev.add_argument("--after", default=None, metavar="CURSOR",
                    help="continue after this cursor (an event's `cursor`, or the `next` printed at the end)")
    ev.add_argument("--limit", type=non_negative_int, default=0, help="stop after N events (default 0 = all)")
    ev.set_defaults(run=_cmd_events)

    gen = commands.add_parser("generate", help="write a generated feed (JSON Lines) for trials and benchmarks")
    gen.add_argument("--out", default="-", metavar="FILE", help="file to write (default - = standard output)")
    gen.add_argument("--tenants", type=positive_int, default=None,
                     help="number of companies, cycling through the report's cases (default: the nine cases)")
    gen.add_argument("--employees", type=positive_int, default=None,
                     help="employees per company at the start (default: each case's own size)")
    gen.add_argument("--years", type=positive_int, default=3, help="years of history, ending 2026-11-20 (default 3)")
    gen.add_argument("--seed", type=non_negative_int, default=2026,
                     help="the same seed gives the same feed; the seed is part of every tenant name and"
                          " message id, so feeds of different seeds never share one (default 2026)")
    gen.add_argument("--no-faults", action="store_true",
                     help="leave out the deliberately bad messages (about 1.5 %% of the feed)")
    gen.set_defaults(run=_cmd_generate)

    erase = commands.add_parser("erase", help="erase an employee's personal data (destroys their key)")
    erase.add_argument("--tenant", required=True, help="the employee's tenant")
    erase.add_argument("--employee", required=True, help="the employee_id whose personal data to erase")
    erase.set_defaults(run=_cmd_erase)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from services.doors.cli.imports import summary

    words = words_of(args)
    if args.file == "-":
        source = sys.stdin.buffer
        total = None
    else:
        try:
            source = open(args.file, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise UsageError(words("cannot_read", path=args.file, why=error.strerror)) from None
        total = os.fstat(source.fileno()).st_size if os.path.isfile(args.file) else None
    try:
        counts = asyncio.run(_ingest(source, args, total))
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    print(summary(counts, words), file=sys.stderr if args.json else sys.stdout)
    return 0


async def _ingest(source: Any, args: argparse.Namespace, total: int | None) -> Any:
    from services.core.app import open_app
    from services.core.audit import checkpoint_pending
    from services.core.ingest import for_bulk, ingest_stream
    from services.doors.progress import ByteProgress

    app = await open_app(max_size=args.workers + 2)
    for_bulk(app.intake)
    try:
        out = sys.stdout

        def print_outcome(outcome: dict[str, Any]) -> None:
            out.write(json.dumps(outcome, ensure_ascii=False) + "\n")

        on_outcome = print_outcome if args.json else None
        with ByteProgress(words_of(args)("progress_ingest"), total) as progress:
            counts = await ingest_stream(app.intake, source, workers=args.workers, batch_size=args.batch_size,
                                         processes=args.processes, settings=_connected(app.settings),
                                         on_outcome=on_outcome, on_progress=progress.advance)
        await checkpoint_pending(app.pool, app.audit_keys)  # what was ingested ends signed
        return counts
    finally:
        await app.close()


def _connected(settings: Any) -> Any:
    """The settings with the URL this process connected to: the embedded server it started (or joined) is
    then reached by the ingest's other processes directly, and lives as long as this one."""
    import dataclasses

    from infra.db import database_url

    return dataclasses.replace(settings, database_url=database_url(settings))


def _cmd_rejections(args: argparse.Namespace) -> int:
    async def run() -> list[dict[str, Any]]:
        from services.core import reads
        from services.core.app import open_app

        app = await open_app(max_size=2)
        try:
            if args.unattributed:
                return await reads.unattributed_rejections(app, args.limit)
            return await reads.rejections(app, args.tenant, args.limit)
        finally:
            await app.close()

    rejections = asyncio.run(run())
    if args.json:
        print(json.dumps({"rejections": rejections}, ensure_ascii=False, indent=2))
        return 0
    from services.doors.render import print_rejections

    words = words_of(args)
    if not rejections and args.unattributed:
        print(words("no_unattributed"))
        return 0
    print_rejections(args.tenant or words("without_tenant"), rejections, words=words)
    return 0


def _cmd_events(args: argparse.Namespace) -> int:
    async def run() -> None:
        from services.core import reads
        from services.core.app import open_app

        app = await open_app(max_size=2)
        try:
            cursor, shown = args.after, 0
            while True:
                page, cursor = await reads.read_events(app, args.tenant, cursor, 1000)
                for event in page:
                    print(json.dumps(event, ensure_ascii=False))
                    shown += 1
                    if args.limit and shown >= args.limit:
                        return
                if not page:
                    print(json.dumps({"next": cursor}), file=sys.stderr)
                    return
        finally:
            await app.close()

    asyncio.run(run())
    return 0


def _cmd_erase(args: argparse.Namespace) -> int:
    from services.core.erasure import Erasure, erase_employee

    async def run() -> Erasure:
        from services.core.app import open_app

        app = await open_app(max_size=2)
        try:
            return await erase_employee(app.store, args.tenant, args.employee)
        finally:
            await app.close()

    erased = asyncio.run(run())
    words = words_of(args)
    print(words("erased" if erased.key_destroyed else "no_key", employee=args.employee))
    print(words("erased_rejections", employee=args.employee, n=erased.rejections_dropped))
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from services.simulator.demo_data import trial_namespace, write_jsonl

    kwargs = dict(seed=args.seed, tenants=args.tenants, employees=args.employees, years=args.years,
                  faults=not args.no_faults, namespace=trial_namespace(args.seed))
    try:
        n = write_jsonl(sys.stdout if args.out == "-" else args.out, **kwargs)
    except OSError as error:
        raise UsageError(words_of(args)("cannot_write", path=args.out, why=error.strerror)) from None
    except ValueError as error:
        raise UsageError(str(error)) from None
    print(words_of(args)("wrote_lines", n=n), file=sys.stderr)
    return 0
