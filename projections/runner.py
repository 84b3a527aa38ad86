"""The projection runner: follows the log from each version's checkpoint and folds it in batches.

A batch and the checkpoint move in one transaction, and the checkpoint only moves by compare-and-set,
so a crash never double-counts or skips, and two appliers of one version cannot both commit the same
batch. A session advisory lock per version (held on the runner's listening connection) makes one
process the applier; the others wait and take over when it goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
import structlog

from projections.catalog import PROJECTIONS, by_name
from projections.model import Event, Projection
from projections.registry import ensure_schema, try_lock, unlock

log = structlog.get_logger(__name__)

CHANNEL = "eduplan_events"
POLL_SECONDS = 1.0
RETIRED_GRACE_SECONDS = 30.0

# Below the snapshot xmin no transaction is still running, so nothing can commit behind the cursor.
_READ = """
SELECT transaction_id, position, tenant, type,
       CASE WHEN type = ANY($4::text[]) THEN data::text END AS data
FROM events
WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  AND (transaction_id, position) > ($1::xid8, $2::bigint)
ORDER BY transaction_id, position
LIMIT $3
"""

_MOVE = """
UPDATE projection_checkpoints
SET transaction_id = $3, position = $4, applied = applied + $5, updated_at = clock_timestamp()
WHERE name = $1 AND version = $2 AND transaction_id = $6 AND position = $7 AND retired_at IS NULL
"""


class CheckpointMoved(RuntimeError):
    """Another applier committed this version's batch first (or the version was retired)."""


@dataclass(frozen=True)
class Target:
    projection: Projection
    version: int
    building: bool

    @property
    def schema(self) -> str:
        return self.projection.schema(self.version)


async def apply_batch(conn: asyncpg.Connection, target: Target, batch_size: int) -> int:
    """Fold the next batch into ``target`` inside the caller's transaction; the number of events read."""
    projection = target.projection
    checkpoint = await conn.fetchrow(
        "SELECT transaction_id, position, applied FROM projection_checkpoints"
        " WHERE name = $1 AND version = $2 AND retired_at IS NULL",
        projection.name,
        target.version,
    )
    if checkpoint is None:
        return 0
    rows = await conn.fetch(
        _READ, checkpoint["transaction_id"], checkpoint["position"], batch_size, sorted(projection.handles)
    )
    if not rows:
        return 0
    base = checkpoint["applied"]
    events = [
        Event(base + i + 1, row["tenant"], row["type"], json.loads(row["data"]))
        for i, row in enumerate(rows)
        if row["data"] is not None
    ]
    await projection.apply(conn, target.schema, events)
    last = rows[-1]
    moved = await conn.execute(
        _MOVE,
        projection.name,
        target.version,
        last["transaction_id"],
        last["position"],
        len(rows),
        checkpoint["transaction_id"],
        checkpoint["position"],
    )
    if moved != "UPDATE 1":
        raise CheckpointMoved(target.schema)
    return len(rows)


async def apply_next(pool: asyncpg.Pool, target: Target, batch_size: int) -> int:
    """One batch in its own transaction; 0 when there is nothing to read (or another applier won)."""
    for _ in range(5):
        try:
            async with pool.acquire() as conn, conn.transaction():
                return await apply_batch(conn, target, batch_size)
        except CheckpointMoved:
            return 0
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            await asyncio.sleep(0.05)
    return 0


async def targets(conn: asyncpg.Connection | asyncpg.Pool, names: Iterable[str] | None = None) -> list[Target]:
    """The versions to keep applying: every active one, and any being built beside it."""
    wanted = {p.name for p in PROJECTIONS} if names is None else set(names)
    rows = await conn.fetch("SELECT name, active_version, building_version FROM projection_registry")
    found: list[Target] = []
    for row in rows:
        if row["name"] not in wanted:
            continue
        projection = by_name(row["name"])
        found.append(Target(projection, row["active_version"], building=False))
        if row["building_version"] is not None:
            found.append(Target(projection, row["building_version"], building=True))
    return found


async def drain(pool: asyncpg.Pool, chosen: list[Target], batch_size: int, stop: asyncio.Event | None = None) -> int:
    """Apply batches round-robin over the targets until none has anything left; events read."""
    total = 0
    pending = list(chosen)
    while pending and not (stop and stop.is_set()):
        still = []
        for target in pending:
            done = await apply_next(pool, target, batch_size)
            total += done
            if done:
                still.append(target)
        pending = still
    return total


async def catch_up(pool: asyncpg.Pool, *, batch_size: int = 1000) -> int:
    """Apply everything readable now to every active version (and any being built); events applied."""
    from projections.rebuild import try_switch

    await ensure_schema(pool)
    total = 0
    for target in await targets(pool):
        applied = await drain(pool, [target], batch_size)
        if not target.building:
            total += applied
        elif await try_switch(pool, target.projection, target.version):
            total += await drain(pool, [Target(target.projection, target.version, False)], batch_size)
    return total


async def run_projections(pool: asyncpg.Pool, stop: asyncio.Event, *, batch_size: int = 1000) -> None:
    """Catch up, then follow the log live (NOTIFY on ``eduplan_events``, polling as fallback) until stop."""
    await ensure_schema(pool)
    while not stop.is_set():
        try:
            await _follow(pool, stop, batch_size)
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
            log.warning("projection_runner_reconnecting", error=str(exc))
            await _sleep_until(stop, POLL_SECONDS)


async def _follow(pool: asyncpg.Pool, stop: asyncio.Event, batch_size: int) -> None:
    from projections.rebuild import drop_retired, try_switch

    wake = asyncio.Event()

    def notified(*_: object) -> None:
        wake.set()

    held: set[str] = set()
    next_cleanup = 0.0
    async with pool.acquire() as conn:
        await conn.add_listener(CHANNEL, notified)
        try:
            while not stop.is_set():
                wake.clear()
                wanted = await targets(conn)
                for schema in held - {t.schema for t in wanted}:
                    await unlock(conn, schema)
                    held.discard(schema)
                for target in wanted:
                    if target.schema not in held and await try_lock(conn, target.schema):
                        held.add(target.schema)
                        log.info("projection_applier", schema=target.schema, building=target.building)
                mine = [t for t in wanted if t.schema in held]
                await drain(pool, mine, batch_size, stop)
                for target in mine:
                    if target.building and await try_switch(pool, target.projection, target.version):
                        wake.set()
                if time.monotonic() >= next_cleanup:
                    await drop_retired(pool, RETIRED_GRACE_SECONDS)
                    next_cleanup = time.monotonic() + 10 * POLL_SECONDS
                await _sleep_until(stop, POLL_SECONDS, wake)
        finally:
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await conn.remove_listener(CHANNEL, notified)
                await conn.execute("SELECT pg_advisory_unlock_all()")


async def _sleep_until(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    waits = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waits.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
