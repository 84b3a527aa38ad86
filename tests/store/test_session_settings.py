"""The service's pools start every connection without JIT compilation (infra.db.SESSION_SETTINGS): the
append's cost estimate grows with the log, and once it passed jit_above_cost every append paid 40–50 ms of
compilation. A session setting of the caller's does not outlive a connection's return to the read pool."""

from __future__ import annotations

import json

import pytest

from infra.append_data import stream_lock_key
from infra.db import create_pool, create_write_pool, migrate


@pytest.mark.parametrize("make", [create_pool, create_write_pool], ids=["read pool", "write pool"])
async def test_every_connection_of_the_pools_starts_without_jit(database_url: str, make) -> None:  # type: ignore[no-untyped-def]
    pool = await make(database_url, max_size=2)
    try:
        async with pool.acquire() as first, pool.acquire() as second:
            assert [await first.fetchval("SHOW jit"), await second.fetchval("SHOW jit")] == ["off", "off"]
    finally:
        await pool.close()


async def test_a_read_connection_goes_back_to_no_jit_after_a_caller_turned_it_on(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET jit = on")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW jit") == "off"
    finally:
        await pool.close()


async def test_the_erased_employees_have_an_index_of_their_own(database_url: str) -> None:
    pool = await create_pool(database_url)
    try:
        await migrate(pool)
        definition = await pool.fetchval("SELECT indexdef FROM pg_indexes WHERE indexname = 'subject_keys_erased'")
    finally:
        await pool.close()
    assert definition is not None and definition.endswith("WHERE (key IS NULL)")


async def test_the_chain_finds_the_previous_event_by_the_stream_key_whatever_plan_the_session_keeps(
    database_url: str,
) -> None:
    """The hash chain's look-up of a stream's previous event is planned once per session, whenever the log is
    still small: even a generic plan made on an empty log reads the (tenant, stream, version) key, never the
    tenant's whole part of events_tenant_commit_order (which made every append of a long ingest slower)."""
    pool = await create_pool(database_url)
    try:
        await migrate(pool)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            for version in range(1, 41):
                await conn.fetch(
                    "SELECT * FROM eduplan_append_sealed($1::bigint[], '{}'::bigint[], '{}'::bigint[],"
                    " $2::text::jsonb, $3::text::jsonb, 'file')",
                    [stream_lock_key("t", "company")],
                    json.dumps({"seen": [], "streams": [], "keys": []}),
                    json.dumps({"events": [{"tenant": "t", "stream": "company", "version": version, "type": "X",
                                            "occurred_at": "2026-01-01T00:00:00Z", "message_id": f"m{version}",
                                            "actor": None, "data": {}, "schema_version": 1}],
                                "outcomes": [], "duplicates": []}))
            # This transaction's own reads of events by index: one row per look-up when it reads the key.
            fetched = await conn.fetchval("SELECT idx_tup_fetch FROM pg_stat_xact_user_tables WHERE relname = 'events'")
            chained = await conn.fetchval(
                "SELECT count(*) FROM events AS e JOIN events AS p ON p.tenant = e.tenant AND p.stream = e.stream"
                " AND p.version = e.version - 1 WHERE e.prev_hash = p.hash")
    finally:
        await pool.close()
    assert chained == 39
    assert fetched < 80  # the tenant's whole part for every look-up: 1 + 2 + … + 39 = 780
