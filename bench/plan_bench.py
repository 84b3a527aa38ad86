"""The planning assistant: a plan for one year of a 125-employee company (150 open agreements, 300 runs)
must be proved optimal in under 10 s; one for a 5,000-employee company must be a feasible plan within 60 s,
its gap to the proved bound reported.

Each company's messages go through the intake into a fresh database and the projections catch up; then the
plan is made the way the doors make it (``service.propose``: projection caught up, facts read in one
snapshot, model built, CP-SAT with its default 2 workers, plan stored). Reported: the whole call, the
solver's share, the facts' size and the objective against the bound.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import FreshDatabase, Row, Server
from bench.plan_feed import WINDOW, planning_feed

SIZES = (
    # label, employees, agreements, runs, courses, bookings, departments holding the agreements (0: all),
    # time limit (s), goal
    ("125 employees", 125, 150, 300, 30, 40, 0, 20.0, "optimal < 10 s"),
    ("125 employees, all agreements in 1 department", 125, 150, 300, 30, 40, 1, 20.0, "optimal < 10 s"),
    ("5,000 employees", 5000, 6000, 6000, 300, 1600, 0, 50.0, "feasible < 60 s"),
)


async def run(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    rows = []
    for label, employees, agreements, runs, courses, bookings, crowded, limit, goal in SIZES:
        if quick and employees > 1000:
            continue
        feed = planning_feed("plan-bench", employees=employees, agreements=agreements, runs=runs, courses=courses,
                             bookings=bookings, crowded=crowded)
        rows.append(await _one(server, label, feed, employees, agreements, runs, bookings, limit, goal))
    return rows


async def _one(server: Server, label: str, messages: list[dict[str, Any]], employees: int, agreements: int,
               runs: int, bookings: int, limit: float, goal: str) -> Row:
    from projections import catch_up
    from services.core.app import app_for_url
    from services.core.planning import SolverOptions
    from services.core.planning.service import propose

    tenant = "plan-bench"
    async with FreshDatabase(server, "plan") as url:
        app = await app_for_url(url, max_size=4)
        try:
            for first in range(0, len(messages), 1000):
                outcomes = await app.intake.submit_many(messages[first:first + 1000], door="bench")
                refused = [o for o in outcomes if o["status"] != "accepted"]
                assert not refused, refused[:3]
            await catch_up(app.pool)
            started = time.perf_counter()
            doc = await propose(app, tenant, *WINDOW, SolverOptions(time_limit=limit))
            seconds = time.perf_counter() - started
        finally:
            await app.close()
    solver = doc["solver"]
    optimal = doc["status"] == "optimal"
    met = (optimal and seconds < 10) if goal.startswith("optimal") else (solver["found"] and seconds < 60)
    info = {"status": doc["status"], "objective": doc["objective"], "bound": doc["bound"], "gap": doc["gap"],
            "seconds_total": round(seconds, 2), "seconds_solver": solver["wall_time_s"],
            "candidates": solver["candidates"], "assignments": len(doc["assignments"]),
            "unplanned": len(doc["unplanned"]), "employees": employees, "agreements": agreements, "runs": runs,
            "bookings": bookings, "time_limit_s": limit, "workers": solver["workers"], "messages": len(messages)}
    note = (f"{doc['status']}, objective {doc['objective']:,} of bound {doc['bound']:,} (gap {doc['gap']:.3%}),"
            f" {len(doc['assignments']):,} planned, {len(doc['unplanned']):,} unplanned,"
            f" {solver['candidates']:,} candidates; solver {solver['wall_time_s']} s of {seconds:.1f} s")
    return Row(benchmark=f"plan, {label}, 1 year", figure=seconds, unit="s", goal=goal, met=met, note=note,
               extra=info)


if __name__ == "__main__":
    import asyncio
    import sys
    import tempfile

    from bench.common import open_server
    from infra.logging import configure_logging

    configure_logging("WARNING")
    keep: list[tempfile.TemporaryDirectory[str]] = []
    urls = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    chosen = open_server(urls[0] if urls else None, keep)
    for row in asyncio.run(run(chosen, quick="--quick" in sys.argv)):
        print(f"{row.benchmark}: {row.figure:.2f} s  goal {row.goal}  met={row.met}\n  {row.note}")
