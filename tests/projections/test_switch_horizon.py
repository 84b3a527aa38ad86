"""Projections and the readers' horizon: the switch's final catch-up runs several batches in one transaction,
and writers that open their transactions before it and commit after must still be read, by the version that
goes live, exactly once; a batch being folded holds no reader of the log back."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
import kpi_facts as f
from kpi_compare import assert_matches_reference
from kpi_eventlog import write
from kpi_history import random_history, sample_dates

import projections.switch
from infra.store import EventStore
from projections import catch_up, rebuild, status
from projections.batches import Target, apply_batch
from projections.catalog import by_name
from projections.registry import create_version
from projections.switch import try_switch

T = "acme"
SEED = 41
# The new version is this far behind the live one when the switch starts: three batches of 1,000.
BEHIND = 2500


async def table_rows(pool: asyncpg.Pool, schema: str) -> dict[str, list[str]]:
    """Every row of every table of a version's schema, as sorted text (comparable across versions)."""
    tables = [
        row["relname"]
        for row in await pool.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
            schema,
        )
    ]
    return {
        table: sorted(r["row"] for r in await pool.fetch(f'SELECT t::text AS row FROM {schema}."{table}" AS t'))
        for table in tables
    }


async def test_writers_open_across_a_switch_of_several_batches_are_read_by_the_new_version(pool, log, monkeypatch):
    facts = random_history(SEED, events=3000)
    await log.append_many([(T, k, d) for k, d in facts], per_transaction=50)
    await catch_up(pool)
    kpi = by_name("kpi")
    async with pool.acquire() as conn, conn.transaction():
        version = await create_version(conn, kpi)
        await conn.execute("UPDATE projection_registry SET building_version = $1", version)
    async with pool.acquire() as conn, conn.transaction():
        assert await apply_batch(conn, Target(kpi, version, building=True), len(facts) - BEHIND)

    # Writers connected before the switch: one already holds a transaction id and commits during the switch,
    # the others write their first event only once the switch has folded a batch, and commit after it.
    writers = [await pool.acquire() for _ in range(3)]
    committer = await pool.acquire()
    try:
        for n, conn in enumerate(writers):
            await conn.execute("BEGIN")
            if n == 0:
                await write(conn, [log.prepare(T, *f.hire("open-before", "dept-0", date(2023, 3, 1)))])
        batches = 0
        real_apply = apply_batch

        async def apply_then_write(conn: asyncpg.Connection, target: Target, size: int) -> Any:
            nonlocal batches
            read = await real_apply(conn, target, size)
            batches += 1
            if batches == 1:
                await writers[0].execute("COMMIT")
            if batches <= 2:  # a writer opens, then later ones commit: a larger transaction id, committed
                late = writers[batches]
                await write(late, [log.prepare(T, *f.hire(f"open-after-{batches}", "dept-1", date(2023, 4, 1)))])
                async with committer.transaction():
                    await write(committer, [log.prepare(T, *f.department(f"committed-{batches}-{i}"))
                                            for i in range(3)])
            return read

        monkeypatch.setattr(projections.switch, "apply_batch", apply_then_write)
        assert await try_switch(pool, kpi, version)
        assert batches >= 3, "the switch was meant to take several batches"
        for conn in writers[1:]:
            await conn.execute("COMMIT")
    finally:
        for conn in [*writers, committer]:
            await pool.release(conn)
    monkeypatch.undo()

    await catch_up(pool)
    state = (await status(pool))[0]
    assert state["active_version"] == version
    assert state["applied"] == len(log.events) and state["lag"] == 0, state
    await assert_matches_reference(pool, log, T, sample_dates(SEED, 20), per_department_every=5)
    # And table by table, the version that went live equals a clean replay of the same log.
    live = kpi.schema(version)
    await rebuild(pool, "kpi")
    assert await table_rows(pool, live) == await table_rows(pool, kpi.schema(version + 1))


async def test_a_batch_being_folded_holds_no_reader_of_the_log_back(pool, log):
    """A fold takes a transaction id (its batch table, its rows) for as long as it runs: readers of the log
    (the relay, GET /events) must not wait for it."""
    await log.append_many([(T, k, d) for k, d in random_history(SEED, events=300)], per_transaction=30)
    await catch_up(pool)
    await log.append_many([(T, k, d) for k, d in random_history(SEED + 1, events=200)], per_transaction=20)
    store = EventStore(pool)
    _, cursor = await store.read_all(None, 300, decrypt=False)
    async with pool.acquire() as conn, conn.transaction():
        assert await apply_batch(conn, Target(by_name("kpi"), 1, building=False), 1000) == 200
        assert await conn.fetchval("SELECT pg_current_xact_id_if_assigned()") is not None
        await log.append(T, *f.department("while-folding"))
        events, _ = await store.read_all(cursor, 1000, decrypt=False)
        assert len(events) == 201, "events committed while a projection folds are hidden from the log's readers"
