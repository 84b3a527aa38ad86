"""Benchmark 11: the HR manager's actions (CONTRACT.md §7) of the 5,000-employee tenant of the KPI data set.

- the whole tenant's actions (the eight kinds of the contract's table and the funding actions), p50 and p99
  over as-of dates spread over the last year of the feed — goal p99 < 200 ms;
- one manager's actions (``--manager``), the view a department manager opens;
- the contract-table part alone (one statement, ``projections.kpi.actions``) and the funding part alone
  (``funding_action_list``: VEU and fund amounts computed in Python for every claim that can be at risk), so
  each one's share of the whole shows;
- the calendar feed of one manager.

Each is timed through ``services.core.actions`` / ``services.core.calendar`` on a pool, as the doors call them
after the read gate; the figures are printed with the number of actions found.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench.common import FreshDatabase, Row, Server, not_available
from bench.feeds import LARGE_TENANT, dataset_info, kpi_dataset
from bench.leadership_bench import _latencies, _rows
from bench.projection_bench import FEED_END, _projections

GOAL_MS = 200.0


async def run(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    projections = _projections()
    if isinstance(projections, Exception):
        return [not_available("actions", str(projections))]
    from infra.db import create_pool
    from projections.kpi.actions import action_rows
    from services.core.actions import actions_of
    from services.core.calendar import calendar_of
    from services.core.funding.report import funding_action_list

    dataset = await kpi_dataset(server, quick=quick)
    samples, budget = (20, 20.0) if quick else (100, 60.0)
    info = dataset_info(dataset)
    large = f"5,000 employees × {dataset.large_years} y"
    rows: list[Row] = []
    async with FreshDatabase(server, "actions", template=dataset.rebuilt_dbname or dataset.dbname) as url:
        pool = await create_pool(url, max_size=4)
        try:
            await projections.ensure_schema(pool)
            await projections.catch_up(pool)

            def day(i: int) -> Any:
                return FEED_END - timedelta(days=(i * 37) % 365)

            counts = [len((await actions_of(pool, LARGE_TENANT, day(i)))["actions"]) for i in range(3)]
            manager = await _busiest_manager(pool)
            extra = {**info, "actions_found": counts, "manager": manager}

            def whole(i: int) -> Any:
                return actions_of(pool, LARGE_TENANT, day(i))

            def mine(i: int) -> Any:
                return actions_of(pool, LARGE_TENANT, day(i), manager=manager)

            def table_only(i: int) -> Any:
                return action_rows(pool, LARGE_TENANT, day(i))

            def funding_only(i: int) -> Any:
                return funding_action_list(pool, LARGE_TENANT, day(i))

            def calendar(i: int) -> Any:
                return calendar_of(pool, LARGE_TENANT, day(i), manager)

            rows += _rows(f"Actions, whole tenant, {large}", await _latencies(whole, samples, budget), GOAL_MS,
                          samples, extra)
            rows += _rows(f"Actions, one manager, {large}", await _latencies(mine, samples, budget), GOAL_MS,
                          samples, extra)
            rows += _rows(f"Actions, contract table only (no funding), {large}",
                          await _latencies(table_only, samples, budget), None, samples, extra)
            rows += _rows(f"Actions, funding part only, {large}", await _latencies(funding_only, samples, budget),
                          None, samples, extra)
            rows += _rows(f"Calendar feed, one manager, {large}", await _latencies(calendar, samples // 2, budget),
                          None, samples // 2, extra)
        finally:
            await pool.close()
    return rows


async def _busiest_manager(pool: Any) -> str | None:
    """The manager with the most assignments in the large tenant (on the active projection version)."""
    from projections.kpi.reading import fetch_active

    found = await fetch_active(
        pool, "SELECT manager_id FROM {s}.manager_assignments WHERE tenant = $1 GROUP BY manager_id"
              " ORDER BY count(*) DESC, manager_id LIMIT 1", LARGE_TENANT)
    return found[0]["manager_id"] if found else None
