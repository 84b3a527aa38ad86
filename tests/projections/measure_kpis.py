"""A quick measurement, not a test: fold throughput and KPI document latency on an existing database.

    PYTHONPATH=. .venv/bin/python tests/projections/measure_kpis.py postgresql://…/DBNAME TENANT [TENANT …]

The database must hold an event log (for example one filled with services.simulator.demo_data through the
intake). The projections are built from scratch in a fresh version (a rebuild), then each tenant's
document is read for 200 as-of dates spread over the year before its last event.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta

import asyncpg

from projections import ensure_schema, kpi_document, rebuild, status


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(url: str, tenants: list[str]) -> None:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    assert pool is not None
    try:
        await ensure_schema(pool)
        events = await pool.fetchval("SELECT count(*) FROM events")
        begin = time.perf_counter()
        await rebuild(pool, "kpi")
        seconds = time.perf_counter() - begin
        print(f"rebuild: {events} events in {seconds:.2f} s = {events / seconds:,.0f} events/s; {await status(pool)}")
        for tenant in tenants:
            last = await pool.fetchval(
                "SELECT max((data->>'completed_on')::date) FROM events WHERE tenant = $1 AND type = 'CourseCompleted'",
                tenant,
            )
            dates = [last - timedelta(days=(i * 37) % 365) for i in range(200)]
            for as_of in dates[:5]:
                await kpi_document(pool, tenant, as_of)
            latencies = []
            for as_of in dates:
                started = time.perf_counter()
                document = await kpi_document(pool, tenant, as_of)
                latencies.append((time.perf_counter() - started) * 1000)
            print(
                f"{tenant}: active={document['company']['active_employees']}"
                f" departments={len(document['departments'])} p50={percentile(latencies, 50):.1f} ms"
                f" p99={percentile(latencies, 99):.1f} ms max={max(latencies):.1f} ms"
            )
    finally:
        await pool.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
