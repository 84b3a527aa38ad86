"""Signed checkpoints (CONTRACT §6, docs/audit.md): per tenant, numbered 1, 2, …, each covering the
tenant's log up to a cursor.

A checkpoint's body is canonical JSON (keys sorted, no spaces) and is what is signed:
``{"created_at", "cursor", "events", "format", "heads", "note", "previous", "seq", "tenant"}`` where
``heads`` lists ``[stream, version, hash, position]`` of every stream whose head moved since the
previous checkpoint (all streams, for the first), ``events`` counts the tenant's events up to the
cursor and ``previous`` is the SHA-256 of the previous checkpoint's body (64 zeros for the first). So
the last checkpoint's signature vouches, through the chain of bodies, for every stream's head.

Before signing, the new events are checked (hashes, links to the heads before them): a checkpoint never
signs a log that does not verify. One writer per tenant at a time (a two-int advisory lock); the cursor
is taken below the log's horizon, so no running append can still land before it.

Written: by ``eduplan audit checkpoint``, at the end of ``ingest`` and ``import``, and by the
:class:`Checkpointer` of ``serve`` and ``worker`` — after 1,000 events of a tenant, or once the
oldest unsigned event of a tenant is ``EDUPLAN_AUDIT_CHECKPOINT_SECONDS`` old (default 10, at most 60).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from infra import audit as log_audit
from infra.aio import stop_if_cancelled, wait_set
from infra.append_data import Appended
from infra.audit import StoredCheckpoint
from infra.store import EventStore
from services.core.audit.chain import ChainVerifier
from services.core.audit.keys import NONE, AuditKeys
from services.core.audit.problems import Problem
from services.core.audit.trust import CHECKPOINT_FORMAT, body_digest

__all__ = ["CHECKPOINT_EVENTS", "Checkpointer", "NotSigned", "WrittenCheckpoint", "checkpoint_pending",
           "write_checkpoint"]

log = structlog.get_logger(__name__)

CHECKPOINT_EVENTS = 1000
"""A tenant's checkpoint is due after this many unsigned events …"""
MAX_CHECKPOINT_SECONDS = 60.0
"""… or once its oldest unsigned event is this old (the contract's bound; the default is tighter)."""


class NotSigned(RuntimeError):
    """The new events do not verify: no checkpoint is written over them."""


@dataclass(frozen=True)
class WrittenCheckpoint:
    tenant: str
    seq: int
    cursor: str
    events: int
    scheme: str
    heads: int

    def as_json(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "seq": self.seq, "cursor": self.cursor, "events": self.events,
                "scheme": self.scheme, "heads": self.heads}


async def write_checkpoint(pool: asyncpg.Pool, tenant: str, keys: AuditKeys) -> WrittenCheckpoint | None:
    """Sign the tenant's events since its last checkpoint; None when there are none."""
    async with pool.acquire() as conn, conn.transaction():
        await log_audit.checkpoint_lock(conn, tenant)
        previous = await log_audit.read_checkpoints(conn, tenant, last=True)
        if previous and previous[0].scheme != NONE and keys.scheme == NONE:
            raise NotSigned(
                f"tenant {tenant}: checkpoint {previous[0].seq} is signed ({previous[0].scheme}), and no key is"
                " configured to sign the next one (EDUPLAN_AUDIT_KEY or EDUPLAN_AUDIT_SIGNING_KEY): an unsigned"
                " checkpoint after a signed one would read as changed"
            )
        before = json.loads(previous[0].body) if previous else None
        after = _cursor(before["cursor"]) if before else (0, 0)
        verifier = ChainVerifier(tenant, partial=True, tail=False)  # the events to sign are the tail
        heads: dict[str, list[Any]] = {}
        last: dict[str, Any] | None = None
        async for event in log_audit.read_tenant_events(conn, tenant, after=after, below_horizon=True):
            verifier.feed(event)
            heads[event["stream"]] = [event["stream"], event["version"], event["hash"], event["position"]]
            last = event
        if last is None:
            return None
        await _require_sound(conn, tenant, verifier, after)
        cursor = (int(last["transaction_id"]), last["position"])
        seq = previous[0].seq + 1 if previous else 1
        events = (before["events"] if before else 0) + verifier.events
        body = _canonical({
            "created_at": log_audit.audit_time(datetime.now(UTC)),
            "cursor": f"{cursor[0]}-{cursor[1]}",
            "events": events,
            "format": CHECKPOINT_FORMAT,
            "heads": [heads[s] for s in sorted(heads)],
            "note": await _note(conn, tenant) if seq == 1 else None,
            "previous": body_digest(previous[0].body) if previous else log_audit.ZERO_HASH,
            "seq": seq,
            "tenant": tenant,
        })
        signature = keys.sign(body.encode("utf-8"))
        stored = StoredCheckpoint(tenant, seq, body, signature.scheme, signature.key_id, signature.value)
        await log_audit.insert_checkpoint(conn, stored, cursor, events)
    written = WrittenCheckpoint(tenant, seq, f"{cursor[0]}-{cursor[1]}", events, signature.scheme, len(heads))
    log.info("audit_checkpoint", **written.as_json())
    return written


async def _require_sound(conn: asyncpg.Connection, tenant: str, verifier: ChainVerifier,
                         after: tuple[int, int]) -> None:
    problems = [p for p in verifier.finish() if p.kind != "unsigned_tail"]
    for stream, version, position in await log_audit.events_no_outcome_lists(conn, tenant, after):
        problems.append(Problem("inserted", stream, version, position, "no accepted message lists this event"))
    for stream, version, position in await log_audit.events_unlike_their_outcome(conn, tenant, after):
        problems.append(Problem("changed", stream, version, position,
                                "the outcome of its message recorded another hash for this event"))
    found = await log_audit.predecessor_hashes(conn, tenant, [(s, v - 1) for s, v, _, _ in verifier.starts])
    for stream, version, prev_hash, position in verifier.starts:
        predecessor = found.get((stream, version - 1))
        if predecessor is None:
            problems.append(Problem("removed", stream, version - 1, None,
                                    "the version before the events to sign is missing"))
        elif predecessor[0] != prev_hash:
            problems.append(Problem("changed", stream, version - 1, predecessor[1],
                                    f"version {version} (position {position}) chains to another hash"))
    if problems:
        first = problems[0]
        raise NotSigned(
            f"tenant {tenant}: {len(problems)} problem(s) in the events to sign, e.g. {first.kind} at stream"
            f" {first.stream} version {first.version} position {first.position}: {first.detail};"
            " run `eduplan audit verify` for the full report"
        )


async def _note(conn: asyncpg.Connection, tenant: str) -> str | None:
    chained = await log_audit.chained_existing(conn, tenant)
    if chained is None:
        return None
    return (f"the first {chained['events']} events (up to position {chained['last_position']}) were appended before"
            f" the log was chained; they were chained as found on {chained['chained_at']}")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _cursor(text: str) -> tuple[int, int]:
    xid, position = text.split("-", 1)
    return int(xid), int(position)


async def checkpoint_pending(pool: asyncpg.Pool, keys: AuditKeys, *, older_than: float = 0.0,
                             at_least: int = 1, refused: set[str] | None = None) -> list[WrittenCheckpoint]:
    """A checkpoint for every tenant with unsigned events (``at_least`` of them, or the first recorded at
    least ``older_than`` seconds ago). A refusal is logged once per reason given in ``refused``."""
    written = []
    now = datetime.now(UTC)
    for tenant in await log_audit.tenants_with_events(pool):
        count, first = await log_audit.unsigned_since(pool, tenant)
        if count == 0:
            continue
        due = count >= at_least or (first is not None and (now - first).total_seconds() >= older_than)
        if not due:
            continue
        try:
            checkpoint = await write_checkpoint(pool, tenant, keys)
        except NotSigned as error:
            if refused is None or str(error) not in refused:
                log.error("audit_checkpoint_refused", tenant=tenant, error=str(error))
                if refused is not None:
                    refused.add(str(error))
            continue
        if checkpoint is not None:
            written.append(checkpoint)
    return written


def checkpoint_seconds() -> float:
    text = os.environ.get("EDUPLAN_AUDIT_CHECKPOINT_SECONDS", "").strip()
    if not text:
        return 10.0
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"EDUPLAN_AUDIT_CHECKPOINT_SECONDS={text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_CHECKPOINT_SECONDS:
        raise ValueError(f"EDUPLAN_AUDIT_CHECKPOINT_SECONDS must be more than 0 and at most {MAX_CHECKPOINT_SECONDS:g}")
    return value


class Checkpointer:
    """The background task of `serve` and `worker`: every ``poll`` seconds, a checkpoint for each tenant
    with 1,000 unsigned events or whose oldest unsigned event is ``every`` seconds old — and at once when
    this process's own intake has appended 1,000 events of a tenant (``store``'s appends are counted). It
    keeps no state worth keeping (a restart picks up from the last checkpoint in the database), and it
    writes over the general pool, never the intake's connections."""

    def __init__(self, pool: asyncpg.Pool, keys: AuditKeys, *, every: float | None = None,
                 poll: float = 1.0, store: EventStore | None = None) -> None:
        self._pool = pool
        self._keys = keys
        self._every = checkpoint_seconds() if every is None else every
        self._poll = min(poll, self._every)
        self._task: asyncio.Task[None] | None = None
        self._store = store
        self._appended: Counter[str] = Counter()
        self._due = asyncio.Event()
        self._refused: set[str] = set()  # said once in the log; the log does not heal by itself

    def appended(self, appended: Appended) -> None:
        """Count a committed append's events per tenant; wake the task when one reaches 1,000."""
        for (tenant, _), refs in appended.events.items():
            self._appended[tenant] += len(refs)
            if self._appended[tenant] >= CHECKPOINT_EVENTS:
                self._due.set()

    def start(self) -> None:
        if self._store is not None:
            self._store.on_appended.append(self.appended)
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._store is not None and self.appended in self._store.on_appended:
            self._store.on_appended.remove(self.appended)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            stop_if_cancelled()
            started = time.monotonic()
            self._due.clear()
            self._appended.clear()
            try:
                await checkpoint_pending(self._pool, self._keys, older_than=self._every, at_least=CHECKPOINT_EVENTS,
                                         refused=self._refused)
            except Exception as error:  # noqa: BLE001 - the next round tries again; the process goes on
                log.warning("audit_checkpoint_failed", error=str(error) or type(error).__name__)
            await self._pause(started)

    async def _pause(self, started: float) -> None:
        """Until ``poll`` seconds after ``started``, or sooner when a tenant's count is due."""
        await wait_set(self._due, max(0.0, self._poll - (time.monotonic() - started)))
