"""The projection runner: follows the log from each version's checkpoint, catch-up then live.

A connection-level advisory lock per version (held on the runner's listening connection) makes one
process the applier of that version; the others wait and take over when it goes away. Safety does not depend
on the lock: batches move checkpoints by compare-and-set (see ``batches``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import structlog

from infra.aio import cancel_all
from infra.store import NOTIFY_CHANNEL, log_head
from projections.batches import Folder, Target, analyze, caught_up_to, targets
from projections.indexes import build_read_indexes
from projections.registry import ensure_schema, try_lock, unlock
from projections.switch import drop_retired, try_switch

log = structlog.get_logger(__name__)

CHANNEL = NOTIFY_CHANNEL
POLL_SECONDS = 1.0
RETIRED_GRACE_SECONDS = 30.0
FAILURE_PAUSE_SECONDS = 5.0
ANALYZE_AFTER_EVENTS = 5000
DRAIN_EVERY_SECONDS = 0.1
"""A live runner starts a drain at most this often. The writers NOTIFY at most every 50 ms
(``infra.log_notify``); under a steady load a drain every 100 ms folds the events of two such wake-ups in
one batch, and a batch's fixed cost (its transaction, the reads of the checkpoint and the horizon, the
session's tables, each step's statement) is about as large as that of folding a few dozen events. An event
waits at most this long past its NOTIFY before its fold starts."""


async def drain(
    pool: asyncpg.Pool, chosen: list[Target], batch_size: int | None, stop: asyncio.Event | None = None
) -> int:
    """Apply batches round-robin over the targets until each has reached the head of the log; events read.

    A target is done with its first batch that is not full: what was appended meanwhile waits for the caller's
    next drain (the runner is woken by its NOTIFY), rather than costing an empty read and its transaction here.
    ``batch_size``: events per batch, or None for batches that grow while they come full (see batches).
    """
    total = 0
    pending = list(chosen)
    applied = dict.fromkeys(chosen, 0)
    folders = {target: Folder(pool, target, batch_size) for target in chosen}
    try:
        while pending and not (stop and stop.is_set()):
            still = []
            for target in pending:
                done = await folders[target].step()
                applied[target] += done
                if done and not folders[target].at_head:
                    still.append(target)
            pending = still
    finally:
        for folder in folders.values():
            await folder.close()
    for target, count in applied.items():
        total += count
        if folders[target].unindexed and not (stop and stop.is_set()):
            # Its first catch-up has come to the head of the log: reads are served with these from now on.
            await build_read_indexes(pool, target.projection, target.schema)
        if count >= ANALYZE_AFTER_EVENTS:
            await analyze(pool, target.schema)
    return total


async def catch_up(pool: asyncpg.Pool, *, batch_size: int | None = None, timeout: float = 10.0) -> int:  # noqa: ASYNC109
    """Apply every event committed now to every active version (and any being built); events applied.

    Events become readable once no older append is still running (infra.store.HORIZON_SQL), so this
    waits (at most ``timeout`` s) for the ones committed before the call to become readable.
    """
    await ensure_schema(pool)
    head = await log_head(pool)
    deadline = time.monotonic() + timeout
    total = 0
    while True:
        for target in await targets(pool):
            applied = await drain(pool, [target], batch_size)
            if not target.building:
                total += applied
            elif await try_switch(pool, target.projection, target.version):
                total += await drain(pool, [Target(target.projection, target.version, False)], batch_size)
        if head is None or await caught_up_to(pool, head) or time.monotonic() >= deadline:
            return total
        await asyncio.sleep(0.01)


async def run_projections(pool: asyncpg.Pool, stop: asyncio.Event, *, batch_size: int | None = None) -> None:
    """Catch up, then follow the log live (NOTIFY on ``eduplan_events``, polling as fallback) until stop."""
    await ensure_schema(pool)
    while not stop.is_set():
        try:
            await _follow(pool, stop, batch_size)
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
            log.warning("projection_runner_reconnecting", error=str(exc))
            await _sleep_until(stop, POLL_SECONDS)
        except Exception:
            # A batch that cannot be folded stays unapplied (its transaction rolled back); the lag shows
            # in status() and the runner tries again rather than dying with the process around it.
            log.exception("projection_runner_failed")
            await _sleep_until(stop, FAILURE_PAUSE_SECONDS)


async def _follow(pool: asyncpg.Pool, stop: asyncio.Event, batch_size: int | None) -> None:
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
                started = time.monotonic()
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
                rest = started + DRAIN_EVERY_SECONDS - time.monotonic()
                if rest > 0 and not stop.is_set():
                    await _sleep_until(stop, rest)
        finally:
            with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await conn.remove_listener(CHANNEL, notified)
                await conn.execute("SELECT pg_advisory_unlock_all()")


async def _sleep_until(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    """Sleep ``seconds``, or until ``stop`` (or ``wake``) is set; the waiting tasks end before it returns."""
    waits = [asyncio.create_task(stop.wait())]
    if wake is not None:
        waits.append(asyncio.create_task(wake.wait()))
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_all(waits)
