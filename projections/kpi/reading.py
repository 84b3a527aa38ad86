"""Running a KPI read's statement on the version that answers reads now."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from infra.aio import side_by_side, to_the_end
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


_LOCK_SCHEMA = """
DO $$ DECLARE t regclass; BEGIN
    FOR t IN SELECT oid::regclass FROM pg_class WHERE relnamespace = '{s}'::regnamespace AND relkind = 'r' LOOP
        EXECUTE format('LOCK TABLE %s IN ACCESS SHARE MODE', t);
    END LOOP;
END $$
"""
"""Every table of the version ``{s}`` locked as a read locks it (it holds the locks until its transaction ends)."""

SECOND_CONNECTION_WAIT = 0.05
"""How long a read split in parts waits for a second connection before it runs its parts one after the other."""


async def fetch_active_parts(pool: asyncpg.Pool, statements: Sequence[str], *args: Any,
                             hashed: bool = False) -> list[asyncpg.Record]:
    """The rows of every statement of ``statements`` (each written with ``{s}``, see ``fetch_active``), all read
    in one snapshot of the active version: the first connection exports its snapshot and a second one, when the
    pool has one free within ``SECOND_CONNECTION_WAIT``, imports it and runs half the statements while the first
    runs the rest — two cores count one read's facts together. Without a free connection (a busy server), the
    statements run one after the other on the first connection, in the same snapshot."""
    for attempt in range(3):
        try:
            return await _fetch_parts(pool, statements, args, hashed)
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            if attempt == 2:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")


async def _fetch_parts(pool: asyncpg.Pool, statements: Sequence[str], args: tuple[Any, ...],
                       hashed: bool) -> list[asyncpg.Record]:
    async with borrowed(pool) as first, first.transaction(isolation="repeatable_read", readonly=True):
        snapshot = await first.fetchval("SELECT pg_export_snapshot()") if len(statements) > 1 else None
        schema = await _prepared(first, hashed)
        mine, theirs = list(statements), []
        async with _second(pool, snapshot, hashed) as second:
            if second is not None:
                theirs, mine = mine[len(mine) // 2:], mine[:len(mine) // 2]
                # The second part takes its tables' locks before the first part takes any: an exclusive lock
                # asked in between (a retired version's drop) would otherwise queue the second part behind it
                # while it waits for the first connection's transaction, which ends only with the second part.
                await second.execute(_LOCK_SCHEMA.replace("{s}", schema))
            # A failing part cancels the other, and its error goes on once that one has ended. Not a TaskGroup: it
            # stops a failing group by cancelling this task as well, and on 3.11 under load that cancel was seen to
            # reach the rollback below as a bare CancelledError instead of the part's error.
            parts = await side_by_side(_run_all(first, mine, schema, args),
                                       *([_run_all(second, theirs, schema, args)] if second is not None else []))
    return [row for part in parts for row in part]


async def _prepared(conn: asyncpg.Connection, hashed: bool) -> str:
    """The active version's schema, with the read's settings (transaction-local) on ``conn``."""
    row = await conn.fetchrow(_ACTIVE_VERSION.replace(", false)", ", true)"), "auto")
    if row is None:
        raise LookupError("the KPI projection is not set up")
    if hashed:
        await conn.execute("SET LOCAL enable_nestloop = off")
    return f"kpi_v{row['active_version']}"


@contextlib.asynccontextmanager
async def borrowed(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection of ``pool``, back in the pool (reset, idle) when the block has ended — also when it was
    cancelled, so a cancelled read leaves no connection still on its way back."""
    conn = await pool.acquire()
    try:
        yield conn
    finally:
        await to_the_end(pool.release(conn))


@contextlib.asynccontextmanager
async def _second(pool: asyncpg.Pool, snapshot: str | None,
                  hashed: bool) -> AsyncIterator[asyncpg.Connection | None]:
    """A second connection in ``snapshot``, or None when there is no snapshot or no free connection soon."""
    if snapshot is None or (pool.get_idle_size() == 0 and pool.get_size() >= pool.get_max_size()):
        yield None  # every connection is taken: waiting for one would only delay the read
        return
    try:  # the wait bounds the acquiring only: a timeout given to acquire would also bound the release
        async with asyncio.timeout(SECOND_CONNECTION_WAIT):
            conn = await pool.acquire()
    except TimeoutError:
        yield None
        return
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            await _prepared(conn, hashed)
            yield conn
    finally:
        await to_the_end(pool.release(conn))


async def _run_all(conn: asyncpg.Connection, statements: list[str], schema: str,
                   args: tuple[Any, ...]) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = []
    for statement in statements:
        rows += await conn.fetch(in_schema(statement, schema), *args)
    return rows

