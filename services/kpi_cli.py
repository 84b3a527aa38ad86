"""CLI commands around the projections: kpi, project, projections rebuild/status."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import date
from typing import Any

from services.app import open_app


def show_kpis(tenant: str, as_of: date | None, department: str | None, *, as_json: bool) -> int:
    async def run() -> dict[str, Any]:
        from projections import catch_up, ensure_schema, kpi_document, wait_until_caught_up

        app = await open_app(max_size=4)
        try:
            await ensure_schema(app.pool)
            if not await wait_until_caught_up(app.pool, tenant=tenant, timeout=2.0):
                await catch_up(app.pool)  # no runner is up: bring the projections up to date here
            return await kpi_document(app.pool, tenant, as_of or date.today(), department)
        finally:
            await app.close()

    doc = asyncio.run(run())
    if as_json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        from services.render import print_kpis

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
        from services.progress import CountProgress

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
