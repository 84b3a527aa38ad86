"""The runner: exactly-once folding across crashes, concurrent appliers, live following, read-your-writes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import date

import asyncpg
import kpi_facts as f
import pytest
from kpi_compare import assert_matches_reference
from kpi_history import random_history, sample_dates

from projections import catch_up, kpi_document, rebuild, run_projections, status, tenants, wait_until_caught_up
from projections.model import Projection
from projections.runner import _sleep_until

T = "acme"


async def applied_events(pool: asyncpg.Pool) -> int:
    return await pool.fetchval(
        "SELECT c.applied FROM projection_checkpoints c JOIN projection_registry r"
        " ON r.name = c.name AND r.active_version = c.version"
    )


@contextlib.asynccontextmanager
async def running(url: str, *, batch_size: int = 1000):
    """A runner in its own pool, as another process would run it."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    stop = asyncio.Event()
    task = asyncio.create_task(run_projections(pool, stop, batch_size=batch_size))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await pool.close()


async def test_a_crash_after_writing_a_batch_leaves_neither_the_batch_nor_the_checkpoint(
    pool, log, monkeypatch
):
    await log.append_many([(T, k, d) for k, d in random_history(1, events=400)], per_transaction=10)
    original = Projection.apply
    calls = 0

    async def crashing(self, conn, schema, events):
        nonlocal calls
        calls += 1
        await original(self, conn, schema, events)
        if calls == 3:
            raise RuntimeError("the process dies here")

    monkeypatch.setattr(Projection, "apply", crashing)
    with pytest.raises(RuntimeError):
        await catch_up(pool, batch_size=50)
    assert await applied_events(pool) == 100
    monkeypatch.setattr(Projection, "apply", original)

    assert await catch_up(pool) == 300
    assert await applied_events(pool) == 400
    await assert_matches_reference(pool, log, T, sample_dates(1), per_department_every=4)
    recovered = [await kpi_document(pool, T, day) for day in sample_dates(1)]
    await rebuild(pool, "kpi")  # a clean replay from the start of the log
    assert [await kpi_document(pool, T, day) for day in sample_dates(1)] == recovered


async def test_a_connection_killed_mid_batch_rolls_the_batch_back(pool, log, monkeypatch):
    await log.append_many([(T, k, d) for k, d in random_history(2, events=300)], per_transaction=7)
    original = Projection.apply
    calls = 0

    async def killed(self, conn, schema, events):
        nonlocal calls
        calls += 1
        await original(self, conn, schema, events)
        if calls == 2:
            await pool.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())

    monkeypatch.setattr(Projection, "apply", killed)
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError)):
        await catch_up(pool, batch_size=64)
    assert await applied_events(pool) == 64
    monkeypatch.setattr(Projection, "apply", original)

    await catch_up(pool)
    assert await applied_events(pool) == 300
    await assert_matches_reference(pool, log, T, sample_dates(2), per_department_every=4)


async def test_a_crash_in_a_large_catch_up_batch_leaves_neither_it_nor_the_batch_read_ahead(pool, log, monkeypatch):
    # Catch-up batches grow (1000, 4000, ...) and the next one is read while one is folded: the crash hits
    # the second batch while the third is already read on another connection.
    facts = random_history(21, events=6000)
    await log.append_many([(T, k, d) for k, d in facts], per_transaction=50)
    original = Projection.apply
    sizes = []

    async def crashing(self, conn, schema, batch):
        sizes.append(batch.size)
        await original(self, conn, schema, batch)
        if len(sizes) == 2:
            raise RuntimeError("the process dies here")

    monkeypatch.setattr(Projection, "apply", crashing)
    with pytest.raises(RuntimeError):
        await catch_up(pool)
    assert sizes == [1000, 4000]
    assert await applied_events(pool) == 1000
    assert not await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'"
    )
    monkeypatch.setattr(Projection, "apply", original)

    assert await catch_up(pool) == len(facts) - 1000
    assert await applied_events(pool) == len(facts)
    await assert_matches_reference(pool, log, T, sample_dates(21), per_department_every=4)


async def test_a_pool_of_one_connection_folds_without_reading_ahead(database_url, log):
    facts = random_history(22, events=3000)
    await log.append_many([(T, k, d) for k, d in facts], per_transaction=30)
    single = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        assert await catch_up(single) == len(facts)
        await assert_matches_reference(single, log, T, sample_dates(22), per_department_every=4)
    finally:
        await single.close()


async def test_two_runners_at_once_fold_every_event_exactly_once(database_url, pool, log):
    facts = random_history(3, events=600)
    async with running(database_url, batch_size=20), running(database_url, batch_size=30):
        for start in range(0, len(facts), 25):
            await log.append_many([(T, k, d) for k, d in facts[start : start + 25]], per_transaction=5)
            await pool.execute("NOTIFY eduplan_events")
            await asyncio.sleep(0.01)
        assert await wait_until_caught_up(pool, T, timeout=15)
    assert await applied_events(pool) == len(facts)
    await assert_matches_reference(pool, log, T, sample_dates(3), per_department_every=4)


async def test_concurrent_one_shot_catch_ups_agree(pool, log):
    await log.append_many([(T, k, d) for k, d in random_history(4, events=500)], per_transaction=20)
    results = await asyncio.gather(*(catch_up(pool, batch_size=25) for _ in range(4)))
    assert sum(results) == 500
    assert await applied_events(pool) == 500
    await assert_matches_reference(pool, log, T, sample_dates(4), per_department_every=4)


async def test_a_live_runner_wakes_on_notify_and_reads_are_read_your_writes(database_url, pool, log):
    async with running(database_url):
        await asyncio.sleep(0.2)
        await log.append(T, *f.hire("e1", "rd", date(2024, 1, 1)))
        await pool.execute("NOTIFY eduplan_events")
        started = time.monotonic()
        assert await wait_until_caught_up(pool, T, timeout=5)
        assert time.monotonic() - started < 0.9  # sooner than the polling fallback
        doc = await kpi_document(pool, T, date(2024, 2, 1))
        assert doc["company"]["active_employees"] == 1

        # Without a notification the runner still polls.
        await log.append(T, *f.hire("e2", "rd", date(2024, 1, 1)))
        assert await wait_until_caught_up(pool, T, timeout=5)
        assert (await kpi_document(pool, T, date(2024, 2, 1)))["company"]["active_employees"] == 2


async def test_wait_until_caught_up_gives_up_without_a_runner(pool, log):
    await catch_up(pool)
    assert await wait_until_caught_up(pool, T, timeout=0.1)  # nothing to wait for
    await log.append(T, *f.hire("e1", "rd", date(2024, 1, 1)))
    assert not await wait_until_caught_up(pool, T, timeout=0.2)
    assert await wait_until_caught_up(pool, "other-tenant", timeout=0.1)
    await catch_up(pool)
    assert await wait_until_caught_up(pool, T, timeout=0.1)


async def test_an_older_transaction_committing_later_is_not_skipped(pool, log):
    await catch_up(pool)
    # A transaction that started writing first (smaller transaction id) but commits last.
    slow = await pool.acquire()
    try:
        transaction = slow.transaction()
        await transaction.start()
        rows = [log.prepare(T, *f.hire("early", "rd", date(2024, 1, 1)))]
        from kpi_eventlog import write

        await write(slow, rows)
        await log.append(T, *f.hire("late", "ops", date(2024, 1, 1)))
        await catch_up(pool, timeout=0.3)  # cannot read past the open transaction
        assert (await kpi_document(pool, T, date(2024, 2, 1)))["company"]["active_employees"] == 0
        await transaction.commit()
    finally:
        await pool.release(slow)
    await catch_up(pool)
    doc = await kpi_document(pool, T, date(2024, 2, 1))
    assert doc["company"]["active_employees"] == 2
    assert sorted(doc["departments"]) == ["ops", "rd"]


async def test_status_reports_lag_and_tenants_are_listed(pool, log):
    await log.append_many([(t, *f.hire("e1", "rd", date(2024, 1, 1))) for t in ("b-co", "a-co")])
    before = await status(pool)
    assert [(s["name"], s["active_version"], s["lag"]) for s in before] == [("kpi", 1, 2)]
    await catch_up(pool)
    after = (await status(pool))[0]
    assert after["lag"] == 0 and after["applied"] == 2 and after["building"] is None
    assert await tenants(pool) == ["a-co", "b-co"]


@pytest.mark.parametrize("ending", ["woken", "timed out", "stopped"])
async def test_the_runner_s_waits_leave_no_task_running(ending):
    """The tasks a runner starts to wait on its events have ended by the time the wait returns."""
    stop, wake = asyncio.Event(), asyncio.Event()
    before = asyncio.all_tasks()
    loop = asyncio.get_running_loop()
    if ending == "woken":
        loop.call_later(0.01, wake.set)
    elif ending == "stopped":
        loop.call_later(0.01, stop.set)
    await _sleep_until(stop, 5.0 if ending != "timed out" else 0.01, wake)
    assert asyncio.all_tasks() - before == set()


async def test_a_cancelled_wait_of_the_runner_leaves_no_task_running():
    stop = asyncio.Event()
    before = asyncio.all_tasks()
    waiting = asyncio.create_task(_sleep_until(stop, 5.0))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert asyncio.all_tasks() - before == set()


async def _session_tables(conn: asyncpg.Connection) -> dict[str, tuple[int, int]]:
    """(rows, bytes) of each of the session's temporary tables."""
    names = [r["relname"] for r in await conn.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'")]
    return {name: (await conn.fetchval(f"SELECT count(*) FROM pg_temp.{name}"),
                   await conn.fetchval(f"SELECT pg_total_relation_size('pg_temp.{name}')")) for name in names}


async def test_the_session_s_tables_are_emptied_by_each_batch_and_do_not_grow_without_bound(
    database_url, log, monkeypatch
):
    import projections.batches
    import projections.model

    facts = random_history(23, events=1200)
    await log.append_many([(T, k, d) for k, d in facts], per_transaction=30)
    monkeypatch.setattr(projections.model, "TRUNCATE_FROM_BYTES", 64 * 1024)
    single = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        assert await catch_up(single, batch_size=25) == len(facts)  # 48 batches in one session
        await assert_matches_reference(single, log, T, sample_dates(23), per_department_every=4)
        async with single.acquire() as conn:
            tables = await _session_tables(conn)
        assert "projection_batch" in tables
        # Only the last batch's rows are left, and the files were cut back once they reached the threshold.
        assert tables["projection_batch"][0] <= 25
        assert all(size < 64 * 1024 + 32 * 1024 for _, size in tables.values()), tables

        # A large batch's rows do not wait for the session's next batch.
        monkeypatch.setattr(projections.batches, "ANALYZE_BATCH_FROM", 100)
        await log.append_many([(T, k, d) for k, d in random_history(24, events=300)], per_transaction=30)
        assert await catch_up(single, batch_size=1000) == 300
        async with single.acquire() as conn:
            assert all(rows == 0 for rows, _ in (await _session_tables(conn)).values())
    finally:
        await single.close()
