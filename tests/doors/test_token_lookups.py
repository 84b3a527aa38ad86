"""Bearer tokens looked up together: each request's answer is read after it arrived, right per token."""

from __future__ import annotations

import asyncio

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
