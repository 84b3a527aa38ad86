"""`eduplan demo`: the sample companies from the report's cases, their KPIs, and the dashboard."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
from datetime import date, timedelta
from typing import Any

from rich.console import Console

from services.core.app import open_app
from services.doors.cli.common import Commands, date_arg, port_number
from services.doors.cli.words import Words, words_of


def register(commands: Commands) -> None:
    demo = commands.add_parser("demo", help="load the sample companies, print their KPIs and serve the dashboard")
    demo.add_argument("--no-serve", action="store_true", help="print the summary and stop")
    demo.add_argument("--as-of", type=date_arg, default=None, metavar="YYYY-MM-DD",
                      help="the day the sample history runs up to and the KPIs are read on (default: today)")
    demo.add_argument("--host", default=None, help="address the dashboard listens on (default 127.0.0.1)")
    demo.add_argument("--port", type=port_number, default=None,
                      help="port of the dashboard (default 8000, or a free one when it is taken)")
    demo.set_defaults(run=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(serve_after=not args.no_serve, host=args.host, port=args.port, as_of=args.as_of,
                    words=words_of(args))


HEADLINE = (
    ("active_employees", "headline_staff"),
    ("participation_rate_12m", "headline_took_part"),
    ("training_hours_per_employee_12m", "headline_hours"),
    ("mus_coverage", "headline_mus"),
    ("knowledge_sharing_rate", "headline_shared"),
)
"""The headline table's KPI columns and the words of their headings."""


def _free_port(host: str, preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    return preferred


async def load_demo(console: Console, as_of: date | None = None, words: Words | None = None,
                    ) -> tuple[Any, dict[str, dict[str, int]], list[dict[str, Any]]]:
    """Load the sample companies with a history that runs up to ``as_of`` (today by default), so the
    running cycle is as far along as the calendar, and read their KPI documents on that day."""
    from projections import catch_up, ensure_schema, tenants
    from services.core.ingest import ingest_lines
    from services.core.reads import companies, kpi_document
    from services.doors.progress import CountProgress
    from services.doors.render import print_outcome_summary
    from services.simulator.demo_data import DEMO_START, generate

    app = await open_app(max_size=8)
    settings = app.settings
    where = "EDUPLAN_DATABASE_URL" if settings.database_url else f"embedded PostgreSQL under {settings.data_dir}"
    console.print(f"[bold]eduplan demo[/] — database: {where}")
    as_of = as_of or date.today()
    # A fixed first day: a run on a later day extends the history already loaded rather than contradicting it.
    start = DEMO_START if as_of >= DEMO_START + timedelta(days=365) else None
    lines = (item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
             for item in generate(start=start, end=as_of))
    done = 0
    words = words or Words()
    with CountProgress(words("loading")) as progress:
        def advance(_: int) -> None:
            nonlocal done
            done += 1
            if done % 500 == 0:
                progress.update(done, done)

        counts = await ingest_lines(app.intake, lines, door="demo", on_progress=advance)
    # The demo is read by a person: its tables are drawn whole even when piped.
    print_outcome_summary(counts.by_tenant, console, words=words, terminal=True)
    await ensure_schema(app.pool)
    await catch_up(app.pool)
    docs = []
    names = {company["tenant"]: company["name"] for company in await companies(app, catch_up_here=True)}
    for tenant in await tenants(app.pool):
        # Its last_cycle tells whether the completion target was met; the current cycle is still running.
        doc = await kpi_document(app, tenant, as_of, catch_up_here=True)
        docs.append({**doc, "name": names.get(tenant) or tenant})
    await app.close()
    return app, counts.by_tenant, docs


def print_headlines(docs: list[dict[str, Any]], console: Console, words: Words | None = None) -> None:
    from services.doors.render import Grid, fmt, show

    if not docs:
        return
    words = words or Words()
    headings = [words("col_tenant"), words("col_company"), words("headline_this_cycle"),
                *(words(label) for _, label in HEADLINE), words("headline_last_cycle")]
    grid = Grid(words("headline_title", as_of=docs[0]["as_of"]), headings,
                right=frozenset(range(2, len(headings))))
    for doc in docs:
        company = doc["company"]
        # The running cycle is judged by the agreements due so far (§7), not by all it has made.
        due = company.get("agreements_due_to_date") or 0
        this_cycle = fmt("cycle_status", company.get("cycle_status"), words)
        if due:
            this_cycle += " " + words("headline_due", done=company.get("agreements_due_completed_on_time"), due=due)
        last = doc["last_cycle"]["company"]
        sign = {True: "≥", False: "<", None: "vs"}[last.get("target_met")]
        last_rate = fmt("agreement_completion_rate", last.get("agreement_completion_rate"), words)
        target = fmt("completion_target", last.get("completion_target"), words)
        grid.rows.append([doc["tenant"], doc.get("name") or doc["tenant"], this_cycle,
                          *(fmt(key, company.get(key), words) for key, _ in HEADLINE),
                          f"{last_rate} {sign} {target}"])
    show([grid], console=console, terminal=True)


def run_demo(*, serve_after: bool = True, host: str | None = None, port: int | None = None,
             as_of: date | None = None, words: Words | None = None) -> int:
    # Piped output is not cut to 80 columns: the tables are meant to be read whole.
    console = Console() if sys.stdout.isatty() else Console(width=140)
    app, _, docs = asyncio.run(load_demo(console, as_of, words))
    print_headlines(docs, console, words)
    if not serve_after:
        return 0
    from services.doors.http import serve

    host = host or app.settings.http_host
    port = _free_port(host, port or app.settings.http_port)
    query = "" if as_of is None or as_of == date.today() else f"?as_of={as_of.isoformat()}"
    console.print((words or Words())("dashboard_at", url=f"[bold]http://{host}:{port}/{query}[/]"))
    serve(host=host, port=port)
    return 0
