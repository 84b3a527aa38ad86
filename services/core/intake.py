"""Intake: every message gets exactly one outcome — accepted, duplicate or rejected.

A batch of messages goes through the pure checks (services/core/checks.py), is planned in order
against what this process knows of its streams (batch_plan.py, the stream cache), its personal fields
are sealed (sealing.py), and the store appends it, deciding again whenever the log knows more
(infra/append.py). Concurrent single submits share batches (group_commit.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import structlog

from infra.append import source_taken
from infra.append_data import Attempt, LogNews, Look, StoredOutcome, StreamLocks
from infra.store import EventStore
from services.core.batch_plan import BatchPlan, batch_streams, duplicate, plan_batch
from services.core.checks import Prepared, TenantPolicy, prepare
from services.core.group_commit import GroupCommit
from services.core.sealing import seal_personal_fields, seal_rejected
from services.core.stream_cache import StreamStateCache

__all__ = ["Intake", "Prepared", "prepare"]

log = structlog.get_logger(__name__)


class Intake:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._states = StreamStateCache()
        self._group = GroupCommit(self.process)

    def cache_at_most(self, streams: int) -> None:
        """Hold the states of at most this many streams (the default: StreamStateCache's capacity)."""
        self._states.hold_at_most(streams)

    async def submit(self, raw: bytes | str | Prepared | Any, door: str = "api",
                     may_write: TenantPolicy | None = None) -> dict[str, Any]:
        """One message and its outcome; concurrent submits share batches (group commit). A door may pass a
        message it has already checked (a ``Prepared``)."""
        prepared = raw if isinstance(raw, Prepared) else prepare(raw, may_write)
        return await self._group.submit(prepared, door)

    async def submit_many(self, raws: Sequence[bytes | str | Any], door: str = "api",
                          may_write: TenantPolicy | None = None) -> list[dict[str, Any]]:
        """Messages as one batch, their outcomes in order."""
        return await self.process([prepare(raw, may_write) for raw in raws], door)

    async def process(self, batch: Sequence[Prepared], door: str, *, look_first: bool = False) -> list[dict[str, Any]]:
        """Decide and store a batch; outcomes come back in the batch's order. A batch is one transaction, unless
        it needs more stream locks than MAX_LOCKS_PER_APPEND: then it is stored in consecutive parts, each one
        transaction (every message is still decided after the ones before it).

        ``look_first`` (a bulk ingest): before a batch is decided, the log is asked what it holds of the batch's
        message ids and of the streams this process holds no state of, so a repeated message id or a stream that
        fell out of the cache does not make the whole batch be decided twice. It costs a round trip per batch, which
        a single submit (the HTTP door's, one client) would wait for: without it those come back from the append.

        A message without an idempotency key whose source already has an outcome (its record read again) is a
        duplicate of that outcome; should another process store it meanwhile, the source's unique index fails
        the append, and the part is looked up and stored again."""
        outcomes: list[dict[str, Any]] = []
        for part in _parts(batch):
            outcomes += await self._process_part(part, door, look_first)
        return outcomes

    async def _process_part(self, part: Sequence[Prepared], door: str, look_first: bool) -> list[dict[str, Any]]:
        for look in range(2):
            seen = await self._seen_sources(part)
            try:
                decided = await self._process([p for p in part if p.stored_source not in seen] if seen else part,
                                              door, look_first)
            except asyncpg.UniqueViolationError as error:
                if look or not source_taken(error):
                    raise
                continue
            if not seen:
                return decided
            rest = iter(decided)
            return [duplicate(p, seen[p.stored_source].as_json()) if p.stored_source in seen else next(rest)
                    for p in part]
        raise AssertionError("unreachable")

    async def _seen_sources(self, batch: Sequence[Prepared]) -> dict[str | None, StoredOutcome]:
        sources = [p.stored_source for p in batch if p.stored_source is not None]
        if not sources:
            return {}
        return {source: outcome for source, outcome in (await self.store.outcomes_by_source(sources)).items()}

    async def _process(self, batch: Sequence[Prepared], door: str, look_first: bool = False) -> list[dict[str, Any]]:
        if not batch:
            return []
        beliefs = self._states.beliefs(batch_streams(batch))
        look = Look(keys=list(dict.fromkeys(p.key for p in batch if p.key is not None)),
                    streams=[key for key, belief in beliefs.items() if belief is None]) if look_first else None
        # Any message may be rejected, and its raw body is kept sealed under the key it is stored under.
        raw_keys = await self.store.raw_keys({p.tenant if p.idempotent else None for p in batch})

        def decide(news: LogNews) -> tuple[BatchPlan, Attempt]:
            plan = plan_batch(batch, beliefs, news)
            created = seal_personal_fields(plan, self.store.keys, news)
            seal_rejected(plan, raw_keys)
            return plan, Attempt(events=plan.events, outcomes=plan.outcomes, duplicates=plan.duplicates,
                                 unseen=plan.unseen, expected=plan.expected, linked=plan.linked,
                                 new_subject_keys=created,
                                 believed=frozenset(key for key, belief in beliefs.items() if belief is not None))

        plan, appended = await self.store.append(_locks(batch), decide, door, look)
        self._states.update(plan.states)
        outcomes = plan.outcomes_json(batch, appended.events)
        _log_outcomes(outcomes, door)
        return outcomes

    async def close(self) -> None:
        await self._group.close()


MAX_LOCKS_PER_APPEND = 1000
"""Stream locks one append may take. Advisory locks live in PostgreSQL's shared lock table, about
max_locks_per_transaction (64) x the server's connections in all, for every session of the server: a batch
that takes more than the table holds fails ("out of shared memory"), and so does any other session that needs
a lock meanwhile. A larger batch (an HTTP array of thousands of messages) is stored in parts."""


def _parts(batch: Sequence[Prepared]) -> list[Sequence[Prepared]]:
    """Consecutive parts of the batch, each taking at most MAX_LOCKS_PER_APPEND stream locks (a single message
    that needs more is a part of its own)."""
    parts: list[Sequence[Prepared]] = []
    start = 0
    streams: set[tuple[str, str]] = set()
    for index, prepared in enumerate(batch):
        needed = {(prepared.tenant, stream) for stream in prepared.streams} \
            if prepared.message is not None and prepared.tenant is not None else set()
        if index > start and len(streams | needed) > MAX_LOCKS_PER_APPEND:
            parts.append(batch[start:index])
            start, streams = index, set()
        streams |= needed
    parts.append(batch[start:])
    return parts


def _locks(batch: Sequence[Prepared]) -> StreamLocks:
    """Exclusive on the stream each message writes (and on the agreement whose bookings its guard reads), shared on
    the other streams its decision reads."""
    decided = [(p.tenant, p) for p in batch if p.message is not None and p.tenant is not None]
    return StreamLocks.of(writes=((tenant, stream) for tenant, p in decided for stream in p.exclusive_streams),
                          reads=((tenant, stream) for tenant, p in decided for stream in p.streams[1:]))


def _log_outcomes(outcomes: list[dict[str, Any]], door: str) -> None:
    for outcome in outcomes:
        if outcome["status"] == "rejected":
            log.info("message_rejected", tenant=outcome.get("tenant"), message_id=outcome.get("message_id"),
                     reason=outcome["reason"], detail=outcome["detail"], door=door)
        elif outcome["status"] == "accepted":
            for ref in outcome["events"]:
                log.debug("event_appended", tenant=outcome["tenant"], message_id=outcome["message_id"],
                          stream=ref["stream"], version=ref["version"], position=ref["position"], door=door)
        else:
            log.debug("message_duplicate", tenant=outcome["tenant"], message_id=outcome["message_id"], door=door)
