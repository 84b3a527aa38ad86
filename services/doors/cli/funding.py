"""`eduplan funding`: what courses can claim from VEU and the competence funds, and what is at risk or lost."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date
from typing import Any

from services.doors.cli.common import Commands, date_arg
from services.doors.cli.words import TEXT, Words, words_of


def register(commands: Commands) -> None:
    funding = commands.add_parser("funding", help="expected, applied, granted, paid, at-risk and lost funding")
    funding.add_argument("--tenant", required=True, help="the company (tenant)")
    funding.add_argument("--year", type=int, default=None, help="only courses starting in this year")
    funding.add_argument("--as-of", type=date_arg, default=None, help="YYYY-MM-DD (default: today)")
    funding.add_argument("--json", action="store_true", help="print the JSON document (amounts explained)")
    funding.set_defaults(run=_cmd_funding)


def _cmd_funding(args: argparse.Namespace) -> int:
    report, company = asyncio.run(_report(args.tenant, args.as_of or date.today(), args.year))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print(report, words_of(args), company)
    return 0


async def _report(tenant: str, as_of: date, year: int | None) -> tuple[dict[str, Any], str | None]:
    from services.core import reads
    from services.core.app import open_app

    app = await open_app(max_size=4)
    try:
        report = await reads.funding_report(app, tenant, as_of, year, catch_up_here=True, wait=2.0)
        company = await reads.companies(app, tenant)
        return report, company[0]["name"] if company else None
    finally:
        await app.close()


_COLUMNS = ("col_booking", "employee", "col_starts", "col_scheme", "col_state", "col_deadline", "expected", "paid",
            "at_risk", "lost")
_TOTALS = ("expected", "applied", "granted", "paid", "at_risk", "lost", "gross_cost", "net_cost")


def _print(report: dict[str, Any], words: Words, company_name: str | None = None) -> None:
    from services.doors.render import Grid, say, show

    title = words("funding_title", company=company_name or report["tenant"], as_of=report["as_of"])
    title += f", {report['year']}" if report["year"] else ""
    grid = Grid(title, [words(key) for key in _COLUMNS], right=frozenset({6, 7, 8, 9}))
    for booking in report["bookings"]:
        for line in booking["schemes"]:
            grid.rows.append([booking["booking_id"], booking["employee_id"], booking["starts_on"], line["scheme"],
                              words(f"funding_{line['state']}") if f"funding_{line['state']}" in TEXT
                              else line["state"], line["deadline"] or "", words.amount(line["expected"]),
                              words.amount(line["paid"]), words.amount(line["at_risk"]), words.amount(line["lost"])])
    show([grid])
    company = report["totals"]["company"]
    say(f"{words('company_totals')}: " + ", ".join(f"{words(k)} {words.amount(company[k])}" for k in _TOTALS))
