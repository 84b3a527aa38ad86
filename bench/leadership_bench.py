"""Benchmark 7: the leadership reads of CONTRACT.md §7 on the KPI data set (see ``feeds``).

- the KPI document with ``group_by=manager``, for the 125-employee tenant (5 years) and the 5,000-employee
  tenant, p50 and p99 over many as-of dates;
- a 36-month series (month ends, one statement) for the 5,000-employee tenant — every key, and the five
  keys the dashboard draws as trends — p50 and p99 over windows ending at different months;
- the competence matrix of the 5,000-employee tenant.

The KPI document itself (with the §7 keys) is benchmark 4.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from bench.common import FreshDatabase, Row, Server, not_available, percentile
from bench.feeds import LARGE_TENANT, SMALL_TENANT, dataset_info, kpi_dataset
from bench.projection_bench import FEED_END, _projections

TREND_KEYS = ["agreement_completion_rate", "participation_rate_12m", "training_hours_per_employee_12m",
              "mus_coverage", "knowledge_sharing_rate"]


async def _latencies(read: Callable[[int], Awaitable[Any]], samples: int, budget: float) -> list[float]:
    """Milliseconds of ``read(i)`` for i = 0, 1, … (after one warm-up), until ``samples`` or the time budget."""
    await read(0)
    latencies: list[float] = []
    started = time.perf_counter()
    for i in range(samples):
        begin = time.perf_counter()
        await read(i)
        latencies.append((time.perf_counter() - begin) * 1000)
        if time.perf_counter() - started > budget and len(latencies) >= 3:
            break
    return latencies


def _rows(label: str, latencies: list[float], goal_ms: float | None, wanted: int, extra: dict[str, Any],
          reference: tuple[float, str] | None = None) -> list[Row]:
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    info = {"samples": len(latencies), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
            "max_ms": round(max(latencies), 2), **extra}
    note = f"{len(latencies)} of {wanted} samples: the time budget ran out" if len(latencies) < wanted else ""
    goal = f"< {goal_ms:g} ms" if goal_ms is not None else ""
    return [
        Row(benchmark=f"{label} p50", figure=p50, unit="ms", goal="(p99 is the goal)" if goal else "", extra=info,
            reference=reference[0] if reference else None, reference_label=reference[1] if reference else ""),
        Row(benchmark=f"{label} p99", figure=p99, unit="ms", goal=goal,
            met=None if goal_ms is None else p99 < goal_ms, extra=info, note=note),
    ]


def _months_back(day: date, months: int) -> date:
    """The last day of the month ``months`` before ``day``'s month."""
    first = day.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


async def _one_by_one(projections: Any, pool: Any) -> tuple[float, str]:
    """The same 36 month ends read as 36 documents, one after the other (the median of two rounds)."""
    last = _months_back(FEED_END, 0)
    days = [_months_back(last, n) for n in range(36)]
    rounds = []
    for _ in range(2):
        begin = time.perf_counter()
        for day in days:
            await projections.kpi_document(pool, LARGE_TENANT, day)
        rounds.append((time.perf_counter() - begin) * 1000)
    return sorted(rounds)[0], "36 documents one by one (best of 2)"


async def run(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    projections = _projections()
    if isinstance(projections, Exception):
        return [not_available("leadership reads", str(projections))]
    from infra.db import create_pool

    dataset = await kpi_dataset(server, quick=quick)
    samples, budget = (20, 20.0) if quick else (100, 60.0)
    info = dataset_info(dataset)
    large = f"5,000 employees × {dataset.large_years} y"
    rows: list[Row] = []
    async with FreshDatabase(server, "leadership", template=dataset.rebuilt_dbname or dataset.dbname) as url:
        pool = await create_pool(url, max_size=4)
        try:
            await projections.ensure_schema(pool)
            await projections.catch_up(pool)
            for tenant, label, goal in ((SMALL_TENANT, "125 employees × 5 y", 50.0), (LARGE_TENANT, large, 250.0)):
                def by_manager(i: int, tenant: str = tenant) -> Any:
                    as_of = FEED_END - timedelta(days=(i * 37) % 365)
                    return projections.kpi_document(pool, tenant, as_of, by_manager=True)

                rows += _rows(f"KPI document by manager, {label}", await _latencies(by_manager, samples, budget),
                              goal, samples, info)
            windows = 12 if quick else 24
            for keys, what in ((None, "every key"), (TREND_KEYS, "5 trend keys")):
                def series(i: int, keys: list[str] | None = keys) -> Any:
                    last = _months_back(FEED_END, i % 12)
                    request = projections.SeriesRequest.checked(_months_back(last, 35) - timedelta(days=27), last,
                                                                "month", keys)
                    assert len(request.dates()) == 36
                    return projections.kpi_series(pool, LARGE_TENANT, request)

                reference = await _one_by_one(projections, pool) if keys is None else None
                rows += _rows(f"KPI series, 36 month ends, {large}, {what}",
                              await _latencies(series, windows, budget), 300.0, windows, info, reference)

            def matrix(i: int) -> Any:
                return projections.competence_matrix(pool, LARGE_TENANT, FEED_END - timedelta(days=(i * 37) % 365))

            rows += _rows(f"Competence matrix, {large}", await _latencies(matrix, samples // 4, budget), None,
                          samples // 4, info)
        finally:
            await pool.close()
    return rows
