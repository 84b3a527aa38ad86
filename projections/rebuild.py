"""Rebuild without downtime: a new version is built beside the live one, then the registry switches.

The new version (its own schema) folds the log from the start while readers keep answering from the
live one; whoever holds its lock folds it (this call, or a runner that takes over if this process
dies), then ``switch.try_switch`` makes it the active one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import asyncpg
import structlog

from projections.batches import Folder, Target, analyze
from projections.catalog import PROJECTIONS, by_name
from projections.model import Projection
from projections.registry import create_version, ensure_schema, try_lock, unlock
from projections.switch import try_switch

log = structlog.get_logger(__name__)

Progress = Callable[[int, int], None]


async def rebuild(
    pool: asyncpg.Pool,
    name: str | None = None,
    progress: Progress | None = None,
    *,
    batch_size: int | None = None,
) -> None:
    """Build a new version of one projection (or of all) from the start of the log and switch to it.

    ``progress(done, total)`` is called after every batch: events read so far and an estimate of the
    events the new version has to read in all (it grows while events keep arriving). ``batch_size``: events
    per batch, or None for batches that grow while they come full.
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


async def _build(pool: asyncpg.Pool, target: Target, progress: Progress | None, batch_size: int | None) -> None:
    report = _Reporter(pool, target, progress)
    async with pool.acquire() as lock_conn:
        while True:
            if await try_lock(lock_conn, target.schema):
                folder = Folder(pool, target, batch_size)
                try:
                    while await folder.step():
                        await report()
                    await folder.close()
                    await analyze(pool, target.schema)
                    if await try_switch(pool, target.projection, target.version):
                        await report(final=True)
                        return
                finally:
                    await folder.close()
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
            await asyncio.sleep(0.05)


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
