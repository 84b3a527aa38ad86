"""Bearer tokens looked up together: each request's answer is read after it arrived, right per token."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from infra.tokens import TokenLookups, TokenStore
from services.core.app import app_for_url


async def test_concurrent_lookups_answer_each_token_and_see_a_revoke_at_once(database_url: str) -> None:
    app = await app_for_url(database_url, max_size=4)
    try:
        tokens = TokenStore(app.pool)
        live, live_text = await tokens.create("hr_system", "acme", "live")
        gone, gone_text = await tokens.create("leadership", None, "gone")
        await tokens.revoke(gone.id)
        wrong_secret = live_text[:-4] + ("AAAA" if not live_text.endswith("AAAA") else "BBBB")
        unknown = "eduplan_0123456789ab_" + "A" * 43
        lookups = TokenLookups(app.store.write_pool)

        answers = await asyncio.gather(*(lookups.find(text) for text in
                                         (live_text, gone_text, wrong_secret, unknown, "not a token", live_text)))
        assert [a.id if a else None for a in answers] == [live.id, None, None, None, None, live.id]
        assert answers[0] is not None and answers[0].role == "hr_system" and answers[0].tenant == "acme"
        [used] = [t for t in await tokens.list() if t.id == live.id]
        assert used.last_used_at is not None
        [never] = [t for t in await tokens.list() if t.id == gone.id]
        assert never.last_used_at is None

        await tokens.revoke(live.id)  # counts from the very next lookup
        assert await lookups.find(live_text) is None
        fresh, fresh_text = await tokens.create("admin", None, None)
        assert (await lookups.find(fresh_text)) is not None
    finally:
        await app.close()


async def test_a_failing_read_reaches_every_waiting_request(database_url: str) -> None:
    app = await app_for_url(database_url, max_size=4)
    try:
        _, text = await TokenStore(app.pool).create("admin", None, None)
        await app.pool.execute("ALTER TABLE access_tokens RENAME TO access_tokens_away")
        lookups = TokenLookups(app.pool)
        results = await asyncio.gather(lookups.find(text), lookups.find(text), return_exceptions=True)
        assert all(isinstance(r, Exception) for r in results)
        await app.pool.execute("ALTER TABLE access_tokens_away RENAME TO access_tokens")
        assert await lookups.find(text) is not None  # and the next request is looked up again
    finally:
        await app.close()


async def _read_waits_on_lock(conn: asyncpg.Connection) -> None:
    """Until a query of another connection waits on a lock of access_tokens."""
    deadline = time.monotonic() + 30
    while not await conn.fetchval(
            "SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE c.relname = 'access_tokens' AND NOT l.granted AND l.pid <> pg_backend_pid())"):
        assert time.monotonic() < deadline, "the read never reached the table's lock"
        await asyncio.sleep(0.01)


async def test_a_cancelled_read_leaves_no_request_waiting(database_url: str) -> None:
    """The read of a group is cancelled while it waits on the table: every request of the group, and every one
    that arrived meanwhile, still gets its answer."""
    app = await app_for_url(database_url, max_size=6)
    try:
        tokens = TokenStore(app.pool)
        first, first_text = await tokens.create("hr_system", "acme", None)
        second, second_text = await tokens.create("leadership", None, None)
        lookups = TokenLookups(app.pool)
        async with app.pool.acquire() as holder:
            lock = holder.transaction()
            await lock.start()
            await holder.execute("LOCK TABLE access_tokens IN ACCESS EXCLUSIVE MODE")
            group = [asyncio.create_task(lookups.find(text)) for text in (first_text, second_text)]
            await _read_waits_on_lock(holder)
            later = asyncio.create_task(lookups.find(first_text))  # waits for the next read
            reading = lookups._task
            assert reading is not None and not reading.done()
            reading.cancel()
            await asyncio.sleep(0)
            await lock.rollback()
        # A hang guard, not a measure of speed: without an answer the requests would wait for ever.
        answers = await asyncio.wait_for(asyncio.gather(*group, later), timeout=30)
        assert [a.id if a else None for a in answers] == [first.id, second.id, first.id]
        assert reading.cancelled()
    finally:
        await app.close()


async def test_a_read_cancelled_before_it_starts_leaves_no_request_waiting(database_url: str) -> None:
    """The read is cancelled before its first step (a task cancelled then never runs its own code, not even a
    ``finally``): the request that started it, and every later one, still get their answers."""
    app = await app_for_url(database_url, max_size=4)
    try:
        token, text = await TokenStore(app.pool).create("hr_system", "acme", None)
        lookups = TokenLookups(app.pool)
        first = asyncio.create_task(lookups.find(text))
        await asyncio.sleep(0)  # the request is waiting and its read is created, not yet started
        reading = lookups._task
        assert reading is not None and not reading.done()
        reading.cancel()
        # A hang guard, not a measure of speed: without an answer the requests would wait for ever.
        answer = await asyncio.wait_for(first, timeout=30)
        assert answer is not None and answer.id == token.id
        later = await asyncio.wait_for(lookups.find(text), timeout=30)
        assert later is not None and later.id == token.id
        assert reading.cancelled()
    finally:
        await app.close()
