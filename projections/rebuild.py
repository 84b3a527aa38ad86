"""Rebuild without downtime: a new version is built beside the live one, then the registry switches.

The new version (its own schema) folds the log from the start while readers keep answering from the
live one. The switch is one transaction that locks both versions' checkpoints (so neither can move),
lets the new version read up to the live one's cursor, and only then points the registry at it —
readers never see older data after the switch. The retired version's schema is dropped later, once
reads that started before the switch have long finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import asyncpg
import structlog

from projections.catalog import PROJECTIONS, by_name
from projections.model import Projection
from projections.registry import create_version, ensure_schema, try_lock, unlock
from projections.runner import Target, apply_batch, apply_next

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], None]


async def rebuild(
    pool: asyncpg.Pool,
    name: str | None = None,
    progress: Progress | None = None,
    *,
    batch_size: int = 1000,
) -> None:
    """Build a new version of one projection (or of all) from the start of the log and switch to it.

    ``progress(done, total)`` is called after every batch: events read so far and an estimate of the
    events the new version has to read in all (it grows while events keep arriving).
    """
    await ensure_schema(pool)
    for projection in [by_name(name)] if name else list(PROJECTIONS):
        version = await _building_version(pool, projection)
        log.info("projection_rebuild_started", projection=projection.name, version=version)
        await _build(pool, Target(projection, version, building=True), progress, batch_size)
        log.info("projection_rebuild_switched", projection=projection.name, version=version)


async def _building_version(pool: asyncpg.Pool, projection: Projection) -> int:
    """The version being built (one left by an interrupted rebuild is continued), else a new one."""
    async with pool.acquire() as conn, conn.transaction():
        building = await conn.fetchval(
            "SELECT building_version FROM projection_registry WHERE name = $1 FOR UPDATE", projection.name
        )
        if building is not None:
            return int(building)
        version = await create_version(conn, projection)
        await conn.execute(
            "UPDATE projection_registry SET building_version = $2, updated_at = clock_timestamp() WHERE name = $1",
            projection.name,
            version,
        )
        return version


async def _build(pool: asyncpg.Pool, target: Target, progress: Progress | None, batch_size: int) -> None:
    report = _Reporter(pool, target, progress)
    async with pool.acquire() as lock_conn:
        while True:
            if await try_lock(lock_conn, target.schema):
                try:
                    while await apply_next(pool, target, batch_size):
                        await report()
                    if await try_switch(pool, target.projection, target.version):
                        await report(final=True)
                        return
                finally:
                    await unlock(lock_conn, target.schema)
            elif await _is_active(pool, target):
                # Another process (a runner) built it and switched.
                await report(final=True)
                return
            else:
                await report()
                await asyncio.sleep(0.25)
            if not await _is_active(pool, target) and not await _is_building(pool, target):
                raise RuntimeError(f"{target.schema} was abandoned while it was being built")


async def try_switch(pool: asyncpg.Pool, projection: Projection, version: int) -> bool:
    """Make ``version`` the active one once it has read at least as far as the live version.

    True when it is (or already was) active; False when it is not the version being built.
    """
    async with pool.acquire() as conn, conn.transaction():
        registry = await conn.fetchrow(
            "SELECT active_version, building_version FROM projection_registry WHERE name = $1 FOR UPDATE",
            projection.name,
        )
        if registry is None or registry["building_version"] != version:
            return registry is not None and registry["active_version"] == version
        live = registry["active_version"]
        cursors = {
            row["version"]: (row["transaction_id"], row["position"])
            for row in await conn.fetch(
                "SELECT version, transaction_id, position FROM projection_checkpoints"
                " WHERE name = $1 AND version = ANY($2::int[]) ORDER BY version FOR UPDATE",
                projection.name,
                [live, version],
            )
        }
        # The final catch-up: the live version cannot move now, so this ends at its cursor.
        target = Target(projection, version, building=True)
        while cursors[version] < cursors.get(live, (0, 0)):
            if not await apply_batch(conn, target, 1000):
                return False
            row = await conn.fetchrow(
                "SELECT transaction_id, position FROM projection_checkpoints WHERE name = $1 AND version = $2",
                projection.name,
                version,
            )
            cursors[version] = (row["transaction_id"], row["position"])
        await conn.execute(
            "UPDATE projection_registry SET active_version = $2, building_version = NULL,"
            " layout = (SELECT layout FROM projection_checkpoints WHERE name = $1 AND version = $2),"
            " updated_at = clock_timestamp() WHERE name = $1",
            projection.name,
            version,
        )
        await conn.execute(
            "UPDATE projection_checkpoints SET retired_at = clock_timestamp() WHERE name = $1 AND version = $2",
            projection.name,
            live,
        )
        return True


async def drop_retired(pool: asyncpg.Pool, grace_seconds: float) -> list[str]:
    """Drop the schemas of versions retired more than ``grace_seconds`` ago; the schemas dropped."""
    rows = await pool.fetch(
        "SELECT name, version FROM projection_checkpoints"
        " WHERE retired_at < clock_timestamp() - make_interval(secs => $1)",
        grace_seconds,
    )
    dropped = []
    for row in rows:
        schema = by_name(row["name"]).schema(row["version"])
        try:
            async with pool.acquire() as conn, conn.transaction():
                # A read that still uses the schema keeps it; try again on the next round.
                await conn.execute("SET LOCAL lock_timeout = '2s'")
                await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                await conn.execute(
                    "DELETE FROM projection_checkpoints WHERE name = $1 AND version = $2",
                    row["name"],
                    row["version"],
                )
            dropped.append(schema)
            log.info("projection_version_dropped", schema=schema)
        except asyncpg.LockNotAvailableError:
            continue
    return dropped


async def _is_active(pool: asyncpg.Pool, target: Target) -> bool:
    active = await pool.fetchval(
        "SELECT active_version FROM projection_registry WHERE name = $1", target.projection.name
    )
    return bool(active == target.version)


async def _is_building(pool: asyncpg.Pool, target: Target) -> bool:
    building = await pool.fetchval(
        "SELECT building_version FROM projection_registry WHERE name = $1", target.projection.name
    )
    return bool(building == target.version)


class _Reporter:
    """Calls ``progress(done, total)``; the remaining events are counted again at most every 2 s."""

    def __init__(self, pool: asyncpg.Pool, target: Target, progress: Progress | None) -> None:
        self.pool, self.target, self.progress = pool, target, progress
        self.total = 0
        self.counted_at = 0.0

    async def __call__(self, *, final: bool = False) -> None:
        if self.progress is None:
            return
        row = await self.pool.fetchrow(
            "SELECT transaction_id, position, applied FROM projection_checkpoints WHERE name = $1 AND version = $2",
            self.target.projection.name,
            self.target.version,
        )
        if row is None:
            return
        done = row["applied"]
        if final:
            self.total = done
        elif time.monotonic() - self.counted_at >= 2.0:
            remaining = await self.pool.fetchval(
                "SELECT count(*) FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint)",
                row["transaction_id"],
                row["position"],
            )
            self.total = done + remaining
            self.counted_at = time.monotonic()
        self.progress(done, max(self.total, done))
