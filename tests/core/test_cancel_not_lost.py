"""A background loop asked to stop stops, even when the cancel arrives in the same instant as its wake-up.

Python 3.11's asyncio.wait_for returns the inner result when the inner wait completes in the same loop round
as the cancel of its caller: the cancel is lost, and a loop built on it runs on for ever (a relay kept
following the log after its task was cancelled, and the process never stopped)."""

from __future__ import annotations

import asyncio
import time

import pytest

from infra.aio import side_by_side, stop_if_cancelled, to_the_end, wait_set
from infra.kafka.relay import OutboxRelay
from services.core.audit.checkpoints import Checkpointer


async def _woken_and_cancelled(wait, wake: asyncio.Event) -> asyncio.Task:
    task = asyncio.create_task(wait())
    await asyncio.sleep(0.01)  # the task waits on the event
    wake.set()  # its inner wait completes in the next round ...
    task.cancel()  # ... and the cancel arrives in the same round
    return task


async def test_the_relays_pause_passes_on_a_cancel_that_arrives_with_its_wake_up():
    relay = OutboxRelay(None, None, name="test", poll_interval=30)  # type: ignore[arg-type]
    task = await _woken_and_cancelled(relay._sleep, relay._wake)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(task), 5)


async def test_wait_set_passes_on_a_cancel_that_arrives_with_the_event():
    event = asyncio.Event()
    task = await _woken_and_cancelled(lambda: wait_set(event, 30), event)
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_wait_set_says_whether_the_event_was_set():
    event = asyncio.Event()
    assert await wait_set(event, 0.01) is False
    event.set()
    assert await wait_set(event, 0.01) is True


async def test_a_cancel_that_was_swallowed_below_still_stops_the_loop():
    async def swallowing() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            pass  # what 3.11's wait_for does in the race above

    async def loop() -> int:
        rounds = 0
        while True:
            stop_if_cancelled()
            rounds += 1
            await swallowing()

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(task), 5)


async def test_the_checkpointer_stops_when_closed_in_the_instant_it_is_woken():
    class Idle:  # never reached: the checkpoint round is not what is tested, the pause after it is
        pass

    checkpointer = Checkpointer(Idle(), None, every=30, poll=30)  # type: ignore[arg-type]

    async def one_pause() -> None:
        await checkpointer._pause(time.monotonic())

    task = await _woken_and_cancelled(one_pause, checkpointer._due)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(asyncio.shield(task), 5)


async def test_a_lease_connection_whose_server_went_away_counts_as_gone(database_url):
    import contextlib

    import asyncpg

    from infra.kafka.relay import _gone

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    conn = await pool.acquire()
    try:
        assert _gone(conn) is False
        await pool.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())
        for _ in range(100):  # the pool takes the connection back once it notices the loss
            if _gone(conn):
                break
            await asyncio.sleep(0.02)
        assert _gone(conn) is True
    finally:
        with contextlib.suppress(asyncpg.InterfaceError):
            await pool.release(conn)
        await pool.close()


async def test_side_by_side_ends_the_others_before_passing_on_an_error():
    ended: list[str] = []

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise ValueError("one failed")

    async def long() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.sleep(0.01)  # its clean-up takes a moment: it must be over before the error goes on
            ended.append("long")

    with pytest.raises(ValueError, match="one failed"):
        await side_by_side(fails(), long())
    assert ended == ["long"]
    assert await side_by_side(asyncio.sleep(0, "a"), asyncio.sleep(0.01, "b")) == ["a", "b"]


async def test_to_the_end_finishes_what_a_cancel_would_leave_running_in_the_background():
    done: list[str] = []

    async def release() -> None:  # as asyncpg's Pool.release: its caller's cancel does not stop it
        await asyncio.sleep(0.05)
        done.append("released")

    async def caller(through_to_the_end: bool) -> None:
        work = release()
        await (to_the_end(work) if through_to_the_end else asyncio.shield(work))

    for through, expected in ((False, []), (True, ["released"])):
        done.clear()
        task = asyncio.create_task(caller(through))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert done == expected  # the cancel reached the caller's caller only once the release was over
        await asyncio.sleep(0.06)  # the first round's release, left in the background, ends before the next


async def test_to_the_end_passes_the_cancel_on_when_the_work_then_fails():
    async def release() -> None:  # as a release that finds its connection broken
        await asyncio.sleep(0.05)
        raise ConnectionResetError("connection lost")

    task = asyncio.create_task(to_the_end(release()))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):  # the caller asked to stop: not an error it may handle and go on
        await task
    assert task.cancelled()
