"""Access tokens and dashboard sessions in PostgreSQL (``infra/migrations/100_access_tokens.sql``).

A token's text is ``eduplan_<id>_<secret>``: the id (12 hex digits) is public and names the token in
lists; the secret is 256 random bits. Only the SHA-256 of the whole text is stored, found by the id
and compared in constant time. A dashboard session is another 256-bit random value, kept by the
browser in a cookie and here only as its SHA-256.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

__all__ = ["TOKEN_PATTERN", "TokenLookups", "TokenRecord", "TokenStore", "mint_token", "token_digest"]

TOKEN_PREFIX = "eduplan_"
TOKEN_PATTERN = re.compile(r"eduplan_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")
"""The form of a token's text; also how a token is recognised where it must never be (a URL)."""

LAST_USED_EVERY = timedelta(seconds=60)
"""``last_used_at`` is written at most this often per token, so reads do not each cost a write."""


@dataclass(frozen=True)
class TokenRecord:
    id: str
    role: str
    tenant: str | None
    name: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def mint_token() -> tuple[str, str]:
    """A new token: (id, text)."""
    token_id = secrets.token_hex(6)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def token_digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


_COLUMNS = "id, role, tenant, name, created_at, last_used_at, revoked_at"


def _record(row: asyncpg.Record) -> TokenRecord:
    return TokenRecord(**{key: row[key] for key in _COLUMNS.split(", ")})


_FIND = f"SELECT {_COLUMNS}, digest, clock_timestamp() AS now FROM access_tokens"


def _used_long_ago(row: asyncpg.Record) -> bool:
    return row["last_used_at"] is None or row["now"] - row["last_used_at"] >= LAST_USED_EVERY


def _live(row: asyncpg.Record | None, text: str) -> TokenRecord | None:
    """The token of ``row`` when ``text`` is its text and it is not revoked."""
    if row is None or not hmac.compare_digest(bytes(row["digest"]), token_digest(text)):
        return None
    if row["revoked_at"] is not None:
        return None
    return _record(row)


class TokenLookups:
    """``find`` for the requests of a running server, looked up together: the requests that arrive while
    one query is under way wait for the next, which reads all their tokens at once (``id = ANY``). Each
    request's token is read by a query sent after the request arrived — never an answer read before it —
    so a token created or revoked counts from the next request on, as with one query per request."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._waiting: dict[str, list[tuple[str, asyncio.Future[TokenRecord | None]]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def find(self, text: str) -> TokenRecord | None:
        """The live (not revoked) token with this text, or None."""
        match = TOKEN_PATTERN.fullmatch(text)
        if match is None:
            return None
        answer: asyncio.Future[TokenRecord | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(match[1], []).append((text, answer))
        if self._task is None:
            self._start()
        return await answer

    def _start(self) -> None:
        self._task = asyncio.create_task(self._run())
        self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """A read ended. Cancelled, it leaves its requests (and those that arrived meanwhile) waiting: another
        reads them. Said here, not in the read's own code, which a task cancelled before its first step never
        runs; a request that arrives before this is called finds the read still set and waits for this one."""
        if self._task is not task:
            return
        self._waiting = _unanswered(self._waiting)
        self._task = None
        if self._waiting:
            self._start()

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            try:
                await self._answer(batch)
            except asyncio.CancelledError:
                self._waiting = _unanswered(batch, self._waiting)
                raise
            except Exception as error:  # noqa: BLE001 - every waiting request gets the error
                for waiters in batch.values():
                    for _, answer in waiters:
                        if not answer.done():
                            answer.set_exception(error)

    async def _answer(self, batch: dict[str, list[tuple[str, asyncio.Future[Any]]]]) -> None:
        rows = {row["id"]: row for row in await self.pool.fetch(f"{_FIND} WHERE id = ANY($1::text[])", list(batch))}
        used = [token_id for token_id, row in rows.items()
                if _used_long_ago(row) and any(_live(row, text) for text, _ in batch[token_id])]
        if used:
            await self.pool.execute(
                "UPDATE access_tokens SET last_used_at = clock_timestamp() WHERE id = ANY($1::text[])", used)
        for token_id, waiters in batch.items():
            for text, answer in waiters:
                if not answer.done():
                    answer.set_result(_live(rows.get(token_id), text))


def _unanswered(*groups: dict[str, list[tuple[str, asyncio.Future[Any]]]]
                ) -> dict[str, list[tuple[str, asyncio.Future[Any]]]]:
    """The requests of ``groups`` still waiting for their answer (not cancelled), in order, by token id."""
    waiting: dict[str, list[tuple[str, asyncio.Future[Any]]]] = {}
    for group in groups:
        for token_id, waiters in group.items():
            for text, answer in waiters:
                if not answer.done():
                    waiting.setdefault(token_id, []).append((text, answer))
    return waiting


class TokenStore:
    """``pool`` for everything; ``lookups`` (default: the same) for the reads and the ``last_used_at`` write of
    every request, which keep no session state — the HTTP door passes the intake's pool, whose connections
    go back without the full session reset (one round trip less per request)."""

    def __init__(self, pool: asyncpg.Pool, *, lookups: asyncpg.Pool | None = None) -> None:
        self.pool = pool
        self.lookups = lookups or pool

    async def any_exist(self) -> bool:
        """Whether a token was ever created (revoked ones count: revoking never reopens the service)."""
        return bool(await self.lookups.fetchval("SELECT EXISTS (SELECT 1 FROM access_tokens)"))

    async def create(self, role: str, tenant: str | None, name: str | None) -> tuple[TokenRecord, str]:
        """Store a new token; its text is returned here and nowhere else, ever."""
        while True:
            token_id, text = mint_token()
            row = await self.pool.fetchrow(
                f"INSERT INTO access_tokens (id, digest, role, tenant, name) VALUES ($1, $2, $3, $4, $5)"
                f" ON CONFLICT (id) DO NOTHING RETURNING {_COLUMNS}",
                token_id, token_digest(text), role, tenant, name)
            if row is not None:
                return _record(row), text

    async def list(self) -> list[TokenRecord]:
        rows = await self.pool.fetch(f"SELECT {_COLUMNS} FROM access_tokens ORDER BY created_at, id")
        return [_record(row) for row in rows]

    async def revoke(self, token_id: str) -> TokenRecord | None:
        """Revoke a token (and so every session it signed in); None when there is no such token."""
        row = await self.pool.fetchrow(
            f"UPDATE access_tokens SET revoked_at = coalesce(revoked_at, clock_timestamp())"
            f" WHERE id = $1 RETURNING {_COLUMNS}", token_id)
        return None if row is None else _record(row)

    async def find(self, text: str) -> TokenRecord | None:
        """The live (not revoked) token with this text, or None."""
        match = TOKEN_PATTERN.fullmatch(text)
        if match is None:
            return None
        row = await self.lookups.fetchrow(f"{_FIND} WHERE id = $1", match[1])
        record = _live(row, text)
        if record is not None and row is not None and _used_long_ago(row):
            await self.lookups.execute("UPDATE access_tokens SET last_used_at = clock_timestamp() WHERE id = $1",
                                       record.id)
        return record

    async def open_session(self, token_id: str, lifetime: timedelta) -> str:
        """A new dashboard session for a token: the value for the cookie (stored only as its SHA-256)."""
        secret = secrets.token_urlsafe(32)
        async with self.pool.acquire() as conn, conn.transaction():
            # Sessions long over are of no use to anyone; dropping them keeps the table small.
            await conn.execute("DELETE FROM dashboard_sessions WHERE expires_at < clock_timestamp() - interval '1 day'")
            await conn.execute(
                "INSERT INTO dashboard_sessions (digest, token_id, expires_at)"
                " VALUES ($1, $2, clock_timestamp() + $3::interval)",
                token_digest(secret), token_id, lifetime)
        return secret

    async def find_session(self, secret: str) -> TokenRecord | None:
        """The live token behind a session that has not ended, expired or lost its token; else None."""
        row = await self.lookups.fetchrow(
            f"SELECT {', '.join('t.' + c for c in _COLUMNS.split(', '))} FROM dashboard_sessions s"
            " JOIN access_tokens t ON t.id = s.token_id"
            " WHERE s.digest = $1 AND s.ended_at IS NULL AND s.expires_at > clock_timestamp()"
            " AND t.revoked_at IS NULL",
            token_digest(secret))
        return None if row is None else _record(row)

    async def end_session(self, secret: str) -> None:
        await self.pool.execute(
            "UPDATE dashboard_sessions SET ended_at = clock_timestamp() WHERE digest = $1 AND ended_at IS NULL",
            token_digest(secret))
