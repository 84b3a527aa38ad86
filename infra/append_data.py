"""The data of an append: what the caller writes and the beliefs it rests on (:class:`Attempt`), the locks
it takes (:class:`StreamLocks`), what the log tells back when it knows more (:class:`LogNews`) and what
was appended (:class:`Appended`). The protocol itself is in infra/append.py."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson

StreamKey = tuple[str, str]
"""(tenant, stream)"""
MessageKey = tuple[str, str]
"""(tenant, message_id)"""
AgreementKey = tuple[str, str]
"""(tenant, agreement_id)"""


def stream_lock_key(tenant: str, stream: str) -> int:
    return _lock_key(f"{tenant}\x1f{stream}")


def raw_lock_key(tenant: str | None) -> int:
    """The lock between keeping a tenant's raw rejected messages and erasing a person from them."""
    return _lock_key(f"raw rejected messages\x1e{tenant or ''}")


def _lock_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class StreamLocks:
    """The streams a batch writes (locked exclusively) and the other streams its decisions read (shared)."""

    writes: frozenset[StreamKey]
    reads: frozenset[StreamKey]

    @classmethod
    def of(cls, writes: Iterable[StreamKey], reads: Iterable[StreamKey]) -> StreamLocks:
        written = frozenset(writes)
        return cls(written, frozenset(reads) - written)

    def keys(self) -> tuple[list[int], list[int]]:
        return (sorted({stream_lock_key(*s) for s in self.writes}), sorted({stream_lock_key(*s) for s in self.reads}))


@dataclass(frozen=True)
class StoredOutcome:
    """The first outcome of a message id, as stored."""

    tenant: str | None
    message_id: str | None
    status: str
    reason: str | None
    detail: str | None
    events: list[dict[str, Any]] | None
    message_type: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "tenant": self.tenant, "message_id": self.message_id}
        if self.status == "rejected":
            body["reason"] = self.reason
            body["detail"] = self.detail
            body["type"] = self.message_type
        else:
            body["events"] = self.events or []
        return body


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    version: int
    type: str
    data: dict[str, Any]


@dataclass
class LogNews:
    """What the log told beyond the caller's beliefs, accumulated over the rounds of one attempt."""

    seen: dict[MessageKey, StoredOutcome] = field(default_factory=dict)
    newer: dict[StreamKey, list[LoggedEvent]] = field(default_factory=dict)
    subject_keys: dict[tuple[str, str], bytes | None] = field(default_factory=dict)
    linked: dict[AgreementKey, set[str]] = field(default_factory=dict)
    """(tenant, agreement_id) -> booking ids: live bookings of an agreement the attempt checked (``Attempt.linked``)
    that it did not know of"""

    def learn(self, rows: Sequence[asyncpg.Record]) -> None:
        for row in rows:
            kind = row["r_kind"]
            if kind == "seen":
                data = json.loads(row["r_data"])
                self.seen[(row["r_tenant"], row["r_name"])] = StoredOutcome(
                    tenant=row["r_tenant"], message_id=row["r_name"], status=row["r_type"], reason=data["reason"],
                    detail=data["detail"], events=data["events"], message_type=data.get("type"))
            elif kind == "event":
                events = self.newer.setdefault((row["r_tenant"], row["r_stream"]), [])
                events.append(LoggedEvent(row["r_version"], row["r_type"], json.loads(row["r_data"])))
                events.sort(key=lambda event: event.version)
            elif kind == "linked":
                booking_id = str(json.loads(row["r_data"])["booking_id"])
                self.linked.setdefault((row["r_tenant"], row["r_name"]), set()).add(booking_id)
            else:
                self.subject_keys[(row["r_tenant"], row["r_name"])] = row["r_key"]


@dataclass(frozen=True)
class Look:
    """What a batch asks the log before it is first decided (infra/append.py, LOOK_SQL): the stored outcomes of
    its message ids and the events of the streams the caller holds no state of. Without it, whatever of these
    the log holds comes back from the first append as news, and the whole batch is decided a second time."""

    keys: list[MessageKey]
    streams: list[StreamKey]

    def statement_args(self) -> list[Any]:
        return [_json({"seen": self.keys, "streams": self.streams})]

    def __bool__(self) -> bool:
        return bool(self.keys or self.streams)


@dataclass
class PendingEvent:
    tenant: str
    stream: str
    version: int
    type: str
    occurred_at: datetime
    message_id: str
    actor: str | None
    data: dict[str, Any]
    schema_version: int = 1


@dataclass
class PendingOutcome:
    tenant: str | None
    message_id: str | None
    status: str
    reason: str | None = None
    detail: str | None = None
    message_type: str | None = None
    raw: bytes | None = None
    """a rejected message as received; only its sealed form leaves the process"""
    raw_size: int | None = None
    raw_sealed: bytes | None = None
    mentions: list[str] | None = None
    """the strings the rejected message holds: if one names an erased employee, the raw body is not kept"""
    source: str | None = None
    """where a message without an idempotency key was read (at most one outcome per source)"""


@dataclass
class Attempt:
    """One round's write and the beliefs it rests on."""

    events: list[PendingEvent]
    outcomes: list[PendingOutcome]
    duplicates: list[MessageKey]
    unseen: list[MessageKey]
    """message ids the caller believes new"""
    expected: list[tuple[str, str, int]]
    """(tenant, stream, version decided against) of every stream the batch reads or writes"""
    new_subject_keys: dict[tuple[str, str], bytes]
    """personal-data keys the caller creates"""
    believed: frozenset[StreamKey] = frozenset()
    """streams whose state the caller held before the log told it anything (its cache)"""
    linked: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """(tenant, agreement_id, booking ids known) of every agreement whose live bookings a decision read: the log
    holds none but the known ones (infra/migrations/160_agreement_links.sql)"""

    def statement_args(self, locks: StreamLocks, door: str) -> list[Any]:
        checks: dict[str, Any] = {
            "seen": self.unseen,
            "streams": self.expected,
            "keys": [[t, s, base64.b64encode(key).decode()] for (t, s), key in self.new_subject_keys.items()],
        }
        if self.linked:  # only the planning assistant's bookings read them: every other append sends none
            checks["linked"] = self.linked
        writes = {
            "events": [
                {"tenant": e.tenant, "stream": e.stream, "version": e.version, "type": e.type,
                 "occurred_at": e.occurred_at, "message_id": e.message_id, "actor": e.actor, "data": e.data,
                 "schema_version": e.schema_version}
                for e in self.events
            ],
            "outcomes": [
                {"tenant": o.tenant, "message_id": o.message_id, "status": o.status, "reason": o.reason,
                 "detail": o.detail, "message_type": o.message_type, "raw_size": o.raw_size,
                 "raw_sealed": None if o.raw_sealed is None else base64.b64encode(o.raw_sealed).decode(),
                 "mentions": o.mentions, "source": o.source}
                for o in self.outcomes
            ],
            "duplicates": self.duplicates,
        }
        write_locks, read_locks = locks.keys()
        raw_locks = sorted({raw_lock_key(o.tenant) for o in self.outcomes if o.raw_sealed is not None})
        return [write_locks, read_locks, raw_locks, _json(checks), _json(writes), door]


@dataclass(frozen=True, slots=True)
class EventRef:
    stream: str
    version: int
    position: int

    def as_json(self) -> dict[str, Any]:
        return {"stream": self.stream, "version": self.version, "position": self.position}


@dataclass(frozen=True)
class Appended:
    """What a committed append wrote: each accepted message's events, and how it got there."""

    events: dict[MessageKey, list[EventRef]]
    rounds: int
    locked: bool


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # e.g. an integer beyond 64 bits, which the standard encoder writes as it is
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=datetime.isoformat)


__all__ = [
    "AgreementKey", "Appended", "Attempt", "EventRef", "LogNews", "LoggedEvent", "Look", "MessageKey", "PendingEvent",
    "PendingOutcome", "StoredOutcome", "StreamKey", "StreamLocks", "raw_lock_key", "stream_lock_key",
]
