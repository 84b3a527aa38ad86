"""The readers' horizon (infra/migrations/040_log_horizon.sql): only transactions that can still append to
the log hold readers back — sessions holding stream locks, and prepared transactions — and it is computed
afresh at every call, also within one transaction."""

from __future__ import annotations

import asyncpg
import pytest
from horizon_support import TENANT, commit_one, open_append
from message_samples import settled

from infra.store import HORIZON_SQL
from services.core.app import App


def positions(events: list[dict]) -> list[int]:
    return [event["position"] for event in events]


async def test_an_appender_that_takes_its_id_after_a_reader_first_looked_still_holds_that_reader(
    app: App, database_url: str
) -> None:
    """One reading transaction, several horizons: a later one must not pass an appender that began since."""
    reader = await asyncpg.connect(database_url)
    writer = await asyncpg.connect(database_url)
    try:
        await reader.execute("BEGIN")
        await reader.fetchval(HORIZON_SQL)  # the first look, as a switch's first batch takes it
        appending = await open_append(writer, "booking-open", "open-1")
        later = await commit_one(app, "later")
        horizon = int(await reader.fetchval(HORIZON_SQL))
        assert horizon <= appending, "the horizon rose above a transaction that is still appending"
        seen = await reader.fetch("SELECT position FROM events WHERE transaction_id < $1::text::xid8", str(horizon))
        assert later["events"][0]["position"] not in [row["position"] for row in seen]
        await reader.execute("COMMIT")
        await writer.execute("COMMIT")
    finally:
        await reader.close()
        await writer.close()
    await settled(app)
    events, _ = await app.store.read_all(None, 100, tenant=TENANT)
    assert [e["message_id"] for e in events][-2:] == ["open-1", later["message_id"]]


async def test_a_transaction_that_never_appends_holds_no_reader_back(app: App, database_url: str) -> None:
    """A long transaction with an id in this database (a projection folding, an ANALYZE, a checkpoint being
    moved) is no reason to hide committed events."""
    other = await asyncpg.connect(database_url)
    try:
        await other.execute("BEGIN")
        await other.execute("INSERT INTO relay_checkpoints (name, cursor) VALUES ('elsewhere', '0-0')")
        assert await other.fetchval("SELECT pg_current_xact_id_if_assigned()") is not None
        done = await commit_one(app, "while-open")
        events, _ = await app.store.read_all(None, 100, tenant=TENANT)
        assert positions(events) == [done["events"][0]["position"]], (
            "a committed event is hidden behind a transaction that cannot append to the log")
    finally:
        await other.execute("ROLLBACK")
        await other.close()


async def test_an_appender_holds_readers_until_it_commits_then_its_event_comes_once_in_order(
    app: App, database_url: str
) -> None:
    writer = await asyncpg.connect(database_url)
    try:
        await open_append(writer, "booking-slow", "slow-1")
        later = await commit_one(app, "after-slow")
        page, cursor = await app.store.read_all(None, 100, tenant=TENANT)
        assert page == []
        await writer.execute("COMMIT")
    finally:
        await writer.close()
    await settled(app)
    rest, _ = await app.store.read_all(cursor, 100, tenant=TENANT)
    assert [e["message_id"] for e in rest] == ["slow-1", later["message_id"]]


async def test_an_event_appended_without_its_stream_lock_is_refused(app: App, database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.ObjectNotInPrerequisiteStateError, match="stream's advisory lock"):
            await conn.execute(
                "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, data)"
                " VALUES ($1, 'booking-x', 1, 'ManagerCheckInHeld', now(), 'unlocked-1', '{}')", TENANT)
        assert await conn.fetchval("SELECT count(*) FROM events") == 0
    finally:
        await conn.close()


async def test_the_horizon_refuses_a_repeatable_read_transaction(app: App) -> None:
    async with app.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        with pytest.raises(asyncpg.RaiseError, match="READ COMMITTED"):
            await conn.fetchval(HORIZON_SQL)
