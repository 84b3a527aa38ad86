"""`eduplan demo`: the sample companies from the report's cases, their KPIs, and the dashboard."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import date
from typing import Any

from rich.console import Console

from services.app import open_app

HEADLINE = (
    ("active_employees", "employees"),
    ("agreement_completion_rate", "agreements completed on time"),
    ("participation_rate_12m", "participation 12m"),
    ("training_hours_per_employee_12m", "hours/employee 12m"),
    ("mus_coverage", "MUS coverage"),
    ("knowledge_sharing_rate", "knowledge sharing"),
)


def _free_port(host: str, preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    return preferred


async def load_demo(console: Console) -> tuple[Any, dict[str, dict[str, int]], list[dict[str, Any]]]:
    from projections import catch_up, ensure_schema, kpi_document, tenants
    from services.demo_data import generate
    from services.ingest import ingest_lines
    from services.progress import CountProgress
    from services.render import print_outcome_summary

    app = await open_app(max_size=8)
    settings = app.settings
    where = "EDUPLAN_DATABASE_URL" if settings.database_url else f"embedded PostgreSQL under {settings.data_dir}"
    console.print(f"[bold]eduplan demo[/] — database: {where}")
    lines = (item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in generate())
    done = 0
    with CountProgress("loading sample companies") as progress:
        def advance(_: int) -> None:
            nonlocal done
            done += 1
            if done % 500 == 0:
                progress.update(done, done)

        counts = await ingest_lines(app.intake, lines, door="demo", on_progress=advance)
    print_outcome_summary(counts.by_tenant, console)
    await ensure_schema(app.pool)
    await catch_up(app.pool)
    as_of = date.today()
    docs = [await kpi_document(app.pool, tenant, as_of) for tenant in await tenants(app.pool)]
    return app, counts.by_tenant, docs


def print_headlines(docs: list[dict[str, Any]], console: Console) -> None:
    from rich.table import Table

    from services.render import fmt

    if not docs:
        return
    table = Table(title=f"Headline KPIs as of {docs[0]['as_of']}")
    table.add_column("tenant")
    for _, label in HEADLINE:
        table.add_column(label, justify="right")
    table.add_column("target met", justify="right")
    for doc in docs:
        company = doc["company"]
        table.add_row(doc["tenant"], *(fmt(key, company.get(key)) for key, _ in HEADLINE),
                      fmt("target_met", company.get("target_met")))
    console.print(table)


def run_demo(*, serve_after: bool = True, host: str | None = None, port: int | None = None) -> int:
    console = Console()
    app, _, docs = asyncio.run(load_demo(console))
    print_headlines(docs, console)
    asyncio.run(app.close())
    if not serve_after:
        return 0
    from services.http import serve

    host = host or app.settings.http_host
    port = _free_port(host, port or app.settings.http_port)
    console.print(f"Dashboard: [bold]http://{host}:{port}/[/]  (Ctrl-C to stop)")
    serve(host=host, port=port)
    return 0
