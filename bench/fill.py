"""Filling a log without the intake: realistic event rows (and their accepted outcomes) generated server-side.

Used where only the intake's rate on a log of a given size is measured, not the filling itself:
tenants ``fill-0`` … ``fill-99``, booking streams of four versions (booked, check-in, completed,
shared), JSON data like the intake's.
"""

from __future__ import annotations

import time
from typing import Any

from infra.append_data import stream_lock_key

FILL_CHUNK = 500_000

_FILL_EVENTS = """
INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data)
SELECT 'fill-' || ((g / 4) % 100),
       'booking-f' || (g / 4),
       (g % 4) + 1,
       (ARRAY['CourseBooked', 'ManagerCheckInHeld', 'CourseCompleted', 'KnowledgeShared'])[(g % 4) + 1],
       timestamptz '2020-01-01 08:00+00' + (g % 2500) * interval '1 day',
       'fill-' || g,
       'hr-system:fill',
       CASE g % 4
         WHEN 0 THEN jsonb_build_object('booking_id', 'f' || (g / 4), 'employee_id', 'e' || (g % 5000),
                                        'booked_on', '2024-03-10', 'starts_on', '2024-04-08', 'ends_on', '2024-04-12',
                                        'course', jsonb_build_object('title', 'Welding, basic', 'kind', 'amu',
                                                                     'hours', 37, 'code', '4' || (g % 10000)),
                                        'buddies', '[]'::jsonb, 'collective', false)
         WHEN 1 THEN jsonb_build_object('booking_id', 'f' || (g / 4), 'held_on', '2024-04-10')
         WHEN 2 THEN jsonb_build_object('booking_id', 'f' || (g / 4), 'completed_on', '2024-04-12',
                                        'hours_attended', 37, 'passed', true)
         ELSE jsonb_build_object('booking_id', 'f' || (g / 4), 'shared_on', '2024-05-02', 'format', 'peer',
                                 'audience', 6)
       END
FROM generate_series($1::bigint, $2::bigint - 1) AS g
"""

_FILL_OUTCOMES = """
INSERT INTO outcomes (tenant, message_id, status, events, message_type, door)
SELECT tenant, message_id, 'accepted',
       jsonb_build_array(jsonb_build_object('stream', stream, 'version', version, 'position', position)),
       type, 'fill'
FROM events WHERE position > $1 AND tenant LIKE 'fill-%'
"""


async def fill(pool: Any, events: int) -> float:
    """Append ``events`` realistic events (and their outcomes) server-side, then VACUUM ANALYZE; seconds taken."""
    begin = time.perf_counter()
    for start in range(0, events, FILL_CHUNK):
        end = min(start + FILL_CHUNK, events)
        async with pool.acquire() as conn, conn.transaction():
            # Appenders hold stream locks from before their first write (040_log_horizon.sql); the streams
            # filled are new and the fill's own, so one lock stands for them all.
            await conn.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key("fill", "bulk"))
            last = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
            await conn.execute(_FILL_EVENTS, start, end)
            await conn.execute(_FILL_OUTCOMES, last)
    if events:
        await pool.execute("VACUUM ANALYZE events")
        await pool.execute("VACUUM ANALYZE outcomes")
    return time.perf_counter() - begin


# autovacuum's rule for when a table is due an ANALYZE: more rows changed since the last one than
# autovacuum_analyze_threshold + autovacuum_analyze_scale_factor × the rows counted then.
_DUE_FOR_ANALYZE = """
SELECT s.relname FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid
WHERE s.schemaname = 'public'
  AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
      + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
ORDER BY s.relname
"""


async def analyze_when_due(pool: Any) -> list[str]:
    """ANALYZE the tables autovacuum would analyze now; their names.

    The statistics of every benchmark database are then kept the same way, whether or not the server
    runs autovacuum (CI servers often do not) and whenever its worker would come round: without this,
    a log that starts empty keeps the plans made for a table of a few rows while it grows, and a
    filled log keeps the statistics of its fill.
    """
    due = [row["relname"] for row in await pool.fetch(_DUE_FOR_ANALYZE)]
    for table in due:
        await pool.execute(f'ANALYZE "{table}"')
    return due


async def checkpoint(pool: Any) -> None:
    """Flush what the fill dirtied, so its write-back does not land in the middle of the measurement."""
    try:
        await pool.execute("CHECKPOINT")
    except Exception:  # noqa: BLE001 - CHECKPOINT needs a privileged role; without it, measure anyway
        pass
