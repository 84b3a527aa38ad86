"""`eduplan funding`: what courses can claim from VEU and the competence funds, and what is at risk or lost."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from typing import Any

from services.doors.cli.common import Commands, date_arg


def register(commands: Commands) -> None:
    funding = commands.add_parser("funding", help="expected, applied, granted, paid, at-risk and lost funding")
    funding.add_argument("--tenant", required=True)
    funding.add_argument("--year", type=int, default=None, help="only courses starting in this year")
    funding.add_argument("--as-of", type=date_arg, default=None, help="YYYY-MM-DD (default: today)")
    funding.add_argument("--json", action="store_true")
    funding.set_defaults(run=_cmd_funding)


def _cmd_funding(args: argparse.Namespace) -> int:
    from services.core.funding.report import UnknownTenant

    try:
        report = asyncio.run(_report(args.tenant, args.as_of or date.today(), args.year))
    except UnknownTenant:
        print(f"eduplan: tenant {args.tenant!r} has no message on record", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print(report)
    return 0


async def _report(tenant: str, as_of: date, year: int | None) -> dict[str, Any]:
    from projections import catch_up, ensure_schema, wait_until_caught_up
    from services.core.app import open_app
    from services.core.funding.report import funding_report

    app = await open_app(max_size=4)
    try:
        await ensure_schema(app.pool)
        if not await wait_until_caught_up(app.pool, tenant=tenant, timeout=2.0):
            await catch_up(app.pool)  # no runner is up: bring the projections up to date here
        return await funding_report(app.pool, tenant, as_of, year)
    finally:
        await app.close()


def _print(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"Funding — {report['tenant']} as of {report['as_of']}" + (f", {report['year']}" if report["year"] else "")
    table = Table(title=title)
    for column in ("booking", "employee", "starts", "scheme", "state", "deadline", "expected", "paid", "at risk",
                   "lost"):
        table.add_column(column, justify="right" if column in ("expected", "paid", "at risk", "lost") else "left")
    for booking in report["bookings"]:
        for line in booking["schemes"]:
            table.add_row(booking["booking_id"], booking["employee_id"], booking["starts_on"], line["scheme"],
                          line["state"], line["deadline"] or "", line["expected"] or "?", line["paid"],
                          line["at_risk"] or "?", line["lost"] or "?")
    console = Console()
    console.print(table)
    company = report["totals"]["company"]
    console.print("Company: " + ", ".join(f"{k} {company[k]}" for k in ("expected", "applied", "granted", "paid",
                                                                         "at_risk", "lost", "gross_cost", "net_cost")))
