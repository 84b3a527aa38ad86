"""`eduplan plan`: propose a course plan for a tenant and window, show one, accept one (contract §8)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from services.doors.cli.common import Commands, UsageError, date_arg
from services.doors.cli.words import Words, words_of

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
    try:
        document = _with_app(lambda app: propose(app, args.tenant, args.window_from, args.window_to, options,
                                                   catch_up_here=True))
    except UnknownTenant as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print_plan(document, words_of(args))
    return 0


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

    try:
        plan = _with_app(lambda app: show(app, args.plan_id))
    except UnknownPlan as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return 1
    if args.show_json:
        print(json.dumps(plan.document, ensure_ascii=False, indent=2))
    else:
        print_plan(plan.document, words_of(args))
    return 0


def print_plan(doc: dict[str, Any], words: Words | None = None) -> None:
    words = words or Words()
    solver = doc["solver"]
    gap = f"{doc['gap']:.2%}"
    print(words("plan_head", plan_id=doc["plan_id"], company=doc["tenant"], start=doc["from"], end=doc["to"]))
    print(words("plan_status", status=doc["status"], objective=doc["objective"], bound=doc["bound"],
                gap=gap.replace(".", ",") if words.lang == "da" else gap,
                solver=f"{solver['name']} {solver['version']}", seconds=solver["wall_time_s"]))
    print("\n" + words("plan_planned", n=len(doc["assignments"])))
    run = words("plan_run")
    for a in doc["assignments"]:
        print(f"  {a['agreement_id']:<16} {a['employee_id']:<12} {a['department']:<12} {run} {a['run_id']:<14}"
              f" {a['starts_on']} – {a['ends_on']}  {a['value']:>5}")
    print("\n" + words("plan_unplanned", n=len(doc["unplanned"])))
    for u in doc["unplanned"]:
        detail = u["detail"].get(words.lang) or u["detail"].get("en", "")
        print(f"  {u['agreement_id']:<16} {u['employee_id']:<12} {u['why']:<16} {detail}")
    if doc["assignments"]:
        print("\n" + words("plan_book", plan_id=doc["plan_id"]))
