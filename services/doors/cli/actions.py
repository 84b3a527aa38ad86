"""`eduplan actions`: what the HR manager should see to on a date (CONTRACT §7), from the application core."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from typing import Any

from services.doors.cli.common import Commands, date_arg

RUNNER_WAIT_SECONDS = 2.0
"""How long the command waits for a running projection runner before it folds the projections itself."""

COLUMNS = ("since", "kind", "employee_id", "manager_id", "department", "ref", "detail")
"""The table's columns: the date first, as the actions are sorted by it."""


def register(commands: Commands) -> None:
    actions = commands.add_parser(
        "actions", help="the HR manager's actions: overdue agreements, missing reviews, check-ins, buddies …",
        description="The HR manager's actions on a date (contract §7), sorted by since, kind and ref. "
                    "A table on a terminal, tab-separated values with a header row when piped.")
    actions.add_argument("--tenant", required=True, help="the tenant (company)")
    actions.add_argument("--as-of", type=date_arg, default=None, metavar="YYYY-MM-DD",
                         help="the business date the actions are as of (default: today)")
    actions.add_argument("--manager", default=None, metavar="EMPLOYEE_ID",
                         help="only employees whose manager on that date is this employee")
    actions.add_argument("--department", default=None, help="only employees in this department on that date")
    actions.add_argument("--json", action="store_true", help="print the contract's JSON document instead of a table")
    actions.set_defaults(run=run_actions)


def run_actions(args: argparse.Namespace) -> int:
    document = asyncio.run(_read(args.tenant, args.as_of or date.today(), args.manager, args.department))
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    elif sys.stdout.isatty():
        _table(document)
    else:
        _tsv(document)
    return 0


async def _read(tenant: str, as_of: date, manager: str | None, department: str | None) -> dict[str, Any]:
    from services.core import reads
    from services.core.app import open_app

    app = await open_app(max_size=4)
    try:
        return await reads.actions(app, tenant, as_of, manager, department, catch_up_here=True,
                                   wait=RUNNER_WAIT_SECONDS)
    finally:
        await app.close()


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")


def _tsv(document: dict[str, Any]) -> None:
    print("\t".join(COLUMNS))
    for action in document["actions"]:
        print("\t".join(_cell(action[column]) for column in COLUMNS))


def _table(document: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Actions — {document['tenant']} as of {document['as_of']}")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for action in document["actions"]:
        table.add_row(*(_cell(action[column]) for column in COLUMNS))
    console = Console()
    console.print(table)
    console.print(f"{len(document['actions'])} action(s)")
