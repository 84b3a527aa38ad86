"""Running a KPI read's statement on the version that answers reads now."""

from __future__ import annotations

from typing import Any

import asyncpg

from projections.model import in_schema
from projections.registry import ensure_schema


class InvalidRead(ValueError):
    """A read asked with parameters it cannot answer; ``field`` names the parameter."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field} {detail}")
        self.field = field
        self.detail = detail


# A read hashes a tenant's facts by scope and edge: memory for the hash tables, so none spills to disk or
# falls back to sorting; compiling would take longer than these queries run. ``$1``: the plan cache mode (see
# ``fetch_active``'s ``planned_per_read``). Connection-level settings: the pool resets them when the connection
# goes back.
_ACTIVE_VERSION = """
SELECT set_config('work_mem', '64MB', false), set_config('jit', 'off', false),
       set_config('plan_cache_mode', $1::text, false), active_version
FROM projection_registry WHERE name = 'kpi'
"""


async def fetch_active(pool: asyncpg.Pool, sql: str, *args: Any, hashed: bool = False,
                       planned_per_read: bool = False) -> list[asyncpg.Record]:
    """The rows of ``sql`` (written with ``{s}`` for the schema) on the active version of the KPI projection.

    ``hashed``: the statement joins CTEs whose sizes the planner cannot know (a read as known at an instant,
    ``known``); it guesses them tiny and would join them in nested loops, a scan of one per row of the other.
    Such a statement runs with nested loops only where nothing else can join (hashes and merges otherwise).

    ``planned_per_read``: the statement is planned for each read's own parameters, never with the generic plan
    PostgreSQL may settle on for a prepared statement after a few executions. That plan does not know the date,
    so it cannot size what the date selects: the actions' statement ran 4–5× longer with it.
    """
    for attempt in range(3):
        try:
            async with pool.acquire() as conn:
                row = await conn.fetchrow(_ACTIVE_VERSION, "force_custom_plan" if planned_per_read else "auto")
                if row is None:
                    raise LookupError("the KPI projection is not set up")
                statement = in_schema(sql, f"kpi_v{row['active_version']}")
                if not hashed:
                    return list(await conn.fetch(statement, *args))
                async with conn.transaction(readonly=True):
                    await conn.execute("SET LOCAL enable_nestloop = off")
                    return list(await conn.fetch(statement, *args))
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            # Not set up yet, or a version retired and dropped between the registry read and the
            # query: set up if needed and read the registry again.
            if attempt == 2:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")
