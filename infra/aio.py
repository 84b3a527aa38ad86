"""Waiting in background loops without losing a cancel.

Python 3.11's ``asyncio.wait_for`` returns the inner result when the inner wait completes in the same loop
round as the cancel of its caller: the cancel is lost, and a loop built on it runs on for ever. These wait
with ``asyncio.timeout`` instead, which passes such a cancel on; and a loop that runs until cancelled checks
at each round that nobody asked it to stop (a task keeps the count of cancels asked of it even when code
below swallowed one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


async def wait_set(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set or ``seconds`` have passed; whether it was set."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """``await awaitable``, raising TimeoutError after ``seconds`` (a cancel from outside is passed on)."""
    async with asyncio.timeout(seconds):
        return await awaitable


def stop_if_cancelled() -> None:
    """Raise CancelledError when this task was asked to stop and the request was lost below."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def side_by_side(*coroutines: Awaitable[T]) -> list[T]:
    """Their results, run as tasks side by side; should one fail (or this be cancelled), the others are cancelled
    and have ended before the error goes on."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        await cancel_all(tasks)


async def cancel_all(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until each has ended (an error of theirs was theirs to log)."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def to_the_end(awaitable: Awaitable[T]) -> T:
    """``await awaitable`` to its end even when this task is cancelled meanwhile; the cancel goes on after it.
    (asyncpg's ``Pool.release`` goes on in the background when its caller is cancelled: awaited through this,
    the connection is back in the pool by the time the caller's cancel reaches its own caller.)"""
    work = asyncio.ensure_future(awaitable)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(work)
        except asyncio.CancelledError:
            if work.done():
                raise
            cancelled = True
            continue
        except BaseException as failed:
            if cancelled:  # the caller asked to stop: the cancel goes on (the work's error as its cause)
                raise asyncio.CancelledError from failed
            raise
        if cancelled:
            raise asyncio.CancelledError
        return result
