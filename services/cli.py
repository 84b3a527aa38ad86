"""The `eduplan` command: a thin translation from arguments to the services."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from datetime import date
from typing import Any

EXIT_USAGE = 2


class UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="eduplan", description="Plan and follow up employees' further education.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="load the sample companies, print their KPIs and serve the dashboard")
    demo.add_argument("--no-serve", action="store_true", help="print the summary and stop")
    demo.add_argument("--host", default=None)
    demo.add_argument("--port", type=int, default=None)

    ingest = sub.add_parser("ingest", help="ingest JSON Lines of messages from FILE (- = stdin)")
    ingest.add_argument("file")
    ingest.add_argument("--json", action="store_true", help="print one outcome per line")
    ingest.add_argument("--workers", type=int, default=4, help="tenants processed in parallel")
    ingest.add_argument("--batch-size", type=int, default=250)

    kpi = sub.add_parser("kpi", help="the KPI document of a tenant as of a date")
    kpi.add_argument("--tenant", required=True)
    kpi.add_argument("--as-of", type=_date_arg, default=None, help="YYYY-MM-DD (default: today)")
    kpi.add_argument("--department", default=None)
    kpi.add_argument("--json", action="store_true")

    rej = sub.add_parser("rejections", help="list a tenant's rejected messages")
    rej.add_argument("--tenant", required=True)
    rej.add_argument("--json", action="store_true")
    rej.add_argument("--limit", type=int, default=1000)

    ev = sub.add_parser("events", help="replay a tenant's event log (JSON Lines)")
    ev.add_argument("--tenant", required=True)
    ev.add_argument("--after", default=None, help="a cursor from an earlier read")
    ev.add_argument("--limit", type=int, default=0, help="stop after N events (0 = all)")

    serve = sub.add_parser("serve", help="the HTTP API, the dashboard and the projection runner")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--no-projections", action="store_true", help="do not run the projection runner here")

    sub.add_parser("project", help="run the projection runner until stopped")

    proj = sub.add_parser("projections", help="projection maintenance")
    proj_sub = proj.add_subparsers(dest="action", required=True)
    rebuild = proj_sub.add_parser("rebuild", help="build a new version beside the live one, then switch")
    rebuild.add_argument("name", nargs="?", default=None)
    proj_sub.add_parser("status", help="each projection's position and lag")

    gen = sub.add_parser("generate", help="write a generated feed (JSON Lines) for trials and benchmarks")
    gen.add_argument("--out", default="-")
    gen.add_argument("--tenants", type=int, default=None)
    gen.add_argument("--employees", type=int, default=None)
    gen.add_argument("--years", type=int, default=3)
    gen.add_argument("--seed", type=int, default=2026)
    gen.add_argument("--no-faults", action="store_true")

    erase = sub.add_parser("erase", help="erase an employee's personal data (destroys their key)")
    erase.add_argument("--tenant", required=True)
    erase.add_argument("--employee", required=True)

    sub.add_parser("worker", help="the Kafka door: consume eduplan.messages, publish eduplan.events")
    asyncapi = sub.add_parser("asyncapi", help="write the AsyncAPI document of the Kafka doors")
    asyncapi.add_argument("--out", default="-")
    return p


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    # A plain exit on SIGTERM runs the exit handlers (the embedded PostgreSQL counts its users).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = _parser().parse_args(argv)
    handler = globals()[f"_cmd_{args.command}"]
    try:
        result = handler(args)
    except UsageError as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return int(result or 0)


# --- commands ------------------------------------------------------------------------------------


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
    from services.app import open_app
    from services.ingest import ingest_stream
    from services.progress import ByteProgress

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
        from services.app import open_app

        app = await open_app(max_size=2)
        try:
            return await app.store.rejections(args.tenant, limit=args.limit)
        finally:
            await app.close()

    rejections = asyncio.run(run())
    if args.json:
        print(json.dumps({"rejections": rejections}, ensure_ascii=False, indent=2))
        return 0
    from services.render import print_rejections

    print_rejections(args.tenant, rejections)
    return 0


def _cmd_events(args: argparse.Namespace) -> int:
    async def run() -> None:
        from services.app import open_app

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
    async def run() -> bool:
        from services.app import open_app

        app = await open_app(max_size=2)
        try:
            return await app.store.erase_subject(args.tenant, args.employee)
        finally:
            await app.close()

    erased = asyncio.run(run())
    print(f"erased personal data of {args.employee}" if erased else f"no key held for {args.employee}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from services.demo_data import write_jsonl

    kwargs = dict(seed=args.seed, tenants=args.tenants, employees=args.employees, years=args.years,
                  faults=not args.no_faults)
    if args.out == "-":
        n = write_jsonl(sys.stdout, **kwargs)
    else:
        n = write_jsonl(args.out, **kwargs)
    print(f"wrote {n} lines", file=sys.stderr)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from services.http import serve

    serve(host=args.host, port=args.port, run_projections=not args.no_projections)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from services.demo import run_demo

    return run_demo(serve_after=not args.no_serve, host=args.host, port=args.port)


def _cmd_kpi(args: argparse.Namespace) -> int:
    from services.kpi_cli import show_kpis

    return show_kpis(args.tenant, args.as_of, args.department, as_json=args.json)


def _cmd_project(args: argparse.Namespace) -> int:
    from services.kpi_cli import run_projection_process

    return run_projection_process()


def _cmd_projections(args: argparse.Namespace) -> int:
    from services.kpi_cli import projections_rebuild, projections_status

    if args.action == "rebuild":
        return projections_rebuild(args.name)
    return projections_status()


def _cmd_worker(args: argparse.Namespace) -> int:
    from services.kafka_cli import run_worker

    return run_worker()


def _cmd_asyncapi(args: argparse.Namespace) -> int:
    from services.kafka_cli import write_asyncapi

    return write_asyncapi(args.out)


if __name__ == "__main__":
    raise SystemExit(main())
