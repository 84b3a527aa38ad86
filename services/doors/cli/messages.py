"""Commands around messages and the log: ingest, rejections, events, erase, generate."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import Any

from services.doors.cli.common import Commands, UsageError


def register(commands: Commands) -> None:
    ingest = commands.add_parser("ingest", help="ingest JSON Lines of messages from FILE (- = stdin)")
    ingest.add_argument("file")
    ingest.add_argument("--json", action="store_true", help="print one outcome per line")
    ingest.add_argument("--workers", type=int, default=4, help="tenants processed in parallel")
    ingest.add_argument("--batch-size", type=int, default=250)
    ingest.set_defaults(run=_cmd_ingest)

    rej = commands.add_parser("rejections", help="list a tenant's rejected messages")
    rej.add_argument("--tenant", required=True)
    rej.add_argument("--json", action="store_true")
    rej.add_argument("--limit", type=int, default=1000)
    rej.set_defaults(run=_cmd_rejections)

    ev = commands.add_parser("events", help="replay a tenant's event log (JSON Lines)")
    ev.add_argument("--tenant", required=True)
    ev.add_argument("--after", default=None, help="a cursor from an earlier read")
    ev.add_argument("--limit", type=int, default=0, help="stop after N events (0 = all)")
    ev.set_defaults(run=_cmd_events)

    gen = commands.add_parser("generate", help="write a generated feed (JSON Lines) for trials and benchmarks")
    gen.add_argument("--out", default="-")
    gen.add_argument("--tenants", type=int, default=None)
    gen.add_argument("--employees", type=int, default=None)
    gen.add_argument("--years", type=int, default=3)
    gen.add_argument("--seed", type=int, default=2026)
    gen.add_argument("--no-faults", action="store_true")
    gen.set_defaults(run=_cmd_generate)

    erase = commands.add_parser("erase", help="erase an employee's personal data (destroys their key)")
    erase.add_argument("--tenant", required=True)
    erase.add_argument("--employee", required=True)
    erase.set_defaults(run=_cmd_erase)


def _cmd_ingest(args: argparse.Namespace) -> int:
    if args.file == "-":
        source = sys.stdin.buffer
        total = None
    else:
        try:
            source = open(args.file, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise UsageError(f"cannot read {args.file}: {error.strerror}") from None
        total = os.fstat(source.fileno()).st_size if os.path.isfile(args.file) else None
    try:
        counts = asyncio.run(_ingest(source, args, total))
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    print(counts.summary(), file=sys.stderr if args.json else sys.stdout)
    return 0


async def _ingest(source: Any, args: argparse.Namespace, total: int | None) -> Any:
    from services.core.app import open_app
    from services.core.ingest import ingest_stream
    from services.doors.progress import ByteProgress

    app = await open_app(max_size=args.workers + 2)
    try:
        out = sys.stdout

        def print_outcome(outcome: dict[str, Any]) -> None:
            out.write(json.dumps(outcome, ensure_ascii=False) + "\n")

        on_outcome = print_outcome if args.json else None
        with ByteProgress("ingest", total) as progress:
            return await ingest_stream(app.intake, source, workers=args.workers, batch_size=args.batch_size,
                                       on_outcome=on_outcome, on_progress=progress.advance)
    finally:
        await app.close()


def _cmd_rejections(args: argparse.Namespace) -> int:
    async def run() -> list[dict[str, Any]]:
        from services.core.app import open_app

        app = await open_app(max_size=2)
        try:
            return await app.store.rejections(args.tenant, limit=args.limit)
        finally:
            await app.close()

    rejections = asyncio.run(run())
    if args.json:
        print(json.dumps({"rejections": rejections}, ensure_ascii=False, indent=2))
        return 0
    from services.doors.render import print_rejections

    print_rejections(args.tenant, rejections)
    return 0


def _cmd_events(args: argparse.Namespace) -> int:
    async def run() -> None:
        from services.core.app import open_app

        app = await open_app(max_size=2)
        try:
            cursor, shown = args.after, 0
            while True:
                page, cursor = await app.store.read_all(cursor, 1000, tenant=args.tenant)
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
    print(f"erased personal data of {args.employee}" if erased.key_destroyed else f"no key held for {args.employee}")
    print(f"rejected messages naming {args.employee} made unreadable: {erased.rejections_dropped}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from services.simulator.demo_data import write_jsonl

    kwargs = dict(seed=args.seed, tenants=args.tenants, employees=args.employees, years=args.years,
                  faults=not args.no_faults)
    if args.out == "-":
        n = write_jsonl(sys.stdout, **kwargs)
    else:
        n = write_jsonl(args.out, **kwargs)
    print(f"wrote {n} lines", file=sys.stderr)
    return 0
