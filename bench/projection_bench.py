"""Benchmarks 3 and 4: rebuilding the KPI projections, and reading KPI documents.

3. rebuild: every projection folds the whole log from a fresh checkpoint (``projections.catch_up`` on a
   database whose projections were never built), events/s — beside a plain asyncpg read of the same
   events in pages, in the same (transaction_id, position) order, with a trivial Python fold.
4. KPI document latency: ``projections.kpi_document`` for the 125-employee tenant (5 years of history)
   and for the 5,000-employee tenant, p50 and p99 over many as-of dates.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

import asyncpg

from bench.common import FreshDatabase, Row, Server, not_available, percentile, ratio_goal
from bench.feeds import LARGE_TENANT, SMALL_TENANT, dataset_info, kpi_dataset

FEED_END = date(2026, 11, 20)  # services.simulator.demo_data's default end of history


def _projections() -> Any:
    try:
        import projections
    except ImportError as error:
        return error
    missing = [n for n in ("catch_up", "ensure_schema", "kpi_document") if not hasattr(projections, n)]
    return projections if not missing else ImportError(f"projections lacks {', '.join(missing)}")


async def raw_read_fold(url: str, page: int = 1000) -> tuple[int, float]:
    """Read every event in log order, a page at a time, decode its data and fold it into counters.

    The events are those the projections read: below the horizon of ``infra.store.HORIZON_SQL`` (which only
    appends to this log hold back; the snapshot's xmin would stop early while any other transaction of the
    server is open), taken once before the first page.
    """
    from infra.store import HORIZON_SQL

    conn = await asyncpg.connect(url)
    try:
        horizon = await conn.fetchval(HORIZON_SQL)
        begin = time.perf_counter()
        per_type: Counter[tuple[str, str]] = Counter()
        hours: dict[str, float] = {}
        xid, position, read = "0", 0, 0
        while True:
            rows = await conn.fetch(
                "SELECT transaction_id::text AS xid, position, tenant, type, data::text AS data FROM events"
                " WHERE transaction_id < $4::text::xid8"
                "   AND (transaction_id, position) > ($1::text::xid8, $2::bigint)"
                " ORDER BY transaction_id, position LIMIT $3",
                xid, position, page, horizon,
            )
            if not rows:
                break
            for row in rows:
                data = json.loads(row["data"])
                per_type[(row["tenant"], row["type"])] += 1
                if row["type"] == "CourseCompleted":
                    hours[row["tenant"]] = hours.get(row["tenant"], 0.0) + float(data.get("hours_attended") or 0)
            read += len(rows)
            xid, position = rows[-1]["xid"], rows[-1]["position"]
        return read, time.perf_counter() - begin
    finally:
        await conn.close()


async def run_rebuild(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    projections = _projections()
    if isinstance(projections, Exception):
        return [not_available("projection rebuild", str(projections))]
    from infra.db import create_pool

    dataset = await kpi_dataset(server, quick=quick)
    holder = FreshDatabase(server, "rebuild", template=dataset.dbname, keep=True)
    async with holder as url:
        raw_events, raw_seconds = await raw_read_fold(url)
        pool = await create_pool(url, max_size=4)
        try:
            await projections.ensure_schema(pool)
            begin = time.perf_counter()
            applied = await projections.catch_up(pool)
            seconds = time.perf_counter() - begin
        finally:
            await pool.close()
        raw_events2, raw_seconds2 = await raw_read_fold(url)  # again, after: the cache is as warm for both
    # the KPI benchmark starts from a copy of this rebuilt database rather than folding the log again
    dataset.rebuilt_dbname = holder.dbname
    dataset.owned.append(holder.dbname)
    raw_rate = max(raw_events / raw_seconds, raw_events2 / raw_seconds2)
    return [ratio_goal(Row(
        benchmark="projection rebuild (all KPI projections)", figure=applied / seconds, unit="events/s",
        reference=raw_rate, reference_label="asyncpg paged read + trivial fold", goal="≥ 50 % of raw",
        extra={"events": applied, "seconds": round(seconds, 2), "raw_events": raw_events,
               "raw_seconds": [round(raw_seconds, 2), round(raw_seconds2, 2)], **dataset_info(dataset)},
    ), 0.5)]


async def run_kpi(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    projections = _projections()
    if isinstance(projections, Exception):
        return [not_available("KPI document latency", str(projections))]
    from infra.db import create_pool

    dataset = await kpi_dataset(server, quick=quick)
    template = dataset.rebuilt_dbname or dataset.dbname
    samples, budget = (40, 30.0) if quick else (200, 90.0)
    rows: list[Row] = []
    async with FreshDatabase(server, "kpi", template=template) as url:
        pool = await create_pool(url, max_size=4)
        try:
            await projections.ensure_schema(pool)
            await projections.catch_up(pool)
            for tenant, years, goal_ms in ((SMALL_TENANT, 5, 50.0), (LARGE_TENANT, dataset.large_years, 250.0)):
                employees = 125 if tenant == SMALL_TENANT else 5000
                # as-of dates spread over the last year of history, so no two reads ask the same question
                dates = [FEED_END - timedelta(days=(i * 37) % 365) for i in range(samples)]
                await projections.kpi_document(pool, tenant, FEED_END)  # warm-up
                latencies = []
                started = time.perf_counter()
                for as_of in dates:
                    begin = time.perf_counter()
                    document = await projections.kpi_document(pool, tenant, as_of)
                    latencies.append((time.perf_counter() - begin) * 1000)
                    if time.perf_counter() - started > budget and len(latencies) >= 3:
                        break  # a slow document: stop at the time budget, the samples so far are reported
                active = document.get("company", {}).get("active_employees")
                p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
                info = {"samples": len(latencies), "time_budget_s": budget, "p50_ms": round(p50, 2),
                        "p99_ms": round(p99, 2), "max_ms": round(max(latencies), 2), "active_employees_last": active,
                        **dataset_info(dataset)}
                label = f"KPI document, {employees:,} employees × {years} y"
                rows.append(Row(benchmark=f"{label} p50", figure=p50, unit="ms", goal="(p99 is the goal)",
                                extra=info))
                rows.append(Row(benchmark=f"{label} p99", figure=p99, unit="ms", goal=f"< {goal_ms:g} ms",
                                met=p99 < goal_ms, extra=info, note=_kpi_note(employees, years, len(latencies),
                                                                              samples)))
        finally:
            await pool.close()
    return rows


def _kpi_note(employees: int, years: int, taken: int, wanted: int) -> str:
    notes = []
    if employees == 5000 and years < 5:
        notes.append(f"{years} year{'s' if years > 1 else ''} of history for the 5,000-employee tenant, to keep"
                     " the run short")
    if taken < wanted:
        notes.append(f"{taken} of {wanted} samples: the time budget ran out")
    return "; ".join(notes)
