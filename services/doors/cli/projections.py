"""CLI commands around the projections: kpi, project, projections rebuild/status."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import date
from typing import Any

from services.core.app import open_app
from services.doors.cli.common import Commands, date_arg

RUNNER_WAIT_SECONDS = 2.0
"""How long `kpi` waits for a running projection runner before it folds the projections itself."""


def register(commands: Commands) -> None:
    kpi = commands.add_parser("kpi", help="the KPI document of a tenant as of a date")
    kpi.add_argument("--tenant", required=True, help="the tenant (company) to report on")
    kpi.add_argument("--as-of", type=date_arg, default=None, metavar="YYYY-MM-DD",
                     help="the business date the figures are as of (default: today)")
    kpi.add_argument("--department", default=None, help="only this department under `departments`")
    kpi.add_argument("--json", action="store_true", help="print the contract's JSON document instead of a table")
    kpi.set_defaults(run=lambda args: show_kpis(args.tenant, args.as_of, args.department, as_json=args.json))

    project = commands.add_parser("project", help="run the projection runner until stopped")
    project.set_defaults(run=lambda args: run_projection_process())

    proj = commands.add_parser("projections", help="projection maintenance")
    proj_sub = proj.add_subparsers(dest="action", required=True)
    rebuild = proj_sub.add_parser("rebuild", help="build a new version beside the live one, then switch")
    rebuild.add_argument("name", nargs="?", default=None, help="the projection to rebuild (default: all)")
    rebuild.set_defaults(run=lambda args: projections_rebuild(args.name))
    status = proj_sub.add_parser("status", help="each projection's position and lag")
    status.set_defaults(run=lambda args: projections_status())


def show_kpis(tenant: str, as_of: date | None, department: str | None, *, as_json: bool) -> int:
    async def run() -> dict[str, Any]:
        from services.core.reads import kpi_document

        app = await open_app(max_size=4)
        try:
            # With no runner up (a plain `eduplan ingest` before), the projections are folded here.
            return await kpi_document(app, tenant, as_of or date.today(), department,
                                      wait=RUNNER_WAIT_SECONDS, catch_up_here=True)
        finally:
            await app.close()

    doc = asyncio.run(run())
    if as_json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        from services.doors.render import print_kpis

        print_kpis(doc)
    return 0


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
