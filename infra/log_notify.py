"""Waking the followers of the log (projection runners, the outbox relay) after an append.

Followers LISTEN on :data:`NOTIFY_CHANNEL` and poll as well, so a lost wake-up costs at most a poll.
NOTIFY serialises the commits of the whole server, so a process sends it at most every
:data:`MIN_INTERVAL` seconds: an append within that time of the last NOTIFY schedules one for when
the interval is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg

NOTIFY_CHANNEL = "eduplan_events"
MIN_INTERVAL = 0.05


class LogNotifier:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def appended(self) -> None:
        """Something was appended: NOTIFY now, or once the interval since the last one is over."""
        wait = self._last + MIN_INTERVAL - time.monotonic()
        if wait <= 0:
            await self._send()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(wait, self._send_later)

    async def close(self) -> None:
        """Send the NOTIFY still due, and wait for every one under way."""
        if self._timer is not None:
            self._timer.cancel()
            self._send_later()
        while self._sending:
            await asyncio.gather(*self._sending)

    def _send_later(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self._send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self) -> None:
        self._last = time.monotonic()
        # Best effort: the batch is committed whatever happens here, and followers poll as well.
        with contextlib.suppress(Exception):
            await self.pool.execute(f"NOTIFY {NOTIFY_CHANNEL}")
