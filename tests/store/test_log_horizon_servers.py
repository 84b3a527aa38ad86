"""The readers' horizon where the shared test server cannot show it: a prepared (two-phase) appender, and
reads on a hot standby. Both run on an embedded server of their own (tests/store/embedded_servers.py)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from embedded_servers import embedded_server, hot_standby
from horizon_support import TENANT, commit_one, open_append
from message_samples import settled

from infra.store import HORIZON_SQL, EventStore
from services.core.app import App, app_for_url


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@pytest.fixture(scope="module")
def primary() -> Iterator[object]:
    with embedded_server({"max_prepared_transactions": "4"}) as server:
        yield server


@pytest.fixture(scope="module")
def standby(primary: object) -> Iterator[str]:
    with hot_standby(primary) as url:
        yield url


@pytest.fixture
async def primary_app(primary: object) -> AsyncIterator[tuple[App, str]]:
    server_url = primary.get_uri()  # type: ignore[attr-defined]
    name = "eduplan_h_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_url, name)
    core = await app_for_url(url)
    try:
        yield core, url
    finally:
        for row in await core.pool.fetch("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()"):
            await core.pool.execute(f"ROLLBACK PREPARED '{row['gid']}'")  # left by a failed test
        await core.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_prepared_appender_holds_readers_until_it_is_committed(primary_app: tuple[App, str]) -> None:
    """A prepared transaction keeps its id (and locks) without a session: readers must still wait for it."""
    app, url = primary_app
    allowed = int(await app.pool.fetchval("SHOW max_prepared_transactions"))
    assert allowed > 0, "this server refuses prepared transactions: the case cannot be shown on it"
    writer = await asyncpg.connect(url)
    try:
        appending = await open_append(writer, "booking-2pc", "prepared-1")
        await writer.execute("PREPARE TRANSACTION 'eduplan-horizon-test'")
        assert await writer.fetchval("SELECT backend_xid FROM pg_stat_activity WHERE pid = pg_backend_pid()") is None
        later = await commit_one(app, "after-prepared")
        assert int(await app.pool.fetchval(HORIZON_SQL)) <= appending
        page, cursor = await app.store.read_all(None, 100, tenant=TENANT)
        assert page == [], "an event committed after a prepared appender was read before it"
        await writer.execute("COMMIT PREPARED 'eduplan-horizon-test'")
    finally:
        await writer.close()
    await settled(app)
    rest, _ = await app.store.read_all(cursor, 100, tenant=TENANT)
    assert [e["message_id"] for e in rest] == ["prepared-1", later["message_id"]]


async def replayed(primary_pool: asyncpg.Pool, standby_url: str, within: float = 30.0) -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    target = await primary_pool.fetchval("SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + within
    while True:
        try:
            conn = await asyncpg.connect(standby_url)
        except (OSError, asyncpg.PostgresError):
            conn = None  # the database itself may not have arrived yet
        if conn is not None:
            try:
                if await conn.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target):
                    return
            finally:
                await conn.close()
        assert time.monotonic() < deadline, "the standby did not catch up"
        await asyncio.sleep(0.05)


async def test_on_a_hot_standby_readers_wait_for_the_primary_s_running_appenders(
    primary_app: tuple[App, str], standby: str
) -> None:
    """A standby sees no lock or session of the primary: its horizon is its snapshot's xmin."""
    app, url = primary_app
    standby_url = with_database(standby, urlsplit(url).path.lstrip("/"))
    writer = await asyncpg.connect(url)
    try:
        appending = await open_append(writer, "booking-primary", "primary-1")
        later = await commit_one(app, "after-primary")
        await replayed(app.pool, standby_url)
        reader = await asyncpg.create_pool(standby_url, min_size=1, max_size=2)
        try:
            assert await reader.fetchval("SELECT pg_is_in_recovery()")
            assert int(await reader.fetchval(HORIZON_SQL)) <= appending
            replica = EventStore(reader)
            page, cursor = await replica.read_all(None, 100, tenant=TENANT, decrypt=False)
            assert page == [], "a standby reader passed a transaction still running on the primary"
            await writer.execute("COMMIT")
            await replayed(app.pool, standby_url)
            for _ in range(200):
                rest, _ = await replica.read_all(cursor, 100, tenant=TENANT, decrypt=False)
                if rest:
                    break
                await asyncio.sleep(0.05)
            assert [e["message_id"] for e in rest] == ["primary-1", later["message_id"]]
        finally:
            await reader.close()
    finally:
        await writer.close()
