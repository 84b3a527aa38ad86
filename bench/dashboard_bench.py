"""Benchmark 11: the leadership dashboard's company page for the 5,000-employee tenant (3 years of history
in a full run, 1 in --quick), p50 and p99 over as-of dates spread over the last year; goal: p99 < 100 ms.

A page is every read it makes — the KPI document with its last cycle, the 36-month series of the trend
keys, the greb views, the season facts, the companies' and departments' names, each through
``services.core.reads``, so each passes the freshness gate — and its rendering. The reads run concurrently
on the app's pool, as in the server, and come from the projections: the dashboard's read memory is cleared
before each sample, except in "asked again" (the same page asked again while nothing arrived, answered
from memory after the freshness gate). Beside it: the department page, the greb page, the meeting paper,
and each read of the company page alone (its share of the time).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench.common import FreshDatabase, Row, Server, not_available
from bench.feeds import LARGE_TENANT, dataset_info, kpi_dataset
from bench.leadership_bench import _latencies, _rows
from bench.projection_bench import FEED_END, _projections


def _as_of(i: int) -> Any:
    return FEED_END - timedelta(days=(i * 37) % 365)


async def run(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    projections = _projections()
    if isinstance(projections, Exception):
        return [not_available("dashboard pages", str(projections))]
    from services.core import reads
    from services.core.app import app_for_url
    from services.doors import dashboard
    from services.doors.dashboard.season import month_end, months_ending

    dataset = await kpi_dataset(server, quick=quick)
    samples, budget = (20, 20.0) if quick else (100, 90.0)
    info = dataset_info(dataset)
    large = f"5,000 employees × {dataset.large_years} y"
    rows: list[Row] = []
    async with FreshDatabase(server, "dashboard", template=dataset.rebuilt_dbname or dataset.dbname) as url:
        app = await app_for_url(url, max_size=12)
        try:
            await projections.ensure_schema(app.pool)
            await projections.catch_up(app.pool)
            doc = await reads.kpi_document(app, LARGE_TENANT, FEED_END)
            department = next(iter(doc["departments"]))

            def company(i: int) -> Any:
                reads.memory(app).clear()  # every read of the page from the projections
                return dashboard.render_dashboard(app, as_of=_as_of(i), tenant=LARGE_TENANT)

            rows += _rows(f"Dashboard company page, {large}", await _latencies(company, samples, budget), 100.0,
                          samples, info)

            def again(i: int) -> Any:  # the same page asked again while nothing arrived: the reads remembered
                return dashboard.render_dashboard(app, as_of=FEED_END, tenant=LARGE_TENANT)

            rows += _rows(f"Dashboard company page asked again, {large}", await _latencies(again, samples, budget),
                          100.0, samples, info)

            def department_page(i: int) -> Any:
                return dashboard.render_dashboard(app, as_of=_as_of(i), tenant=LARGE_TENANT, department=department)

            pages = {
                f"Dashboard department page ({department})": department_page,
                "Dashboard greb page": lambda i: dashboard.render_greb(app, LARGE_TENANT, as_of=_as_of(i)),
                "Dashboard meeting paper": lambda i: dashboard.render_print(app, LARGE_TENANT, as_of=_as_of(i)),
                "  (alone: KPI document)": lambda i: reads.kpi_document(app, LARGE_TENANT, _as_of(i)),
                "  company page read: KPI document and series together": lambda i: reads.kpi_document_and_series(
                    app, LARGE_TENANT, _as_of(i), dashboard.trend_request(_as_of(i))),
                "  (alone: 36-month series)": lambda i: dashboard.trend_series(app, LARGE_TENANT, _as_of(i)),
                "  company page read: greb views": lambda i: reads.greb_views(app, LARGE_TENANT, _as_of(i)),
                "  company page read: season facts": lambda i: reads.season_facts(
                    app, LARGE_TENANT, _as_of(i), months_ending(_as_of(i))[0], month_end(_as_of(i).replace(day=1))),
            }
            for label, read in pages.items():
                def cold(i: int, read: Any = read) -> Any:
                    reads.memory(app).clear()
                    return read(i)

                rows += _rows(f"{label}, {large}", await _latencies(cold, samples // 4, budget / 4), None,
                              samples // 4, info)
        finally:
            await app.close()
    return rows


if __name__ == "__main__":  # python -m bench.dashboard_bench: the same as `python -m bench --only dashboard`
    import sys

    from bench.__main__ import main

    sys.exit(main(["--only", "dashboard", *sys.argv[1:]]))
