from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from kpi_eventlog import EventLog


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=8)
    assert pool is not None
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def log(pool: asyncpg.Pool) -> EventLog:
    return await EventLog.create(pool)
