"""The outbox relay: follows the event log from its checkpoint and publishes every committed event.

At-least-once out: a batch is published, the broker's acknowledgements awaited, and only then the
checkpoint moved; a crash in between publishes the batch again (consumers drop repeats by position).
When only part of a batch was acknowledged (the broker went away meanwhile), the checkpoint moves past
the acknowledged prefix only (every event before the first unacknowledged one, in log order), and the
relay publishes again from there after a pause; the sink guarantees that nothing of a stream after an
unacknowledged event went out, so a stream's first deliveries stay in version order.

One relay is active at a time: each worker runs one, and the active one holds a session advisory lock
on a dedicated connection. The others try again every second; when the active process dies its
connection closes, PostgreSQL releases the lock, and one of them takes over from the checkpoint. The
checkpoint is moved by compare-and-set on that same connection, so a relay that lost its lease cannot
move it behind its successor's back.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg
import structlog

from infra.aio import stop_if_cancelled, wait_set
from infra.kafka.outbound import DeliveryFailed
from infra.store import NOTIFY_CHANNEL, START_CURSOR, EventStore

log = structlog.get_logger(__name__)


class EventSink(Protocol):
    async def publish(self, events: Sequence[dict[str, Any]]) -> None:
        """Return when every event is acknowledged; raise DeliveryFailed for a partial delivery."""


class LeaseLost(Exception):
    pass


def lease_key(name: str) -> int:
    digest = hashlib.blake2b(f"relay\x1f{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class OutboxRelay:
    def __init__(
        self,
        store: EventStore,
        sink: EventSink,
        *,
        name: str,
        batch_size: int = 1000,
        poll_interval: float = 0.2,
        lease_retry: float = 1.0,
        error_pause: float = 1.0,
    ) -> None:
        self.store = store
        self.sink = sink
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease_retry = lease_retry
        self.error_pause = error_pause
        self.active = asyncio.Event()  # set while this relay holds the lease
        self.published = 0
        self.lease_pid: int | None = None  # the server process holding the lease, while active
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Take the lease when it is free, then follow the log until cancelled."""
        while True:
            stop_if_cancelled()
            try:
                async with self.store.pool.acquire() as conn:
                    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", lease_key(self.name)):
                        await self._lead(conn)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - database or broker trouble: pause, then try again
                log.warning("relay_interrupted", relay=self.name, error=repr(error))
                await asyncio.sleep(self.error_pause)
                continue
            finally:
                self.active.clear()
                self.lease_pid = None
            await asyncio.sleep(self.lease_retry)

    async def _lead(self, conn: asyncpg.Connection) -> None:
        """Holding the lease (the connection's lock; released when the connection goes back or dies)."""
        self.lease_pid = conn.get_server_pid()
        self.active.set()
        log.info("relay_lease_taken", relay=self.name)
        await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        try:
            cursor = await self._checkpoint(conn)
            while True:
                stop_if_cancelled()
                if _gone(conn):
                    raise LeaseLost(f"relay {self.name}: the lease connection closed")
                # Sealed personal fields stay sealed: the sink withholds them (and reading skips the key look-ups).
                events, next_cursor = await self.store.read_all(cursor, self.batch_size, decrypt=False)
                if not events:
                    await self._sleep()
                    continue
                try:
                    await self.sink.publish(events)
                except DeliveryFailed as failure:
                    done = failure.acknowledged
                    log.warning("relay_delivery_failed", relay=self.name, acknowledged=done, events=len(events),
                                error=repr(failure.cause))
                    if done:
                        cursor = await self._advance(conn, cursor, events[done - 1]["cursor"], done)
                    await asyncio.sleep(self.error_pause)
                    continue
                cursor = await self._advance(conn, cursor, next_cursor, len(events))
                if len(events) < self.batch_size:
                    await self._sleep()
        finally:
            if not _gone(conn):
                await conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)

    async def _checkpoint(self, conn: asyncpg.Connection) -> str:
        await conn.execute(
            "INSERT INTO relay_checkpoints (name, cursor) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            self.name,
            START_CURSOR,
        )
        cursor: str = await conn.fetchval("SELECT cursor FROM relay_checkpoints WHERE name = $1", self.name)
        return cursor

    async def _advance(self, conn: asyncpg.Connection, old: str, new: str, count: int) -> str:
        """Move the checkpoint from ``old`` to ``new`` (``count`` events published); the new cursor."""
        status = await conn.execute(
            "UPDATE relay_checkpoints SET cursor = $3, updated_at = clock_timestamp()"
            " WHERE name = $1 AND cursor = $2",
            self.name,
            old,
            new,
        )
        if not status.endswith(" 1"):
            raise LeaseLost(f"relay {self.name}: the checkpoint moved under this relay")
        self.published += count
        return new

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _sleep(self) -> None:
        await wait_set(self._wake, self.poll_interval)
        self._wake.clear()


def _gone(conn: asyncpg.Connection) -> bool:
    """Whether the lease's connection is closed (the pool takes back a connection whose server went away, and
    its proxy then raises instead of answering)."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True
