"""`eduplan plan`: propose a course plan for a tenant and window, show one, accept one (contract §8)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from services.doors.cli.common import Commands, UsageError, date_arg
from services.doors.cli.words import TEXT, Words, words_of

T = TypeVar("T")
EXIT_REFUSED = 1


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("the time limit must be more than 0 and at most 3600 seconds")
    return value


def register(commands: Commands) -> None:
    plan = commands.add_parser(
        "plan", help="propose a course plan for a tenant and window (or: plan accept PLAN_ID, plan show PLAN_ID)",
        description="Propose which course run each plannable agreement should take between --from and --to, "
                    "within seats, the annual wheel's capacity and without overlaps; say why for the others.",
    )
    plan.add_argument("--tenant", help="the company (tenant) to plan for")
    plan.add_argument("--from", dest="window_from", type=date_arg, metavar="D1", help="first day (YYYY-MM-DD)")
    plan.add_argument("--to", dest="window_to", type=date_arg, metavar="D2", help="last day (YYYY-MM-DD)")
    plan.add_argument("--json", action="store_true", help="print the plan document")
    plan.add_argument("--time-limit", type=_seconds, default=None, metavar="S",
                      help="seconds the solver may search (default 20)")
    plan.set_defaults(run=_cmd_propose)
    actions = plan.add_subparsers(dest="action", metavar="ACTION")

    accept = actions.add_parser("accept", help="book a plan's assignments through the intake")
    accept.add_argument("plan_id", metavar="PLAN_ID", help="the plan_id of a proposed plan")
    accept.add_argument("--on", type=date_arg, default=None, metavar="D", help="booked_on (default: today)")
    accept.add_argument("--tenant", dest="plan_tenant", default=None, help="refuse a plan of another tenant")
    accept.add_argument("--json", dest="accept_json", action="store_true", help="print every outcome")
    accept.set_defaults(run=_cmd_accept)

    show = actions.add_parser("show", help="print a stored plan")
    show.add_argument("plan_id", metavar="PLAN_ID", help="the plan_id of a proposed plan")
    show.add_argument("--json", dest="show_json", action="store_true", help="print the plan document")
    show.set_defaults(run=_cmd_show)


def _with_app(work: Callable[[Any], Awaitable[T]]) -> T:
    async def run() -> T:
        from services.core.app import open_app

        app = await open_app(max_size=4)
        try:
            return await work(app)
        finally:
            await app.close()

    return asyncio.run(run())


def _cmd_propose(args: argparse.Namespace) -> int:
    from domain.planning.window import BadWindow, check_window
    from services.core.planning import SolverOptions
    from services.core.planning.service import UnknownTenant, propose

    missing = [flag for flag, value in (("--tenant", args.tenant), ("--from", args.window_from),
                                        ("--to", args.window_to)) if value is None]
    if missing:
        raise UsageError(words_of(args)("plan_needs", missing=", ".join(missing)))
    try:
        check_window(args.window_from, args.window_to)
    except BadWindow as error:
        raise UsageError(f"--{error.field}: {error.detail}") from None
    options = SolverOptions() if args.time_limit is None else SolverOptions(time_limit=args.time_limit)
    async def made(app: Any) -> tuple[dict[str, Any], Names]:
        return await _named(app, await propose(app, args.tenant, args.window_from, args.window_to, options,
                                               catch_up_here=True))

    try:
        document, names = _with_app(made)
    except UnknownTenant:
        print(f"eduplan: {words_of(args)('unknown_tenant', tenant=args.tenant)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print_plan(document, words_of(args), names)
    return 0


async def _named(app: Any, document: dict[str, Any]) -> tuple[dict[str, Any], Names]:
    """A plan document, with the display names of its company and departments."""
    from services.core import reads

    company = await reads.companies(app, document["tenant"])
    departments = await reads.department_names(app, document["tenant"])
    return document, Names(company[0]["name"] if company else None, departments)


def _cmd_accept(args: argparse.Namespace) -> int:
    from services.core.planning.service import StalePlan, UnknownPlan, accept

    on: date | None = args.on
    try:
        acceptance = _with_app(lambda app: accept(app, args.plan_id, tenant=args.plan_tenant, on=on,
                                                         catch_up_here=True))
    except UnknownPlan as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return 1
    except StalePlan as error:
        print(f"eduplan: {words_of(args)('plan_refused', plan_id=error.plan_id)}", file=sys.stderr)
        for change in error.changes:
            print(f"  - {change.detail}", file=sys.stderr)
        return EXIT_REFUSED
    counts = acceptance.counts
    if args.accept_json:
        for outcome in acceptance.outcomes:
            print(json.dumps(outcome, ensure_ascii=False))
    words = words_of(args)
    print(words("summary", **counts), file=sys.stderr if args.accept_json else sys.stdout)
    for outcome in acceptance.outcomes:
        if outcome["status"] == "rejected":
            print(words("plan_rejected", message_id=outcome.get("message_id"), reason=outcome["reason"],
                        detail=outcome["detail"]), file=sys.stderr)
    return 1 if counts["rejected"] else 0


def _cmd_show(args: argparse.Namespace) -> int:
    from services.core.planning.service import UnknownPlan, show

    async def shown(app: Any) -> tuple[dict[str, Any], Names]:
        plan = await show(app, args.plan_id)
        if args.show_json:
            return plan.document, Names(None, {})
        return await _named(app, plan.document)

    try:
        document, names = _with_app(shown)
    except UnknownPlan as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return 1
    if args.show_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print_plan(document, words_of(args), names)
    return 0


@dataclass(frozen=True)
class Names:
    """The display names of a plan's company and departments, where registered."""

    company: str | None
    departments: dict[str, str]


def print_plan(doc: dict[str, Any], words: Words | None = None, names: Names | None = None) -> None:
    """The plan: a head, then its assignments and the agreements left unplanned as tables (tab-separated
    values when piped)."""
    from services.doors.render import Grid, named, say, show

    words = words or Words()
    names = names or Names(None, {})
    solver = doc["solver"]
    gap = f"{doc['gap']:.2%}"
    say(words("plan_head", plan_id=doc["plan_id"], company=names.company or doc["tenant"], start=doc["from"],
              end=doc["to"]))
    status = f"plan_{doc['status']}"
    say(words("plan_status", status=words(status) if status in TEXT else doc["status"], objective=doc["objective"],
              bound=doc["bound"], gap=words.amount(gap), solver=f"{solver['name']} {solver['version']}",
              seconds=words.amount(str(solver["wall_time_s"]))))
    say("\n" + words("plan_planned", n=len(doc["assignments"])))
    if doc["assignments"]:
        planned = Grid(None, [words(key) for key in ("col_agreement", "col_employee_id", "col_department",
                                                      "plan_run", "col_starts", "col_ends", "col_value")],
                       right=frozenset({6}))
        for a in doc["assignments"]:
            planned.rows.append([a["agreement_id"], a["employee_id"], named(a["department"], names.departments),
                                 a["run_id"], a["starts_on"], a["ends_on"], str(a["value"])])
        show([planned])
    say("\n" + words("plan_unplanned", n=len(doc["unplanned"])))
    if doc["unplanned"]:
        unplanned = Grid(None, [words(key) for key in ("col_agreement", "col_employee_id", "col_why", "col_detail")])
        for u in doc["unplanned"]:
            detail = u["detail"].get(words.lang) or u["detail"].get("en", "")
            unplanned.rows.append([u["agreement_id"], u["employee_id"], u["why"], detail])
        show([unplanned])
    if doc["assignments"]:
        say("\n" + words("plan_book", plan_id=doc["plan_id"]))
