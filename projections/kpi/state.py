"""A token of the KPI projection's state: while it stays the same, every read of the projection gives the
same answer (same version, same events applied), so a reader may keep an answer until it moves."""

from __future__ import annotations

import asyncpg

STATE = """
SELECT c.version, c.applied, c.position
FROM projection_registry r
JOIN projection_checkpoints c ON c.name = r.name AND c.version = r.active_version
WHERE r.name = 'kpi'
"""


async def state_token(pool: asyncpg.Pool) -> tuple[int, int, int] | None:
    """(active version, events applied, checkpoint position), or None before the projection is set up."""
    row = await pool.fetchrow(STATE)
    return None if row is None else (row["version"], row["applied"], row["position"])
