"""The learning-records export of one large tenant: `eduplan export xapi` as its own process.

The tenant's log is filled server-side (as ``bench/fill.py`` does): booking streams of four versions —
booked, check-in, then completed (1 in 20 cancelled instead) and shared (a check-in where cancelled) — so
about three of every four events speak. Figure: events/s over the process's wall time, and its peak
RSS; beside it, a plain asyncpg paged read of the same events with a trivial fold.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from bench.common import FreshDatabase, Row, Server
from bench.ingest_bench import eduplan_command
from bench.projection_bench import raw_read_fold

TENANT = "xapi-large"
RSS_LIMIT_MB = 250.0

_FILL = """
INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data)
SELECT $3, 'booking-x' || (g / 4), (g % 4) + 1,
       CASE WHEN g % 4 = 0 THEN 'CourseBooked'
            WHEN g % 4 = 1 OR (g % 4 = 3 AND (g / 4) % 20 = 0) THEN 'ManagerCheckInHeld'
            WHEN (g / 4) % 20 = 0 THEN 'CourseCancelled'
            WHEN g % 4 = 2 THEN 'CourseCompleted'
            ELSE 'KnowledgeShared' END,
       timestamptz '2020-01-01 08:00+00' + (g % 2500) * interval '1 day', 'x-' || g, 'hr-system:bench',
       CASE
         WHEN g % 4 = 0 THEN jsonb_build_object('booking_id', 'x' || (g / 4), 'employee_id', 'e' || ((g / 4) % 5000),
                                        'booked_on', '2024-03-10', 'agreement_id', 'a' || (g / 4),
                                        'starts_on', '2024-04-08', 'ends_on', '2024-04-12',
                                        'course', jsonb_build_object('title', 'Svejsning, grundlæggende', 'kind',
                                                                     'amu', 'hours', 37, 'code', '4' || (g % 10000)),
                                        'buddies', '[]'::jsonb, 'collective', false)
         WHEN g % 4 = 1 OR (g % 4 = 3 AND (g / 4) % 20 = 0)
           THEN jsonb_build_object('booking_id', 'x' || (g / 4), 'held_on', '2024-04-10')
         WHEN (g / 4) % 20 = 0 THEN jsonb_build_object('booking_id', 'x' || (g / 4), 'cancelled_on', '2024-03-20',
                                                       'reason', jsonb_build_object('v', 1, 'ct', 'opaque'))
         WHEN g % 4 = 2 THEN jsonb_build_object('booking_id', 'x' || (g / 4), 'completed_on', '2024-04-12',
                                                'hours_attended', 36.5, 'passed', (g / 4) % 30 <> 0)
         ELSE jsonb_build_object('booking_id', 'x' || (g / 4), 'shared_on', '2024-05-02', 'format', 'peer',
                                 'audience', 6)
       END
FROM generate_series($1::bigint, $2::bigint - 1) AS g
"""


async def fill_tenant(url: str, events: int, chunk: int = 250_000) -> None:
    from infra.append_data import stream_lock_key
    from infra.db import create_pool, migrate

    pool = await create_pool(url, max_size=2)
    try:
        await migrate(pool)
        for start in range(0, events, chunk):
            async with pool.acquire() as conn, conn.transaction():
                # Appenders hold a stream lock from before their first write (040_log_horizon.sql); the fill's
                # streams are its own, so one lock stands for them all.
                await conn.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key(TENANT, "fill"))
                await conn.execute(_FILL, start, min(start + chunk, events), TENANT)
        await pool.execute("INSERT INTO outcomes (tenant, message_id, status, events, message_type, door)"
                           " VALUES ($1, 'x-0', 'accepted', '[]', 'CourseBooked', 'fill')", TENANT)
        await pool.execute("VACUUM ANALYZE events")
    finally:
        await pool.close()


def export_process(url: str, out: Path) -> dict[str, Any]:
    """Run `eduplan export xapi` into ``out``; wall time and peak RSS (polled every 20 ms)."""
    env = {**os.environ, "EDUPLAN_DATABASE_URL": url, "EDUPLAN_LOG_LEVEL": "WARNING"}
    begin = time.perf_counter()
    child = subprocess.Popen([*eduplan_command(), "export", "xapi", "--tenant", TENANT, "--out", str(out)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    try:
        watched = psutil.Process(child.pid)
        while child.poll() is None:
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)
        _, err = child.communicate()
    except BaseException:
        child.kill()
        raise
    elapsed = time.perf_counter() - begin
    if child.returncode != 0:
        raise RuntimeError(f"eduplan export exited {child.returncode}: {err.decode(errors='replace')[-2000:]}")
    with open(out, "rb") as written:
        statements = sum(1 for _ in written)
    return {"seconds": elapsed, "peak_rss_mb": peak / 2**20, "statements": statements,
            "bytes": out.stat().st_size}


async def run(server: Server, *, quick: bool, work_dir: Path, **_: Any) -> list[Row]:
    events = 100_000 if quick else 1_000_000
    async with FreshDatabase(server, "xapi") as url:
        await fill_tenant(url, events)
        raw_events, raw_seconds = await raw_read_fold(url, page=2000)
        with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
            ours = await asyncio.to_thread(export_process, url, Path(tmp) / "statements.jsonl")
        raw_events2, raw_seconds2 = await raw_read_fold(url, page=2000)
    raw_rate = max(raw_events / raw_seconds, raw_events2 / raw_seconds2)
    info = {"events": events, "raw_events": raw_events, **{k: round(v, 2) if isinstance(v, float) else v
                                                          for k, v in ours.items()}}
    scale = f"{events:,} events of one tenant"
    return [
        Row(benchmark=f"xAPI export, {scale} (separate process)", figure=events / ours["seconds"], unit="events/s",
            reference=raw_rate, reference_label="asyncpg paged read + trivial fold", goal="(shown beside)",
            note=f"{ours['statements']:,} statements, start-up included", extra=info),
        Row(benchmark=f"xAPI export peak RSS, {scale}", figure=ours["peak_rss_mb"], unit="MB",
            goal=f"< {RSS_LIMIT_MB:g} MB (1 M events)", met=ours["peak_rss_mb"] < RSS_LIMIT_MB, extra=info),
    ]
