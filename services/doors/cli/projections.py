"""CLI commands around the projections: kpi (document or series), competences, companies, project,
projections rebuild/status."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from services.core.app import App, open_app
from services.doors.cli.common import Commands, UsageError, date_arg


def register(commands: Commands) -> None:
    kpi = commands.add_parser("kpi", help="the KPI document of a tenant as of a date, or a series of KPIs")
    kpi.add_argument("--tenant", required=True)
    kpi.add_argument("--as-of", type=date_arg, default=None, help="YYYY-MM-DD (default: today)")
    kpi.add_argument("--department", default=None)
    kpi.add_argument("--by", choices=("department", "manager"), default="department",
                     help="manager: also every key per manager")
    kpi.add_argument("--series", action="store_true", help="KPIs at each month's (quarter's) last day in --from/--to")
    kpi.add_argument("--from", dest="start", type=date_arg, default=None, help="series: first day (YYYY-MM-DD)")
    kpi.add_argument("--to", dest="end", type=date_arg, default=None, help="series: last day (YYYY-MM-DD)")
    kpi.add_argument("--step", choices=("month", "quarter"), default="month")
    kpi.add_argument("--keys", default=None, help="series: comma-separated KPI keys (default: every key)")
    kpi.add_argument("--json", action="store_true")
    kpi.set_defaults(run=run_kpi)

    competences = commands.add_parser("competences", help="each active employee's competence levels and targets")
    competences.add_argument("--tenant", required=True)
    competences.add_argument("--as-of", type=date_arg, default=None, help="YYYY-MM-DD (default: today)")
    competences.add_argument("--department", default=None)
    competences.add_argument("--json", action="store_true")
    competences.set_defaults(run=show_competences)

    companies = commands.add_parser("companies", help="every company (tenant) with its display name")
    companies.add_argument("--json", action="store_true")
    companies.set_defaults(run=show_companies)

    project = commands.add_parser("project", help="run the projection runner until stopped")
    project.set_defaults(run=lambda args: run_projection_process())

    proj = commands.add_parser("projections", help="projection maintenance")
    proj_sub = proj.add_subparsers(dest="action", required=True)
    rebuild = proj_sub.add_parser("rebuild", help="build a new version beside the live one, then switch")
    rebuild.add_argument("name", nargs="?", default=None)
    rebuild.set_defaults(run=lambda args: projections_rebuild(args.name))
    status = proj_sub.add_parser("status", help="each projection's position and lag")
    status.set_defaults(run=lambda args: projections_status())


class UnknownTenant(Exception):
    """The tenant has no message on record: said on one line, exit code 1."""


Read = Callable[[App], Awaitable[Any]]


async def read_caught_up(read: Read, tenant: str | None = None, *, on_record: bool = False) -> Any:
    """``read(app)`` once the projections reflect everything accepted (of ``tenant``; ``on_record``: which
    must have a message on record)."""
    from projections import catch_up, ensure_schema, wait_until_caught_up

    app = await open_app(max_size=4)
    try:
        if tenant is not None and on_record and not await app.store.has_tenant(tenant):
            raise UnknownTenant(f"tenant {tenant!r} has no message on record")
        await ensure_schema(app.pool)
        if not await wait_until_caught_up(app.pool, tenant=tenant, timeout=2.0):
            await catch_up(app.pool)  # no runner is up: bring the projections up to date here
        return await read(app)
    finally:
        await app.close()


def _shown(read: Read, tenant: str | None, as_json: bool, show: Callable[[Any], None], *,
           on_record: bool = True) -> int:
    try:
        found = asyncio.run(read_caught_up(read, tenant, on_record=on_record))
    except UnknownTenant as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        show(found)
    return 0


def run_kpi(args: argparse.Namespace) -> int:
    if args.series:
        return show_series(args)
    if args.start or args.end or args.keys:
        raise UsageError("--from, --to and --keys go with --series")
    return show_kpis(args.tenant, args.as_of, args.department, as_json=args.json, by_manager=args.by == "manager")


def show_kpis(tenant: str, as_of: date | None, department: str | None, *, as_json: bool,
              by_manager: bool = False) -> int:
    from projections import kpi_document
    from services.doors.render import print_kpis

    def read(app: App) -> Awaitable[Any]:
        return kpi_document(app.pool, tenant, as_of or date.today(), department, by_manager=by_manager)

    return _shown(read, tenant, as_json, print_kpis, on_record=False)


def show_series(args: argparse.Namespace) -> int:
    from projections import InvalidRead, SeriesRequest, kpi_series
    from services.doors.render import print_series

    if args.start is None or args.end is None:
        raise UsageError("--series needs --from and --to")
    if args.as_of is not None:
        raise UsageError("--as-of does not go with --series: its dates are the month (quarter) ends")
    try:
        request = SeriesRequest.checked(args.start, args.end, args.step,
                                        args.keys.split(",") if args.keys is not None else None)
    except InvalidRead as error:
        raise UsageError(str(error)) from None

    def read(app: App) -> Awaitable[Any]:
        return kpi_series(app.pool, args.tenant, request, args.department, by_manager=args.by == "manager")

    return _shown(read, args.tenant, args.json, print_series)


def show_competences(args: argparse.Namespace) -> int:
    from projections import competence_matrix
    from services.doors.render import print_competences

    def read(app: App) -> Awaitable[Any]:
        return competence_matrix(app.pool, args.tenant, args.as_of or date.today(), args.department)

    return _shown(read, args.tenant, args.json, print_competences)


def show_companies(args: argparse.Namespace) -> int:
    from projections import companies
    from services.doors.render import print_companies

    def read(app: App) -> Awaitable[Any]:
        return companies(app.pool)

    return _shown(read, None, args.json, print_companies)


def run_projection_process() -> int:
    async def run() -> None:
        from projections import ensure_schema, run_projections

        app = await open_app(max_size=4, log_level="INFO")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await ensure_schema(app.pool)
            await run_projections(app.pool, stop)
        finally:
            await app.close()

    asyncio.run(run())
    return 0


def projections_rebuild(name: str | None) -> int:
    async def run() -> None:
        from projections import ensure_schema, rebuild
        from services.doors.progress import CountProgress

        app = await open_app(max_size=4)
        try:
            await ensure_schema(app.pool)
            with CountProgress(f"rebuild {name or 'all'}") as progress:
                await rebuild(app.pool, name, progress=progress.update)
        finally:
            await app.close()

    asyncio.run(run())
    print("rebuilt and switched: " + (name or "all projections"))
    return 0


def projections_status() -> int:
    async def run() -> list[dict[str, Any]]:
        from projections import ensure_schema, status

        app = await open_app(max_size=2)
        try:
            await ensure_schema(app.pool)
            return await status(app.pool)
        finally:
            await app.close()

    rows = asyncio.run(run())
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Projections")
    columns = sorted({key for row in rows for key in row}, key=lambda k: (k != "name", k))
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    Console().print(table)
    return 0
