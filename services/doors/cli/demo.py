"""`eduplan demo`: the sample companies from the report's cases, their KPIs, and the dashboard."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
from datetime import date
from typing import Any

from rich.console import Console

from services.core.app import open_app
from services.doors.cli.common import Commands, port_number
from services.doors.cli.words import Words, words_of


def register(commands: Commands) -> None:
    demo = commands.add_parser("demo", help="load the sample companies, print their KPIs and serve the dashboard")
    demo.add_argument("--no-serve", action="store_true", help="print the summary and stop")
    demo.add_argument("--host", default=None, help="address the dashboard listens on (default 127.0.0.1)")
    demo.add_argument("--port", type=port_number, default=None,
                      help="port of the dashboard (default 8000, or a free one when it is taken)")
    demo.set_defaults(run=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(serve_after=not args.no_serve, host=args.host, port=args.port, words=words_of(args))


HEADLINE = (
    ("active_employees", "headline_staff"),
    ("agreement_completion_rate", "headline_on_time"),
    ("participation_rate_12m", "headline_took_part"),
    ("training_hours_per_employee_12m", "headline_hours"),
    ("mus_coverage", "headline_mus"),
    ("knowledge_sharing_rate", "headline_shared"),
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


async def load_demo(console: Console, words: Words | None = None
                    ) -> tuple[Any, dict[str, dict[str, int]], list[dict[str, Any]]]:
    from projections import catch_up, ensure_schema, tenants
    from services.core.ingest import ingest_lines
    from services.core.reads import kpi_document
    from services.doors.progress import CountProgress
    from services.doors.render import print_outcome_summary
    from services.simulator.demo_data import generate

    app = await open_app(max_size=8)
    settings = app.settings
    where = "EDUPLAN_DATABASE_URL" if settings.database_url else f"embedded PostgreSQL under {settings.data_dir}"
    console.print(f"[bold]eduplan demo[/] — database: {where}")
    lines = (item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in generate())
    done = 0
    words = words or Words()
    with CountProgress(words("loading")) as progress:
        def advance(_: int) -> None:
            nonlocal done
            done += 1
            if done % 500 == 0:
                progress.update(done, done)

        counts = await ingest_lines(app.intake, lines, door="demo", on_progress=advance)
    print_outcome_summary(counts.by_tenant, console, words=words)
    await ensure_schema(app.pool)
    await catch_up(app.pool)
    as_of = date.today()
    docs = []
    for tenant in await tenants(app.pool):
        # Its last_cycle tells whether the completion target was met; the current cycle is still running.
        docs.append(await kpi_document(app, tenant, as_of, catch_up_here=True))
    await app.close()
    return app, counts.by_tenant, docs


def print_headlines(docs: list[dict[str, Any]], console: Console, words: Words | None = None) -> None:
    from services.doors.render import Grid, fmt, show

    if not docs:
        return
    words = words or Words()
    headings = [words("col_tenant"), *(words(label) for _, label in HEADLINE), words("headline_last_cycle")]
    grid = Grid(words("headline_title", as_of=docs[0]["as_of"]), headings,
                right=frozenset(range(1, len(headings))))
    for doc in docs:
        company = doc["company"]
        last = doc["last_cycle"]["company"]
        sign = {True: "≥", False: "<", None: "vs"}[last.get("target_met")]
        last_rate = fmt("agreement_completion_rate", last.get("agreement_completion_rate"), words)
        target = fmt("completion_target", last.get("completion_target"), words)
        grid.rows.append([doc["tenant"], *(fmt(key, company.get(key), words) for key, _ in HEADLINE),
                          f"{last_rate} {sign} {target}"])
    show([grid], console=console)


def run_demo(*, serve_after: bool = True, host: str | None = None, port: int | None = None,
             words: Words | None = None) -> int:
    # Piped output is not cut to 80 columns: the tables are meant to be read whole.
    console = Console() if sys.stdout.isatty() else Console(width=140)
    app, _, docs = asyncio.run(load_demo(console, words))
    print_headlines(docs, console, words)
    if not serve_after:
        return 0
    from services.doors.http import serve

    host = host or app.settings.http_host
    port = _free_port(host, port or app.settings.http_port)
    console.print((words or Words())("dashboard_at", url=f"[bold]http://{host}:{port}/[/]"))
    serve(host=host, port=port)
    return 0
