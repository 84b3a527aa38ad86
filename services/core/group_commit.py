"""Group commit: concurrent single submits share batches, so many callers cost few commits.

While a batch is being written, the messages that arrive queue up and go together in the next one
(up to GROUP_MAX, messages of one door per batch, CONCURRENT_GROUPS batches in flight). A caller that
goes away does not take the others' batch with it; its message still gets its outcome stored.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.core.checks import Prepared

CONCURRENT_GROUPS = 2
GROUP_MAX = 100

ProcessBatch = Callable[[Sequence[Prepared], str], Awaitable[list[dict[str, Any]]]]


@dataclass
class _Waiting:
    prepared: Prepared
    door: str
    future: asyncio.Future[dict[str, Any]]


class GroupCommit:
    def __init__(self, process: ProcessBatch) -> None:
        self._process = process
        self._queue: deque[_Waiting] = deque()
        self._flushers: set[asyncio.Task[None]] = set()

    async def submit(self, prepared: Prepared, door: str) -> dict[str, Any]:
        waiting = _Waiting(prepared, door, asyncio.get_running_loop().create_future())
        self._queue.append(waiting)
        self._kick()
        return await waiting.future

    async def close(self) -> None:
        """Wait for the batches in flight (their callers may have gone; their outcomes are stored all the same)."""
        while self._flushers:
            await asyncio.gather(*self._flushers, return_exceptions=True)

    def _kick(self) -> None:
        if self._queue and len(self._flushers) < CONCURRENT_GROUPS:
            task = asyncio.create_task(self._flush())
            self._flushers.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._flushers.discard(task)
        self._kick()  # a message that arrived while this batch was ending still gets a flusher

    async def _flush(self) -> None:
        while self._queue:
            group = self._next_group()
            try:
                outcomes = await self._process([item.prepared for item in group], group[0].door)
            except BaseException as error:
                for item in group:
                    if not item.future.done():
                        item.future.set_exception(error)
                if not isinstance(error, Exception):
                    raise
            else:
                for item, outcome in zip(group, outcomes, strict=True):
                    if not item.future.done():
                        item.future.set_result(outcome)

    def _next_group(self) -> list[_Waiting]:
        """The oldest waiting message and the next ones of its door, up to GROUP_MAX; the rest keep their order."""
        door = self._queue[0].door
        group: list[_Waiting] = []
        rest: deque[_Waiting] = deque()
        while self._queue:
            item = self._queue.popleft()
            (group if item.door == door and len(group) < GROUP_MAX else rest).append(item)
        self._queue = rest
        return group
