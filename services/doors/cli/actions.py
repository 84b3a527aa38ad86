"""`eduplan actions`: what the HR manager should see to on a date (CONTRACT §7), from the application core."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime
from typing import Any

from services.core.reads import KNOWN_AT_HELP, day_of
from services.doors.cli.common import Commands, date_arg, instant_arg
from services.doors.cli.words import TEXT, words_of

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
                         help="the business date the actions are as of (default: today, or the day of --known-at)")
    actions.add_argument("--known-at", type=instant_arg, default=None, metavar="INSTANT", help=KNOWN_AT_HELP)
    actions.add_argument("--manager", default=None, metavar="EMPLOYEE_ID",
                         help="only employees whose manager on that date is this employee")
    actions.add_argument("--department", default=None,
                         help="only employees in this department on that date (its key, or its registered name)")
    actions.add_argument("--json", action="store_true", help="print the contract's JSON document instead of a table")
    actions.set_defaults(run=run_actions)


def run_actions(args: argparse.Namespace) -> int:
    words = words_of(args)
    # The JSON is the contract's, in English; the table's details are in the chosen language.
    lang = "en" if args.json else words.lang
    named = asyncio.run(_read(args.tenant, args.as_of or day_of(args.known_at), args.manager, args.department, lang,
                              args.known_at))
    document = named.found
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    from services.doors.render import Grid, say, show
    from services.doors.render import named as display_name

    title = words("actions_title", company=named.company or document["tenant"], as_of=document["as_of"])
    grid = Grid(title, [words(f"col_{column}") for column in COLUMNS])
    for action in document["actions"]:
        row = {**action, "kind": words(f"action_{action['kind']}") if f"action_{action['kind']}" in TEXT
               else action["kind"], "department": display_name(action["department"] or "", named.departments)}
        grid.rows.append([_cell(row[column]) for column in COLUMNS])
    show([grid])
    if sys.stdout.isatty():
        say(words("actions_count", n=len(document["actions"])))
    return 0


async def _read(tenant: str, as_of: date, manager: str | None, department: str | None, lang: str,
                known_at: datetime | None = None) -> Any:
    from services.core import reads
    from services.core.app import App, open_app
    from services.doors.cli.projections import department_key, with_names

    async def read(app: App) -> dict[str, Any]:
        key = await department_key(app, tenant, department)
        return await reads.actions(app, tenant, as_of, manager, key, catch_up_here=True,
                                   wait=RUNNER_WAIT_SECONDS, lang=lang, known_at=known_at)

    app = await open_app(max_size=4)
    try:
        return await with_names(tenant, read)(app)
    finally:
        await app.close()


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")
