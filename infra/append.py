"""The append protocol: a decided batch goes into the log in one transaction that checks what it was
decided against (infra/migrations/031_append_read_locks.sql, 032_sealed_rejections.sql).

The caller decides its batch against the stream states it believes current and hands over a
``decide`` function; :func:`append_decided` runs the rounds:

1. One statement in its own transaction: take the batch's stream locks (exclusive on the streams it
   writes, shared on the streams its decisions only read), check the beliefs — no outcome yet for its
   message ids, no stream past the version decided against, no key created meanwhile — and write.
   When the process is up to date, that is the whole append: one round trip.
2. If the log knew more, nothing was written and what it knows comes back (:class:`LogNews`); the
   batch is decided again with it. When only things this process had not cached came back, that second
   round is optimistic too; when another writer moved a stream this process knew, it goes straight to
3. a transaction that holds the locks between rounds, so busy streams cannot keep the batch going
   round; only message ids and keys (which no lock covers) can still appear, a bounded number of times.

Conflicts (a racing writer of the same message id or key, a deadlock) start the batch over with fresh
news; a lost connection is waited out for a while (the batch either committed — then its messages come
back as seen — or not).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import asyncpg
import structlog

from infra.append_data import Appended, Attempt, EventRef, LogNews, Look, MessageKey, StreamLocks
from infra.crypto import KeyRing

log = structlog.get_logger(__name__)

# Rounds of 'the log knows more: decide again' inside the locked transaction before the batch starts over.
MAX_LOCKED_ROUNDS = 4
# Times a batch starts over after a conflict before the error reaches the caller.
MAX_ATTEMPTS = 6
# Losing the database (restart, failover) is waited out this long before the caller sees an error.
RECONNECT_FOR_SECONDS = 90.0

_CONFLICTS = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
SOURCE_INDEX = "outcomes_source"
"""The unique index of outcomes.source (infra/migrations/150_outcome_sources.sql)."""
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.OperatorInterventionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    ConnectionError,
    OSError,
)
_APPEND_SQL = (
    "SELECT * FROM eduplan_append_sealed($1::bigint[], $2::bigint[], $3::bigint[], $4::text::jsonb,"
    " $5::text::jsonb, $6)"
)

LOOK_SQL = (
    "SELECT 'seen'::text AS r_kind, o.tenant AS r_tenant, o.message_id AS r_name, NULL::text AS r_stream,"
    " NULL::int AS r_version, o.status AS r_type,"
    " jsonb_build_object('reason', o.reason, 'detail', o.detail, 'events', o.events, 'type', o.message_type)::text"
    " AS r_data"
    " FROM jsonb_array_elements($1::text::jsonb->'seen') AS s(item)"
    " CROSS JOIN LATERAL (SELECT x.tenant, x.message_id, x.status, x.reason, x.detail, x.events, x.message_type"
    " FROM outcomes AS x WHERE x.tenant = s.item->>0 AND x.message_id = s.item->>1 LIMIT 1) AS o"
    " UNION ALL"
    " SELECT 'event', e.tenant, e.stream, e.stream, e.version, e.type, e.data::text"
    " FROM jsonb_array_elements($1::text::jsonb->'streams') AS s(item)"
    " CROSS JOIN LATERAL (SELECT x.tenant, x.stream, x.version, x.type, x.data FROM events AS x"
    " WHERE x.tenant = s.item->>0 AND x.stream = s.item->>1 AND x.version > 0 ORDER BY x.version OFFSET 0) AS e"
)
"""A batch's look before its first decision (:class:`Look`): the same rows, read the same way, as the append
statement's checks return as news (infra/migrations/160_agreement_links.sql), without locks — the append still
checks every belief under them."""

PlanT = TypeVar("PlanT")
Decide = Callable[[LogNews], tuple[PlanT, Attempt]]


@dataclass
class _Rounds(Generic[PlanT]):
    decide: Decide[PlanT]
    locks: StreamLocks
    door: str
    look: Look | None = None
    news: LogNews = field(default_factory=LogNews)
    count: int = 0
    plan: PlanT | None = None
    attempt: Attempt | None = None

    async def run(self, conn: asyncpg.Connection) -> list[asyncpg.Record]:
        self.count += 1
        self.plan, self.attempt = self.decide(self.news)
        rows: list[asyncpg.Record] = await conn.fetch(_APPEND_SQL, *self.attempt.statement_args(self.locks, self.door))
        return rows


async def append_decided(
    pool: asyncpg.Pool, keys: KeyRing, locks: StreamLocks, decide: Decide[PlanT], door: str,
    look: Look | None = None,
) -> tuple[PlanT, Appended]:
    """Decide and append until the log agrees; the final plan and what was appended. With ``look``, what the log
    holds of the batch's message ids and uncached streams is read first, on the same connection, so the first
    decision already knows it (a bulk ingest: a batch then is decided once, not twice, when it repeats a message
    id or reaches a stream that fell out of the cache)."""
    attempt = 0
    deadline = time.monotonic() + RECONNECT_FOR_SECONDS
    while True:
        attempt += 1
        try:
            return await _append_once(pool, keys, _Rounds(decide, locks, door, look or None))
        except _CONFLICTS as error:
            if attempt >= MAX_ATTEMPTS or source_taken(error):
                raise
            log.info("append_retry", attempt=attempt, error=type(error).__name__)
            await asyncio.sleep(0.005 * attempt)
        except _CONNECTION_LOST as error:
            if time.monotonic() >= deadline:
                raise
            log.warning("database_unreachable_retrying", error=str(error) or type(error).__name__)
            await asyncio.sleep(min(0.2 * attempt, 2.0))


def source_taken(error: BaseException) -> bool:
    """Whether an append failed because another writer stored an outcome of one of its sources meanwhile:
    deciding the batch again changes nothing, so the caller looks the sources up again."""
    return isinstance(error, asyncpg.UniqueViolationError) and error.constraint_name == SOURCE_INDEX


async def _append_once(pool: asyncpg.Pool, keys: KeyRing, rounds: _Rounds[PlanT]) -> tuple[PlanT, Appended]:
    locked = False
    async with pool.acquire() as conn:
        try:
            if rounds.look is not None:
                rounds.news.learn(await conn.fetch(LOOK_SQL, *rounds.look.statement_args()))
            rows = await rounds.run(conn)  # its own implicit transaction
            if not _written(rows) and not _contended(rows, rounds.attempt):
                # Only what this process had not cached (or a repeated message id): once more, still optimistic.
                rounds.news.learn(rows)
                rows = await rounds.run(conn)
            if not _written(rows):
                locked = True
                await conn.execute("BEGIN")  # the append statement takes the locks, held to the end
                for _ in range(MAX_LOCKED_ROUNDS):
                    rounds.news.learn(rows)
                    rows = await rounds.run(conn)
                    if _written(rows):
                        break
                else:  # message ids or keys kept appearing: start over afresh
                    raise asyncpg.SerializationError("the message ids of this batch kept changing")
                await conn.execute("COMMIT")
        except asyncpg.PostgresError as error:
            if isinstance(error, asyncpg.PostgresConnectionError | asyncpg.OperatorInterventionError):
                _discard(conn)
            else:  # the server refused a statement: the connection itself is fine
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
            raise
        except BaseException:
            # Lost connection, client-side protocol error or cancellation: the connection's state is unknown,
            # so it is closed (the pool opens a new one); the server rolls the transaction back.
            _discard(conn)
            raise
    assert rounds.plan is not None and rounds.attempt is not None
    keys.remember({**rounds.news.subject_keys, **rounds.attempt.new_subject_keys})
    return rounds.plan, Appended(events=_event_refs(rows), rounds=rounds.count, locked=locked)


def _written(rows: Sequence[asyncpg.Record]) -> bool:
    """Whether an append statement wrote (its rows are the appended events, or none at all)."""
    return not rows or rows[0]["r_kind"] == "written"


def _contended(rows: Sequence[asyncpg.Record], attempt: Attempt | None) -> bool:
    """Whether another writer moved a stream this process knew: then the next round takes the locks."""
    believed = attempt.believed if attempt is not None else frozenset()
    return any(row["r_kind"] == "event" and (row["r_tenant"], row["r_stream"]) in believed for row in rows)


def _event_refs(rows: Sequence[asyncpg.Record]) -> dict[MessageKey, list[EventRef]]:
    refs: dict[MessageKey, list[EventRef]] = {}
    for row in rows:
        refs.setdefault((row["r_tenant"], row["r_name"]), []).append(
            EventRef(row["r_stream"], row["r_version"], row["r_position"]))
    return refs


def _discard(conn: Any) -> None:
    with contextlib.suppress(Exception):
        conn.terminate()


__all__ = ["LOOK_SQL", "Decide", "PlanT", "append_decided"]
