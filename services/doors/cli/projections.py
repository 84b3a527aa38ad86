"""CLI commands around the projections: kpi (document or series), competences, companies, project,
projections rebuild/status."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.core.app import App, open_app
from services.core.reads import KNOWN_AT_HELP
from services.doors.cli.common import Commands, UsageError, date_arg, instant_arg
from services.doors.cli.words import Words, words_of

RUNNER_WAIT_SECONDS = 2.0
"""How long `kpi` waits for a running projection runner before it folds the projections itself."""


def register(commands: Commands) -> None:
    kpi = commands.add_parser("kpi", help="the KPI document of a tenant as of a date, or a series of KPIs")
    kpi.add_argument("--tenant", required=True, help="the tenant (company) to report on")
    kpi.add_argument("--as-of", type=date_arg, default=None, metavar="YYYY-MM-DD",
                     help="the business date the figures are as of (default: today, or the day of --known-at)")
    kpi.add_argument("--known-at", type=instant_arg, default=None, metavar="INSTANT", help=KNOWN_AT_HELP)
    kpi.add_argument("--department", default=None,
                     help="only this department under `departments` (its key, or its registered name)")
    kpi.add_argument("--by", choices=("department", "manager"), default="department",
                     help="manager: also every key per manager")
    kpi.add_argument("--series", action="store_true", help="KPIs at each month's (quarter's) last day in --from/--to")
    kpi.add_argument("--from", dest="start", type=date_arg, default=None, help="series: first day (YYYY-MM-DD)")
    kpi.add_argument("--to", dest="end", type=date_arg, default=None, help="series: last day (YYYY-MM-DD)")
    kpi.add_argument("--step", choices=("month", "quarter"), default="month", help="series: month or quarter ends")
    kpi.add_argument("--keys", default=None, help="series: comma-separated KPI keys (default: every key)")
    kpi.add_argument("--json", action="store_true", help="print the contract's JSON document instead of a table")
    kpi.set_defaults(run=run_kpi)

    competences = commands.add_parser("competences", help="each active employee's competence levels and targets")
    competences.add_argument("--tenant", required=True, help="the tenant (company)")
    competences.add_argument("--as-of", type=date_arg, default=None,
                             help="YYYY-MM-DD (default: today, or the day of --known-at)")
    competences.add_argument("--known-at", type=instant_arg, default=None, metavar="INSTANT", help=KNOWN_AT_HELP)
    competences.add_argument("--department", default=None,
                             help="only employees of this department (its key, or its registered name)")
    competences.add_argument("--json", action="store_true", help="print the contract's JSON")
    competences.set_defaults(run=show_competences)

    companies = commands.add_parser("companies", help="every company (tenant) with its display name")
    companies.add_argument("--json", action="store_true", help="print JSON")
    companies.set_defaults(run=show_companies)

    project = commands.add_parser("project", help="run the projection runner until stopped")
    project.set_defaults(run=lambda args: run_projection_process())

    proj = commands.add_parser("projections", help="projection maintenance")
    proj_sub = proj.add_subparsers(dest="action", required=True)
    rebuild = proj_sub.add_parser("rebuild", help="build a new version beside the live one, then switch")
    rebuild.add_argument("name", nargs="?", default=None, help="the projection to rebuild (default: all)")
    rebuild.set_defaults(run=lambda args: projections_rebuild(args.name, words_of(args)))
    status = proj_sub.add_parser("status", help="each projection's position and lag")
    status.set_defaults(run=lambda args: projections_status(words_of(args)))



Read = Callable[[App], Awaitable[Any]]


@dataclass(frozen=True)
class Named:
    """What a read found, with the display names of its company and departments (where registered)."""

    found: Any
    company: str | None
    departments: dict[str, str]


async def department_key(app: App, tenant: str, department: str | None) -> str | None:
    """``--department`` as given: a department's key, or the registered name of exactly one department (any
    case), which stands for its key."""
    if department is None:
        return None
    from services.core import reads

    await reads.require_fresh_tenant(app, tenant, wait=RUNNER_WAIT_SECONDS, catch_up_here=True)
    names = await reads.department_names(app, tenant)
    if department in names:
        return department
    named = [key for key, name in names.items() if name.casefold() == department.strip().casefold()]
    return named[0] if len(named) == 1 else department


def with_names(tenant: str, read: Read) -> Read:
    """``read``, then the company's and its departments' display names from the projections."""
    from services.core import reads

    async def named(app: App) -> Named:
        found = await read(app)
        company = await reads.companies(app, tenant)
        departments = await reads.department_names(app, tenant)
        return Named(found, company[0]["name"] if company else None, departments)

    return named


def _shown(read: Read, as_json: bool, show: Callable[[Any], None]) -> int:
    """Run one read (through ``services.core.reads``, which refuses unknown tenants and stale figures) and
    print it: the contract's JSON, or a table."""

    async def run() -> Any:
        app = await open_app(max_size=4)
        try:
            return await read(app)
        finally:
            await app.close()

    found = asyncio.run(run())
    if as_json:
        print(json.dumps(found.found if isinstance(found, Named) else found, ensure_ascii=False, indent=2))
    else:
        show(found)
    return 0


def run_kpi(args: argparse.Namespace) -> int:
    if args.series:
        return show_series(args)
    if args.start or args.end or args.keys:
        raise UsageError(words_of(args)("series_only"))
    return show_kpis(args.tenant, args.as_of, args.department, as_json=args.json, by_manager=args.by == "manager",
                     words=words_of(args), known_at=args.known_at)


def show_kpis(tenant: str, as_of: date | None, department: str | None, *, as_json: bool,
              by_manager: bool = False, words: Words | None = None, known_at: datetime | None = None) -> int:
    from services.core import reads
    from services.doors.render import print_kpis

    async def read(app: App) -> Any:
        # With no runner up (a plain `eduplan ingest` before), the projections are folded here.
        key = await department_key(app, tenant, department)
        return await reads.kpi_document(app, tenant, as_of or reads.day_of(known_at), key, by_manager=by_manager,
                                        wait=RUNNER_WAIT_SECONDS, catch_up_here=True, known_at=known_at)

    def print_named(named: Named) -> None:
        print_kpis(named.found, words=words or Words(), company=named.company, departments=named.departments)

    return _shown(with_names(tenant, read), as_json, print_named)


def show_series(args: argparse.Namespace) -> int:
    from projections import InvalidRead, SeriesRequest
    from services.core import reads
    from services.doors.render import print_series

    if args.start is None or args.end is None:
        raise UsageError(words_of(args)("series_needs"))
    if args.as_of is not None:
        raise UsageError(words_of(args)("series_no_as_of"))
    try:
        request = SeriesRequest.checked(args.start, args.end, args.step,
                                        args.keys.split(",") if args.keys is not None else None)
    except InvalidRead as error:
        raise UsageError(str(error)) from None

    async def read(app: App) -> Any:
        key = await department_key(app, args.tenant, args.department)
        return await reads.kpi_series(app, args.tenant, request, key, by_manager=args.by == "manager",
                                      wait=RUNNER_WAIT_SECONDS, catch_up_here=True, known_at=args.known_at)

    def print_named(named: Named) -> None:
        print_series(named.found, words=words_of(args), company=named.company)

    return _shown(with_names(args.tenant, read), args.json, print_named)


def show_competences(args: argparse.Namespace) -> int:
    from services.core import reads
    from services.doors.render import print_competences

    async def read(app: App) -> Any:
        key = await department_key(app, args.tenant, args.department)
        return await reads.competence_matrix(app, args.tenant, args.as_of or reads.day_of(args.known_at), key,
                                             wait=RUNNER_WAIT_SECONDS, catch_up_here=True,
                                             known_at=args.known_at)

    def print_named(named: Named) -> None:
        print_competences(named.found, words=words_of(args), company=named.company,
                          departments=named.departments)

    return _shown(with_names(args.tenant, read), args.json, print_named)


def show_companies(args: argparse.Namespace) -> int:
    from services.core import reads
    from services.doors.render import print_companies

    def read(app: App) -> Awaitable[Any]:
        return reads.companies(app, wait=RUNNER_WAIT_SECONDS, catch_up_here=True)

    return _shown(read, args.json, lambda found: print_companies(found, words=words_of(args)))


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


def projections_rebuild(name: str | None, words: Words) -> int:
    async def run() -> None:
        from projections import ensure_schema, rebuild
        from services.doors.progress import CountProgress

        app = await open_app(max_size=4)
        try:
            await ensure_schema(app.pool)
            with CountProgress(words("progress_rebuild", name=name or words("all_projections"))) as progress:
                await rebuild(app.pool, name, progress=progress.update)
        finally:
            await app.close()

    asyncio.run(run())
    print(words("rebuilt", name=name or words("all_projections")))
    return 0


def projections_status(words: Words) -> int:
    async def run() -> list[dict[str, Any]]:
        from projections import ensure_schema, status

        app = await open_app(max_size=2)
        try:
            await ensure_schema(app.pool)
            return await status(app.pool)
        finally:
            await app.close()

    rows = asyncio.run(run())
    from services.doors.render import Grid, show

    columns = sorted({key for row in rows for key in row}, key=lambda k: (k != "name", k))
    show([Grid(words("projections"), columns, [[str(row.get(c, "")) for c in columns] for row in rows])])
    return 0
