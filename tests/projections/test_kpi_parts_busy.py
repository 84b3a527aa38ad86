"""A KPI read in parts on a busy service: the event loop also builds other requests' documents, so a reply can
wait on it for longer than the wait for a second connection. The read still answers, and gives every
connection back to the pool outside a transaction."""

from __future__ import annotations

import asyncio
import time
from datetime import date as D

import asyncpg
import kpi_facts as f
import pytest
from kpi_eventlog import EventLog

from projections import catch_up, kpi_document
from projections.kpi.reading import SECOND_CONNECTION_WAIT, fetch_active_parts

T = "busy"
BUSY = SECOND_CONNECTION_WAIT * 1.6
"""How long the loop is held by other work at a time: a little longer than the wait for a second connection
(building a large company's document in Python takes as long)."""


async def _history(log: EventLog) -> None:
    await log.append_many([(T, kind, data) for kind, data in (
        f.strategy(D(2024, 1, 1), month=7),
        f.hire("e1", "rd", D(2024, 1, 31)),
        f.hire("e2", "ops", D(2024, 2, 29)),
        f.manager("e2", "e1"),
        f.agree("a1", "e2", D(2024, 7, 1), due=D(2024, 9, 30)),
        f.book("b1", "e2", D(2024, 7, 2), D(2024, 9, 1), agreement="a1"),
        f.meeting(D(2024, 6, 30)),
    )])
    await catch_up(log.pool)


def _compute(seconds: float) -> None:
    """CPU-bound work: it does not yield to the event loop."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def _other_work(stop: asyncio.Event) -> None:
    """Other requests' CPU work on the same event loop, in slices of ``BUSY`` seconds."""
    while not stop.is_set():
        _compute(BUSY)
        await asyncio.sleep(0.001)


async def test_a_read_in_parts_answers_while_the_loop_is_busy_with_other_work(database_url, log):
    await _history(log)
    whole = await kpi_document(log.pool, T, D(2024, 12, 31), by_manager=True)
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=2)  # a second connection is free
    assert pool is not None
    stop = asyncio.Event()
    other = asyncio.create_task(_other_work(stop))
    try:
        for _ in range(3):
            assert await kpi_document(pool, T, D(2024, 12, 31), by_manager=True) == whole
    finally:
        stop.set()
        await other
        sizes = (pool.get_size(), pool.get_idle_size())
        await pool.close()
    assert sizes == (2, 2)  # no connection lost on the way back


@pytest.mark.parametrize("delay", [0.0, 0.002, 0.005, 0.01, 0.02, 0.04])
async def test_a_cancelled_read_in_parts_gives_back_both_connections_idle(database_url, log, delay):
    await _history(log)
    whole = await kpi_document(log.pool, T, D(2024, 12, 31), by_manager=True)
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=2)
    assert pool is not None
    try:
        read = asyncio.create_task(kpi_document(pool, T, D(2024, 12, 31), by_manager=True))
        await asyncio.sleep(delay)
        read.cancel()
        try:
            await read
        except asyncio.CancelledError:
            pass  # the read was cancelled (or had finished): either way nothing else may come out
        assert pool.get_idle_size() == pool.get_size()
        busy = await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'")
        assert busy == 0
        assert await kpi_document(pool, T, D(2024, 12, 31), by_manager=True) == whole
    finally:
        await pool.close()


@pytest.mark.parametrize("failing", [0, 1])
async def test_a_failing_part_fails_the_read_at_once_and_frees_both_connections(database_url, log, failing):
    await _history(log)
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=2)
    assert pool is not None
    parts = ["SELECT 1 AS n FROM pg_sleep(30)", "SELECT 1 AS n FROM pg_sleep(30)"]
    parts[failing] = "SELECT 1 / 0 AS n"
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            async with asyncio.timeout(20):  # the other part is cancelled, not waited for
                await fetch_active_parts(pool, parts)
        assert pool.get_idle_size() == pool.get_size() == 2
        busy = await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'")
        assert busy == 0
    finally:
        await pool.close()


@pytest.mark.parametrize("connections", [1, 2])  # 1: the parts one after the other, as the whole statement ran
async def test_an_exclusive_lock_asked_during_a_read_in_parts_is_granted_when_the_read_ends(database_url, log,
                                                                                           connections):
    """A retired version's drop (``switch.drop_retired``: ACCESS EXCLUSIVE, lock_timeout 2 s) asked while a read
    still uses that version waits for the read. The read's second part must not queue behind it: the first
    connection's transaction, whose lock the drop waits for, ends only when the second part does."""
    await _history(log)
    schema = f"kpi_v{await log.pool.fetchval('SELECT active_version FROM projection_registry WHERE name = $1', 'kpi')}"
    pool = await asyncpg.create_pool(database_url, min_size=connections, max_size=connections)
    assert pool is not None
    started = asyncio.Event()
    parts = ["SELECT count(*) AS n FROM {s}.employees",  # the first part: holds its lock until the read ends
             "SELECT 0::bigint AS n FROM pg_sleep(0.5)",  # the second part: its first statement takes a while …
             "SELECT count(*) AS n FROM {s}.employees"]  # … then it reads the table the drop is waiting for

    async def drop_while_reading() -> None:
        await started.wait()
        await asyncio.sleep(0.2)
        async with log.pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = '2s'")
            await conn.execute(f"LOCK TABLE {schema}.employees IN ACCESS EXCLUSIVE MODE")

    async def read() -> list[asyncpg.Record]:
        started.set()
        return await fetch_active_parts(pool, parts)

    try:
        rows, _ = await asyncio.gather(read(), drop_while_reading())
        assert sorted(row["n"] for row in rows) == [0, 2, 2]
    finally:
        await pool.close()
