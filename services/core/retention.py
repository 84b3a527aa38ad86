"""The retention sweep of raw rejected messages, in every process that opens the application core.

Each process sweeps when it opens the core and then every SWEEP_EVERY_SECONDS while it runs (so the
long-running `serve`, `worker` and `project` keep the retention period; any command that runs sweeps
once), and `eduplan erase` sweeps after erasing. Sweeps of several processes do not disturb each other.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from infra.store import EventStore

log = structlog.get_logger(__name__)

SWEEP_EVERY_SECONDS = 3600.0


class RetentionSweeper:
    def __init__(self, store: EventStore, every: float = SWEEP_EVERY_SECONDS) -> None:
        self._store = store
        self._every = every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._store.sweep_rejections()
            except Exception as error:  # noqa: BLE001 - the next sweep tries again; the process goes on
                log.warning("rejection_sweep_failed", error=str(error) or type(error).__name__)
            await asyncio.sleep(self._every)
