"""`eduplan funding`: what courses can claim from VEU and the competence funds, and what is at risk or lost."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date
from typing import Any

from services.doors.cli.common import Commands, date_arg


def register(commands: Commands) -> None:
    funding = commands.add_parser("funding", help="expected, applied, granted, paid, at-risk and lost funding")
    funding.add_argument("--tenant", required=True, help="the company (tenant)")
    funding.add_argument("--year", type=int, default=None, help="only courses starting in this year")
    funding.add_argument("--as-of", type=date_arg, default=None, help="YYYY-MM-DD (default: today)")
    funding.add_argument("--json", action="store_true", help="print the JSON document (amounts explained)")
    funding.set_defaults(run=_cmd_funding)


def _cmd_funding(args: argparse.Namespace) -> int:
    report = asyncio.run(_report(args.tenant, args.as_of or date.today(), args.year))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print(report)
    return 0


async def _report(tenant: str, as_of: date, year: int | None) -> dict[str, Any]:
    from services.core import reads
    from services.core.app import open_app

    app = await open_app(max_size=4)
    try:
        return await reads.funding_report(app, tenant, as_of, year, catch_up_here=True, wait=2.0)
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
