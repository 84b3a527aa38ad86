"""Benchmark 13: KPI reads as known at an instant (CONTRACT.md §6) beside the same reads without one.

On the KPI data set (see ``feeds``): the KPI document for the 125-employee tenant (5 years) and the
5,000-employee tenant, p50 and p99 over many as-of dates — the ordinary read, and as known when half and when
90 % of the tenant's events had been recorded (the median and the 90th percentile of recorded_at: what came
after is corrections and later facts the read leaves out, and derives again what they touched) — the document
by manager, a 36-month series of the large tenant, the HR manager's actions (contract §7, with the funding
kinds, which are read as now) of both tenants, and the actions' statement alone (what known_at rewrites). The
reads alternate (ordinary, half, 90 %, ordinary, …), so load that drifts hits them alike; each row shows the
ordinary read's p99 as its reference.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bench.common import FreshDatabase, Row, Server, not_available, percentile
from bench.feeds import LARGE_TENANT, SMALL_TENANT, dataset_info, kpi_dataset
from bench.leadership_bench import _months_back
from bench.projection_bench import FEED_END, _projections

Read = Callable[[int, datetime | None], Awaitable[Any]]


async def _alternating(read: Read, instants: dict[str, datetime | None], samples: int,
                       budget: float) -> dict[str, list[float]]:
    """Milliseconds of ``read(i, known_at)`` per named instant, the instants taking turns for i = 0, 1, …
    (after one warm-up of each), until ``samples`` each or the time budget."""
    for known_at in instants.values():
        await read(0, known_at)
    latencies: dict[str, list[float]] = {name: [] for name in instants}
    started = time.perf_counter()
    for i in range(samples):
        for name, known_at in instants.items():
            begin = time.perf_counter()
            await read(i, known_at)
            latencies[name].append((time.perf_counter() - begin) * 1000)
        if time.perf_counter() - started > budget and i >= 2:
            break
    return latencies


def _rows(label: str, latencies: dict[str, list[float]], goal_ms: float | None, wanted: int,
          extra: dict[str, Any]) -> list[Row]:
    ordinary = latencies["ordinary"]
    rows = []
    for name, found in latencies.items():
        p50, p99 = percentile(found, 50), percentile(found, 99)
        info = {"samples": len(found), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
                "max_ms": round(max(found), 2), **extra}
        note = f"{len(found)} of {wanted} samples: the time budget ran out" if len(found) < wanted else ""
        reference = None if name == "ordinary" else percentile(ordinary, 99)
        rows.append(Row(benchmark=f"{label}, {name} p50", figure=p50, unit="ms", goal="(p99 is the goal)",
                        extra=info))
        rows.append(Row(benchmark=f"{label}, {name} p99", figure=p99, unit="ms",
                        goal=f"< {goal_ms:g} ms" if goal_ms is not None else "",
                        met=None if goal_ms is None else p99 < goal_ms, extra=info, note=note,
                        reference=reference, reference_label="ordinary read p99" if reference else ""))
    return rows


async def run(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    projections = _projections()
    if isinstance(projections, Exception):
        return [not_available("KPI reads as known at an instant", str(projections))]
    from infra.db import create_pool

    dataset = await kpi_dataset(server, quick=quick)
    samples, budget = (30, 30.0) if quick else (60, 60.0)
    info = dataset_info(dataset)
    large = f"5,000 employees × {dataset.large_years} y"
    rows: list[Row] = []
    async with FreshDatabase(server, "knownat", template=dataset.rebuilt_dbname or dataset.dbname) as url:
        pool = await create_pool(url, max_size=4)
        try:
            await projections.ensure_schema(pool)
            await projections.catch_up(pool)
            for tenant, label, goal in ((SMALL_TENANT, "125 employees × 5 y", 50.0), (LARGE_TENANT, large, 250.0)):
                half, most = await pool.fetchrow(
                    "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY recorded_at),"
                    " percentile_disc(0.9) WITHIN GROUP (ORDER BY recorded_at) FROM events WHERE tenant = $1", tenant)
                instants = {"ordinary": None, "known at half": half, "known at 90 %": most}
                for by_manager in (False, True):
                    def document(i: int, known_at: datetime | None, tenant: str = tenant,
                                 by_manager: bool = by_manager) -> Any:
                        as_of = FEED_END - timedelta(days=(i * 37) % 365)
                        return projections.kpi_document(pool, tenant, as_of, by_manager=by_manager, known_at=known_at)

                    what = "KPI document by manager" if by_manager else "KPI document"
                    rows += _rows(f"{what}, {label}", await _alternating(document, instants, samples, budget),
                                  goal, samples, info)
                def actions(i: int, known_at: datetime | None, tenant: str = tenant) -> Any:
                    from services.core.actions import actions_of

                    return actions_of(pool, tenant, FEED_END - timedelta(days=(i * 37) % 365), known_at=known_at)

                rows += _rows(f"Actions, {label}", await _alternating(actions, instants, samples, budget),
                              200.0 if tenant == LARGE_TENANT else 50.0, samples, info)

                def statement(i: int, known_at: datetime | None, tenant: str = tenant) -> Any:
                    from projections.kpi.actions import action_rows

                    return action_rows(pool, tenant, FEED_END - timedelta(days=(i * 37) % 365), known_at=known_at)

                rows += _rows(f"Actions' statement alone (no funding kinds), {label}",
                              await _alternating(statement, instants, samples, budget), None, samples, info)
                if tenant == LARGE_TENANT:
                    windows = 6 if quick else 12

                    def series(i: int, known_at: datetime | None) -> Any:
                        end = _months_back(FEED_END, i % 12)
                        request = projections.SeriesRequest.checked(_months_back(end, 35) - timedelta(days=27), end,
                                                                    "month")
                        return projections.kpi_series(pool, LARGE_TENANT, request, known_at=known_at)

                    rows += _rows(f"KPI series, 36 month ends, {large}",
                                  await _alternating(series, instants, windows, budget), 300.0, windows, info)
        finally:
            await pool.close()
    return rows
