"""Tamper evidence on PostgreSQL (infra/migrations/140_hash_chain.sql, docs/audit.md): the canonical
encoding of an event and its hash, as the log's trigger computes them; reading a tenant's chain,
checkpoints and the outcomes that witness its appends. The append-only guard: infra/log_guard.py.

The encoding here and the one in SQL are the same function written twice, on purpose: `audit verify`
re-computes every hash without trusting the database's own functions (and an auditor can do the same
with ``jq`` and ``sha256sum``, see docs/audit.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from infra.store import HORIZON_SQL

__all__ = [
    "EVENT_FIELDS", "ZERO_HASH", "StoredCheckpoint", "audit_time", "canonical_event",
    "events_no_outcome_lists", "events_unlike_their_outcome", "jsonb_text", "listed_events_missing", "positions_listed",
    "checkpoint_lock", "event_hash", "loads_exact", "read_checkpoints",
    "read_tenant_events",
]

ZERO_HASH = "0" * 64
"""The prev_hash of every stream's version 1."""

EVENT_FIELDS = (
    "actor", "data", "message_id", "occurred_at", "position", "prev_hash", "recorded_at", "schema_version",
    "stream", "tenant", "transaction_id", "type", "version",
)
"""The keys of an event's canonical encoding, in their order (code point order, as ``jq -S`` sorts)."""

# The class of this module's two-int advisory locks (one-int locks are the streams', see 040_log_horizon.sql).
_CHECKPOINT_LOCK_CLASS = 140_001


class _Number(str):
    """A JSON number with a fractional part, kept exactly as written (no round trip through a float)."""


def loads_exact(text: str | bytes) -> Any:
    """JSON whose numbers keep the text they were written with (integers as ints, which print the same)."""
    return json.loads(text, parse_float=_Number)


def jsonb_text(value: Any) -> str:
    """A JSON value as PostgreSQL prints it as jsonb (``data::text``): object keys ordered by their length
    in bytes, then by their bytes; ", " between items and ": " after a key; strings escaped as JSON
    requires and nothing else; numbers as written."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))
        return "{" + ", ".join(f"{_string(k)}: {jsonb_text(value[k])}" for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(jsonb_text(v) for v in value) + "]"
    if isinstance(value, _Number):
        return str.__str__(value)
    return json.dumps(value, ensure_ascii=False)


def audit_time(moment: datetime) -> str:
    """A timestamp as the encoding writes it: UTC, always six fractional digits, Z."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    text = moment.isoformat()  # (a timespec argument would make it three times slower)
    return text[:26] + "Z" if moment.microsecond else text[:19] + ".000000Z"


_ESCAPED = re.compile(r'[\x00-\x1f"\\]')


def _string(value: str | None) -> str:
    """A JSON string as PostgreSQL's to_json writes it (the common case without escapes, quickly)."""
    if value is None:
        return "null"
    if _ESCAPED.search(value) is None:
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def canonical_event(event: Mapping[str, Any]) -> str:
    """The canonical encoding of an event (every field but ``hash``), as the trigger hashes it. ``data``
    is the jsonb text PostgreSQL prints (as read from the log), or the parsed value (from an export)."""
    data = event["data"]
    return (
        f'{{"actor":{_string(event["actor"])},"data":{data if isinstance(data, str) else jsonb_text(data)}'
        f',"message_id":{_string(event["message_id"])},"occurred_at":{_string(event["occurred_at"])}'
        f',"position":{event["position"]},"prev_hash":{_string(event["prev_hash"])}'
        f',"recorded_at":{_string(event["recorded_at"])},"schema_version":{event["schema_version"]}'
        f',"stream":{_string(event["stream"])},"tenant":{_string(event["tenant"])}'
        f',"transaction_id":{_string(event["transaction_id"])},"type":{_string(event["type"])}'
        f',"version":{event["version"]}}}'
    )


def event_hash(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_event(event).encode("utf-8")).hexdigest()


# --- reading ------------------------------------------------------------------------------------

_EVENT_SQL = (
    "SELECT position, transaction_id::text AS transaction_id, tenant, stream, version, type, occurred_at,"
    " recorded_at, message_id, actor, data::text AS data, schema_version, prev_hash, hash FROM events"
)


def event_of_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """An event of the log as the encoding sees it (timestamps as encoded, data as the jsonb text)."""
    return {
        "actor": row["actor"],
        "data": row["data"],
        "message_id": row["message_id"],
        "occurred_at": audit_time(row["occurred_at"]),
        "position": row["position"],
        "prev_hash": row["prev_hash"],
        "recorded_at": audit_time(row["recorded_at"]),
        "schema_version": row["schema_version"],
        "stream": row["stream"],
        "tenant": row["tenant"],
        "transaction_id": row["transaction_id"],
        "type": row["type"],
        "version": row["version"],
        "hash": row["hash"],
    }


async def read_tenant_events(
    conn: asyncpg.Connection, tenant: str, *, after: tuple[int, int] = (0, 0), until: tuple[int, int] | None = None,
    below_horizon: bool = False, prefetch: int = 2000,
) -> AsyncIterator[dict[str, Any]]:
    """The tenant's events in log order, (after, until]; inside a transaction (a server-side cursor).
    ``below_horizon``: only what no running append can still precede (for signing)."""
    where = "tenant = $1 AND (transaction_id, position) > ($2::text::xid8, $3::bigint)"
    args: list[Any] = [tenant, str(after[0]), after[1]]
    if until is not None:
        where += " AND (transaction_id, position) <= ($4::text::xid8, $5::bigint)"
        args += [str(until[0]), until[1]]
    if below_horizon:
        horizon = await conn.fetchval(HORIZON_SQL)
        args.append(horizon)
        where += f" AND transaction_id < ${len(args)}::text::xid8"
    query = f"{_EVENT_SQL} WHERE {where} ORDER BY transaction_id, position"
    async for row in conn.cursor(query, *args, prefetch=prefetch):
        yield event_of_row(row)


async def predecessor_hashes(
    conn: asyncpg.Connection, tenant: str, wanted: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], tuple[str | None, int]]:
    """(stream, version) -> (hash, position) of those events of the tenant that exist."""
    pairs = list(wanted)
    if not pairs:
        return {}
    rows = await conn.fetch(
        "SELECT e.stream, e.version, e.hash, e.position FROM events AS e"
        " JOIN unnest($2::text[], $3::int[]) AS w(stream, version) ON e.stream = w.stream AND e.version = w.version"
        " WHERE e.tenant = $1",
        tenant, [s for s, _ in pairs], [v for _, v in pairs],
    )
    return {(r["stream"], r["version"]): (r["hash"], r["position"]) for r in rows}


async def positions_on_record(
    conn: asyncpg.Connection, tenant: str, wanted: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], int]:
    """Where the accepted outcomes say these events were appended: (stream, version) -> position."""
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT w.stream, w.version, w.position FROM outcomes AS o"
        " CROSS JOIN LATERAL jsonb_to_recordset(o.events) AS w(stream text, version int, position bigint)"
        " JOIN unnest($2::text[], $3::int[]) AS x(stream, version) ON x.stream = w.stream AND x.version = w.version"
        " WHERE o.tenant = $1 AND o.status = 'accepted'",
        tenant, [s for s, _ in wanted], [v for _, v in wanted],
    )
    return {(r["stream"], r["version"]): r["position"] for r in rows}


# The outcomes are a second record of every append: an accepted message's outcome lists the (stream, version,
# position) of each event it appended, written in the same statement. Past the last checkpoint, they are
# what shows a row removed from, or forged into, the unsigned tail.

async def events_no_outcome_lists(
    conn: asyncpg.Connection, tenant: str, after: tuple[int, int]
) -> list[tuple[str, int, int]]:
    """(stream, version, position) of the tenant's events after the cursor that no accepted outcome lists."""
    rows = await conn.fetch(
        # One lookup of the message's outcome per event (unique (tenant, message_id)): linear in the events
        # however the planner sizes a tail whose statistics are not in yet (a join sized wrongly is quadratic).
        "SELECT e.stream, e.version, e.position FROM events AS e"
        " LEFT JOIN LATERAL (SELECT o.events FROM outcomes AS o WHERE o.tenant = e.tenant"
        "  AND o.message_id = e.message_id AND o.status = 'accepted' LIMIT 1) AS o ON true"
        " WHERE e.tenant = $1 AND (e.transaction_id, e.position) > ($2::text::xid8, $3::bigint)"
        " AND (o.events IS NULL OR NOT o.events @> jsonb_build_array(jsonb_build_object("
        "   'stream', e.stream, 'version', e.version, 'position', e.position)))"
        " ORDER BY e.transaction_id, e.position",
        tenant, str(after[0]), after[1],
    )
    return [(r["stream"], r["version"], r["position"]) for r in rows]


async def events_unlike_their_outcome(
    conn: asyncpg.Connection, tenant: str, after: tuple[int, int]
) -> list[tuple[str, int, int]]:
    """(stream, version, position) of the tenant's events after the cursor whose hash is not the one the
    outcome of their message recorded (outcomes written since migration 141 keep them)."""
    rows = await conn.fetch(
        # One lookup of the message's outcome per event, as in events_no_outcome_lists.
        "SELECT e.stream, e.version, e.position FROM events AS e"
        " CROSS JOIN LATERAL (SELECT o.event_hashes FROM outcomes AS o WHERE o.tenant = e.tenant"
        "  AND o.message_id = e.message_id AND o.status = 'accepted' LIMIT 1) AS o"
        " WHERE e.tenant = $1 AND (e.transaction_id, e.position) > ($2::text::xid8, $3::bigint)"
        " AND o.event_hashes ? e.position::text AND o.event_hashes->>e.position::text IS DISTINCT FROM e.hash"
        " ORDER BY e.transaction_id, e.position",
        tenant, str(after[0]), after[1],
    )
    return [(r["stream"], r["version"], r["position"]) for r in rows]


async def positions_listed(conn: asyncpg.Connection, tenant: str, positions: Sequence[int]) -> set[int]:
    """Those of the positions that an accepted outcome of the tenant lists as one of its events."""
    if not positions:
        return set()
    rows = await conn.fetch(
        "SELECT DISTINCT w.position FROM outcomes AS o"
        " CROSS JOIN LATERAL jsonb_to_recordset(o.events) AS w(position bigint)"
        " WHERE o.tenant = $1 AND o.status = 'accepted' AND w.position = ANY ($2::bigint[])",
        tenant, list(positions),
    )
    return {r["position"] for r in rows}


async def listed_events_missing(
    conn: asyncpg.Connection, tenant: str, received_since: datetime | None
) -> list[tuple[str, int, int]]:
    """(stream, version, position) that accepted outcomes (received since then) list but the log lacks."""
    rows = await conn.fetch(
        "SELECT w.stream, w.version, w.position FROM outcomes AS o"
        " CROSS JOIN LATERAL jsonb_to_recordset(o.events) AS w(stream text, version int, position bigint)"
        " WHERE o.tenant = $1 AND o.status = 'accepted' AND ($2::timestamptz IS NULL OR o.received_at >= $2)"
        " AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.position = w.position AND e.tenant = $1"
        "  AND e.stream = w.stream AND e.version = w.version)"
        " ORDER BY w.position",
        tenant, received_since,
    )
    return [(r["stream"], r["version"], r["position"]) for r in rows]


@dataclass(frozen=True)
class StoredCheckpoint:
    tenant: str
    seq: int
    body: str
    scheme: str
    key_id: str | None
    signature: str | None

    def as_json(self) -> dict[str, Any]:
        return {"kind": "checkpoint", "tenant": self.tenant, "seq": self.seq, "body": self.body,
                "scheme": self.scheme, "key_id": self.key_id, "signature": self.signature}


async def read_checkpoints(
    conn: asyncpg.Connection | asyncpg.Pool, tenant: str, *, until: tuple[int, int] | None = None, last: bool = False
) -> list[StoredCheckpoint]:
    """The tenant's checkpoints in order (at or before ``until``); ``last``: only the newest."""
    where = "tenant = $1"
    args: list[Any] = [tenant]
    if until is not None:
        where += " AND (transaction_id, position) <= ($2::text::xid8, $3::bigint)"
        args += [str(until[0]), until[1]]
    order = "seq DESC LIMIT 1" if last else "seq"
    rows = await conn.fetch(
        f"SELECT tenant, seq, body, scheme, key_id, signature FROM audit_checkpoints WHERE {where} ORDER BY {order}",
        *args,
    )
    return [StoredCheckpoint(r["tenant"], r["seq"], r["body"], r["scheme"], r["key_id"], r["signature"]) for r in rows]


async def insert_checkpoint(
    conn: asyncpg.Connection, checkpoint: StoredCheckpoint, cursor: tuple[int, int], events: int
) -> None:
    await conn.execute(
        "INSERT INTO audit_checkpoints (tenant, seq, transaction_id, position, events, body, scheme, key_id, signature)"
        " VALUES ($1, $2, $3::text::xid8, $4, $5, $6, $7, $8, $9)",
        checkpoint.tenant, checkpoint.seq, str(cursor[0]), cursor[1], events, checkpoint.body, checkpoint.scheme,
        checkpoint.key_id, checkpoint.signature,
    )


async def chained_existing(conn: asyncpg.Connection, tenant: str) -> dict[str, Any] | None:
    """What the migration that introduced the chain found of this tenant's log, if anything."""
    row = await conn.fetchrow(
        "SELECT events, last_position, chained_at FROM audit_chained_existing WHERE tenant = $1", tenant)
    return None if row is None else {"events": row["events"], "last_position": row["last_position"],
                                     "chained_at": audit_time(row["chained_at"])}


async def checkpoint_lock(conn: asyncpg.Connection, tenant: str) -> None:
    """One checkpoint writer per tenant at a time (a two-int lock: no stream's, and holds no reader back)."""
    key = int.from_bytes(hashlib.blake2b(tenant.encode(), digest_size=4).digest(), "big", signed=True)
    await conn.execute("SELECT pg_advisory_xact_lock($1::int, $2::int)", _CHECKPOINT_LOCK_CLASS, key)


async def tenants_with_events(conn: asyncpg.Connection | asyncpg.Pool) -> list[str]:
    """Every tenant with an event (a skip scan of the tenant index: one probe per tenant)."""
    rows = await conn.fetch(
        "WITH RECURSIVE t(tenant) AS ("
        " (SELECT tenant FROM events ORDER BY tenant LIMIT 1)"
        " UNION ALL"
        " SELECT (SELECT e.tenant FROM events AS e WHERE e.tenant > t.tenant ORDER BY e.tenant LIMIT 1)"
        " FROM t WHERE t.tenant IS NOT NULL)"
        " SELECT tenant FROM t WHERE tenant IS NOT NULL"
    )
    return [r["tenant"] for r in rows]


async def unsigned_since(conn: asyncpg.Connection | asyncpg.Pool, tenant: str) -> tuple[int, datetime | None]:
    """How many of the tenant's events follow its last checkpoint, and when the first of them was recorded."""
    row = await conn.fetchrow(
        "SELECT count(*) AS n, min(e.recorded_at) AS first FROM events AS e"
        " WHERE e.tenant = $1 AND (e.transaction_id, e.position) > coalesce("
        "  (SELECT (c.transaction_id, c.position) FROM audit_checkpoints AS c WHERE c.tenant = $1"
        "   ORDER BY c.seq DESC LIMIT 1), ('0'::xid8, 0::bigint))",
        tenant,
    )
    assert row is not None
    return row["n"], row["first"]
