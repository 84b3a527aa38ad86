"""The service's pools start every connection without JIT compilation (infra.db.SESSION_SETTINGS): the
append's cost estimate grows with the log, and once it passed jit_above_cost every append paid 40–50 ms of
compilation. A session setting of the caller's does not outlive a connection's return to the read pool."""

from __future__ import annotations

import pytest

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
