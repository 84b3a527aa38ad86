"""The event log on PostgreSQL: appends (the protocol is in infra/append.py), ordered reads, outcomes.

Ordering: every append first takes transaction-level advisory locks on the streams it writes
(exclusive) and reads (shared), before its first write, so a later append to a stream always gets a
larger transaction id than every earlier append that wrote or read it. Readers read in
``(transaction_id, position)`` order, and only below a *horizon*: the smallest transaction id of a
transaction that may still commit rows here, i.e. that holds stream locks or is prepared (see
:data:`HORIZON_SQL`). Nothing can later commit behind a reader's cursor, and each stream comes out in
version order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

from domain.rules import DEFAULT_REJECTION_RETENTION_DAYS
from infra import rejections as raw_rejections
from infra.append import Decide, PlanT, append_decided
from infra.append_data import Appended, Look, StoredOutcome, StreamLocks
from infra.crypto import KeyRing, open_fields, subjects_in
from infra.log_notify import NOTIFY_CHANNEL, LogNotifier
from infra.rejections import Erasure, Sweep

__all__ = [
    "HORIZON_SQL", "NOTIFY_CHANNEL", "START_CURSOR", "Erasure", "EventStore", "InvalidCursor", "StoredOutcome", "Sweep",
    "format_cursor", "log_head", "parse_cursor",
]

START_CURSOR = "0-0"
_MAX_XID8 = 2**64 - 1
_MAX_POSITION = 2**63 - 1

# The reading horizon (infra/migrations/040_log_horizon.sql): no transaction below it that could still
# append to the log is running. Appenders hold their streams' advisory locks from before their first write,
# so only they (and prepared transactions of this database) hold readers back; a projection folding a batch
# or a long transaction elsewhere on the server does not. Compute it in its own statement BEFORE the read
# (whose snapshot is then newer), in READ COMMITTED; it is computed afresh at every call, also when one
# transaction reads several times.
HORIZON_SQL = "SELECT eduplan_log_horizon()::text"


class InvalidCursor(ValueError):
    pass


def parse_cursor(cursor: str | None) -> tuple[int, int]:
    if cursor is None or cursor == "":
        return (0, 0)
    try:
        xid, pos = cursor.split("-", 1)
        parsed = (int(xid), int(pos))
    except ValueError:
        raise InvalidCursor(f"cursor {cursor!r} is not one this service gave out") from None
    if not (0 <= parsed[0] <= _MAX_XID8 and 0 <= parsed[1] <= _MAX_POSITION):
        raise InvalidCursor(f"cursor {cursor!r} is not one this service gave out")
    return parsed


def format_cursor(xid: int, position: int) -> str:
    return f"{xid}-{position}"


async def log_head(conn: asyncpg.Connection | asyncpg.Pool, tenant: str | None = None) -> tuple[int, int] | None:
    """(transaction id, position) of the last event committed now, of one tenant if given; None for an empty log."""
    if tenant is None:
        row = await conn.fetchrow(
            "SELECT transaction_id::text AS xid, position FROM events"
            " ORDER BY transaction_id DESC, position DESC LIMIT 1"
        )
    else:
        row = await conn.fetchrow(
            "SELECT transaction_id::text AS xid, position FROM events WHERE tenant = $1"
            " ORDER BY transaction_id DESC, position DESC LIMIT 1",
            tenant,
        )
    return None if row is None else (int(row["xid"]), row["position"])


_OUTCOME_COLUMNS = "tenant, message_id, status, reason, detail, events::text AS events, message_type"

_EVENT_COLUMNS = (
    "transaction_id::text AS xid, position, tenant, stream, version, type, occurred_at, recorded_at,"
    " message_id, actor, data::text AS data, schema_version, prev_hash, hash"
)


class EventStore:
    """The log: ``pool`` for reads; ``write_pool`` (default: the same) for appends, which keep no session state."""

    def __init__(self, pool: asyncpg.Pool, keyring: KeyRing | None = None, *, write_pool: asyncpg.Pool | None = None,
                 notify: bool = True, rejection_retention_days: int = DEFAULT_REJECTION_RETENTION_DAYS) -> None:
        self.pool = pool
        self.write_pool = write_pool or pool
        self.keys = keyring or KeyRing()
        self.notifier = LogNotifier(self.write_pool) if notify else None
        self.rejection_retention_days = rejection_retention_days
        self.on_appended: list[Callable[[Appended], None]] = []
        """called after every committed append (cheap, synchronous: e.g. counting towards a checkpoint)"""

    async def close(self) -> None:
        """Finish what is under way (a NOTIFY still due); the pools are the owner's to close."""
        if self.notifier is not None:
            await self.notifier.close()

    # --- the write side ------------------------------------------------------------------------

    async def append(self, locks: StreamLocks, decide: Decide[PlanT], door: str,
                     look: Look | None = None) -> tuple[PlanT, Appended]:
        """Append a batch ``decide`` plans, deciding again until the log agrees with what it was decided
        against (infra/append.py; ``look``: what to read before the first decision); the final plan and what was
        appended. Wakes the log's followers."""
        plan, appended = await append_decided(self.write_pool, self.keys, locks, decide, door, look)
        if appended.events:
            for listener in self.on_appended:
                listener(appended)
            if self.notifier is not None:
                await self.notifier.appended()
        return plan, appended

    async def raw_keys(self, tenants: set[str | None]) -> dict[str, bytes]:
        """The keys that seal these tenants' raw rejected messages (None: those stored without a tenant)."""
        labels = {raw_rejections.key_label(tenant) for tenant in tenants}
        return await raw_rejections.tenant_keys(self.write_pool, self.keys, labels)

    # --- the read side -------------------------------------------------------------------------

    async def read_all(
        self, after: str | None = None, limit: int = 1000, tenant: str | None = None, *, decrypt: bool = True
    ) -> tuple[list[dict[str, Any]], str]:
        """Committed events after the cursor in log order, and the cursor to continue from."""
        xid, pos = parse_cursor(after)
        where = "transaction_id < $4::text::xid8 AND (transaction_id, position) > ($1::text::xid8, $2::bigint)"
        args: list[Any] = [str(xid), pos, limit]
        if tenant is not None:
            where += " AND tenant = $5"
            args.append(tenant)
        async with self.pool.acquire() as conn:
            horizon = await conn.fetchval(HORIZON_SQL)
            rows = await conn.fetch(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE {where} ORDER BY transaction_id, position LIMIT $3",
                *args[:3], horizon, *args[3:],
            )
        events = await self._to_events(rows, decrypt)
        next_cursor = format_cursor(int(rows[-1]["xid"]), rows[-1]["position"]) if rows else format_cursor(xid, pos)
        return events, next_cursor

    async def check_cursor(self, cursor: str | None, tenant: str | None = None) -> None:
        """Raise :class:`InvalidCursor` unless a read (of ``tenant``'s events, if given) could have given
        out ``cursor``: the start, or the cursor of an event of the log (of that tenant)."""
        xid, pos = parse_cursor(cursor)
        if (xid, pos) == (0, 0):
            return
        found = await self.pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM events WHERE position = $2 AND transaction_id = $1::text::xid8"
            " AND ($3::text IS NULL OR tenant = $3))",
            str(xid), pos, tenant,
        )
        if not found:
            raise InvalidCursor(f"cursor {cursor!r} is not one this service gave out: no event of the log is at it")

    async def tenant_on_record(self, tenant: str) -> bool:
        """Whether any message of ``tenant`` has an outcome (accepted or rejected)."""
        return bool(await self.pool.fetchval("SELECT EXISTS (SELECT 1 FROM outcomes WHERE tenant = $1)", tenant))

    async def read_stream(self, tenant: str, stream: str, *, decrypt: bool = True) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE tenant = $1 AND stream = $2 ORDER BY version",
            tenant,
            stream,
        )
        return await self._to_events(rows, decrypt)

    async def head(self, tenant: str | None = None) -> str:
        """The cursor of the last event committed now (readers at this cursor have seen everything)."""
        head = await log_head(self.pool, tenant)
        return format_cursor(*head) if head is not None else START_CURSOR

    async def outcome(self, tenant: str, message_id: str) -> StoredOutcome | None:
        row = await self.pool.fetchrow(
            f"SELECT {_OUTCOME_COLUMNS} FROM outcomes WHERE tenant = $1 AND message_id = $2", tenant, message_id
        )
        return _outcome(row) if row else None

    async def outcomes_by_source(self, sources: Sequence[str]) -> dict[str, StoredOutcome]:
        """The outcomes on record of messages without an idempotency key, by where they were read."""
        rows = await self.pool.fetch(
            f"SELECT source, {_OUTCOME_COLUMNS} FROM outcomes WHERE source = ANY($1::text[])", list(sources))
        return {row["source"]: _outcome(row) for row in rows}

    async def rejections(
        self, tenant: str | None, *, limit: int = 1000, after_id: int = 0, with_raw: bool = False
    ) -> list[dict[str, Any]]:
        """Rejected outcomes in arrival order; ``tenant=None`` lists those whose tenant could not be read.
        ``with_raw``: each also carries ``raw``, the message as received (decrypted), or null once dropped."""
        args: list[Any] = [after_id, limit]
        if tenant is None:
            cond = "tenant IS NULL"
        else:
            cond = "tenant = $3"
            args.append(tenant)
        rows = await self.pool.fetch(
            f"SELECT id, {_OUTCOME_COLUMNS}, door, raw_size, received_at, raw, raw_sealed FROM outcomes"
            f" WHERE status = 'rejected' AND {cond} AND id > $1 ORDER BY id LIMIT $2",
            *args,
        )
        keys = await self.raw_keys({tenant}) if with_raw and any(r["raw_sealed"] is not None for r in rows) else {}
        out = []
        for row in rows:
            body = _outcome(row).as_json()
            body["received_at"] = row["received_at"].isoformat()
            body["door"] = row["door"]
            if with_raw:
                plain = None if row["raw"] is None else bytes(row["raw"])
                body["raw"] = raw_rejections.readable_raw(row["tenant"], row["raw_sealed"], plain, keys)
            out.append(body)
        return out

    async def outcome_counts(self, tenant: str | None = None) -> dict[str, dict[str, int]]:
        rows = await self.pool.fetch(
            "SELECT coalesce(tenant, '') AS tenant, status, count(*) AS n FROM outcomes"
            " WHERE $1::text IS NULL OR tenant = $1 GROUP BY 1, 2"
            " UNION ALL SELECT tenant, 'duplicate', count(*) FROM duplicates"
            " WHERE $1::text IS NULL OR tenant = $1 GROUP BY 1",
            tenant,
        )
        counts: dict[str, dict[str, int]] = {}
        for row in rows:
            counts.setdefault(row["tenant"], {"accepted": 0, "duplicate": 0, "rejected": 0})[row["status"]] = row["n"]
        return counts

    async def erase_subject(self, tenant: str, subject: str, *, names: Sequence[str] = ()) -> Erasure:
        """Destroy a person's key — their personal fields read as null from now on, the log is untouched —
        and drop every kept raw rejected message that names them (``subject``, or one of their ``names``);
        then the retention sweep runs."""
        erasure = await raw_rejections.erase(self.pool, self.keys, tenant, subject, names)
        await self.sweep_rejections()
        return erasure

    async def sweep_rejections(self) -> Sweep:
        """Drop raw rejected messages older than the retention period (reason, detail and ids stay)."""
        return await raw_rejections.sweep(self.pool, self.keys, self.rejection_retention_days)

    async def _to_events(self, rows: Sequence[asyncpg.Record], decrypt: bool) -> list[dict[str, Any]]:
        events = [_event(row) for row in rows]
        if decrypt:
            wanted: set[tuple[str, str]] = set()
            for e in events:
                wanted |= subjects_in(e["tenant"], e["data"])
            if wanted:
                keys = await self.keys.keys_for_reading(self.pool, wanted)
                for e in events:
                    e["data"] = open_fields(e["data"], e["tenant"], keys)
        return events


def _outcome(row: asyncpg.Record) -> StoredOutcome:
    return StoredOutcome(
        tenant=row["tenant"],
        message_id=row["message_id"],
        status=row["status"],
        reason=row["reason"],
        detail=row["detail"],
        events=json.loads(row["events"]) if row["events"] else None,
        message_type=row["message_type"],
    )


def _event(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "position": row["position"],
        "tenant": row["tenant"],
        "stream": row["stream"],
        "version": row["version"],
        "type": row["type"],
        "occurred_at": row["occurred_at"].isoformat(),
        "recorded_at": row["recorded_at"].isoformat(),
        "message_id": row["message_id"],
        "actor": row["actor"],
        "data": json.loads(row["data"]),
        "schema_version": row["schema_version"],
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
        "cursor": format_cursor(int(row["xid"]), row["position"]),
    }
