"""Rebuilding a projection beside the live one: reads never fail, nothing is lost, the switch is atomic."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date

import asyncpg
from kpi_compare import assert_matches_reference
from kpi_history import random_history, sample_dates

from projections import (
    catch_up,
    ensure_schema,
    indexes,
    kpi_document,
    rebuild,
    run_projections,
    status,
    wait_until_caught_up,
)
from projections.batches import Target, apply_batch
from projections.catalog import by_name
from projections.registry import create_version
from projections.switch import drop_retired, try_switch

T = "acme"


async def schemas(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kpi_v%' ORDER BY 1")
    return [row["nspname"] for row in rows]


@contextlib.asynccontextmanager
async def live_runner(url: str):
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    stop = asyncio.Event()
    task = asyncio.create_task(run_projections(pool, stop, batch_size=100))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await pool.close()


async def test_rebuild_while_events_arrive_keeps_answering_and_ends_equal_to_a_clean_replay(
    database_url, pool, log
):
    facts = random_history(11, events=1500)
    await log.append_many([(T, k, d) for k, d in facts[:900]], per_transaction=10)
    await catch_up(pool)
    reads, failures = 0, []
    writing_done = asyncio.Event()
    progress: list[tuple[int, int]] = []

    async def write() -> None:
        for start in range(900, len(facts), 20):
            await log.append_many([(T, k, d) for k, d in facts[start : start + 20]], per_transaction=4)
            await pool.execute("NOTIFY eduplan_events")
            await asyncio.sleep(0.005)
        writing_done.set()

    async def read() -> None:
        nonlocal reads
        while not writing_done.is_set():
            try:
                doc = await kpi_document(pool, T, date(2024, 6, 1))
                assert doc["company"]["active_employees"] >= 0
                reads += 1
            except Exception as exc:  # every failure is a finding
                failures.append(repr(exc))
            await asyncio.sleep(0)

    async with live_runner(database_url):
        writer = asyncio.create_task(write())
        reader = asyncio.create_task(read())
        await rebuild(pool, "kpi", progress=lambda done, total: progress.append((done, total)), batch_size=50)
        assert (await status(pool))[0]["active_version"] == 2
        await writer
        await reader
        assert await wait_until_caught_up(pool, T, timeout=15)

    assert not failures, failures[:3]
    assert reads > 0
    assert progress and progress[-1][0] == progress[-1][1]
    assert all(a[0] <= b[0] for a, b in zip(progress, progress[1:], strict=False))
    assert all(done <= total for done, total in progress)
    await assert_matches_reference(pool, log, T, sample_dates(11), per_department_every=4)

    assert await schemas(pool) == ["kpi_v1", "kpi_v2"]  # the old version stays a while for running reads
    assert await drop_retired(pool, 0) == ["kpi_v1"]
    assert await schemas(pool) == ["kpi_v2"]
    await assert_matches_reference(pool, log, T, sample_dates(11)[:3])


async def test_rebuild_without_a_runner_switches_and_a_second_one_makes_version_three(pool, log):
    await log.append_many([(T, k, d) for k, d in random_history(12, events=200)])
    await catch_up(pool)
    before = await kpi_document(pool, T, date(2024, 9, 1))
    await rebuild(pool)
    await rebuild(pool, "kpi")
    state = (await status(pool))[0]
    assert state["active_version"] == 3 and state["applied"] == 200 and state["lag"] == 0
    assert await kpi_document(pool, T, date(2024, 9, 1)) == before


async def test_a_build_left_behind_by_a_dead_process_is_finished_by_a_runner(database_url, pool, log):
    await log.append_many([(T, k, d) for k, d in random_history(13, events=300)])
    await catch_up(pool)
    async with pool.acquire() as conn, conn.transaction():
        version = await create_version(conn, by_name("kpi"))
        await conn.execute("UPDATE projection_registry SET building_version = $1", version)
    assert (await status(pool))[0]["building"]["lag"] == 300
    async with live_runner(database_url):
        for _ in range(100):
            if (await status(pool))[0]["active_version"] == version:
                break
            await asyncio.sleep(0.05)
    state = (await status(pool))[0]
    assert state["active_version"] == version and state["building"] is None and state["applied"] == 300
    await assert_matches_reference(pool, log, T, sample_dates(13), per_department_every=4)


async def built_read_indexes(pool: asyncpg.Pool, schema: str) -> set[str]:
    names = [index.name for index in by_name("kpi").read_indexes]
    rows = await pool.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname = ANY($2::text[])", schema, names
    )
    return {row["indexname"] for row in rows}


async def test_a_version_created_on_a_small_log_has_its_read_indexes_at_once(pool, log):
    await log.append_many([(T, k, d) for k, d in random_history(14, events=100)])
    await ensure_schema(pool)
    assert await built_read_indexes(pool, "kpi_v1") == {index.name for index in by_name("kpi").read_indexes}


async def test_a_version_is_folded_without_its_read_indexes_and_has_them_once_caught_up_and_switched_in(
    pool, log, monkeypatch
):
    every = {index.name for index in by_name("kpi").read_indexes}
    assert {"bookings_by_start", "reviews_by_date"} <= every
    await log.append_many([(T, k, d) for k, d in random_history(14, events=300)])
    monkeypatch.setattr(indexes, "DEFERRED_FROM", 200)  # the log counts as large: versions are created without them
    await ensure_schema(pool)
    assert await built_read_indexes(pool, "kpi_v1") == set()
    await catch_up(pool)
    assert await built_read_indexes(pool, "kpi_v1") == every
    before = await kpi_document(pool, T, date(2024, 9, 1))

    # A version being built gets them before the switch, even when no catch-up of its own came to the head.
    kpi = by_name("kpi")
    async with pool.acquire() as conn, conn.transaction():
        version = await create_version(conn, kpi)
        await conn.execute("UPDATE projection_registry SET building_version = $1", version)
    assert await built_read_indexes(pool, f"kpi_v{version}") == set()
    async with pool.acquire() as conn, conn.transaction():
        assert await apply_batch(conn, Target(kpi, version, building=True), 100) == 100
    assert await built_read_indexes(pool, f"kpi_v{version}") == set()
    assert await try_switch(pool, kpi, version)
    assert (await status(pool))[0]["active_version"] == version
    assert await built_read_indexes(pool, f"kpi_v{version}") == every
    assert await kpi_document(pool, T, date(2024, 9, 1)) == before
