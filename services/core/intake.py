"""Intake: every message gets exactly one outcome — accepted, duplicate or rejected.

A batch of messages goes through the pure checks (services/core/checks.py), is planned in order
against what this process knows of its streams (batch_plan.py, the stream cache), its personal fields
are sealed (sealing.py), and the store appends it, deciding again whenever the log knows more
(infra/append.py). Concurrent single submits share batches (group_commit.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog

from infra.append_data import Attempt, LogNews, StreamLocks
from infra.store import EventStore
from services.core.batch_plan import BatchPlan, batch_streams, plan_batch
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

    async def process(self, batch: Sequence[Prepared], door: str) -> list[dict[str, Any]]:
        """Decide and store a batch in one transaction; outcomes come back in the batch's order."""
        if not batch:
            return []
        beliefs = self._states.beliefs(batch_streams(batch))
        # Any message may be rejected, and its raw body is kept sealed under the key it is stored under.
        raw_keys = await self.store.raw_keys({p.tenant if p.idempotent else None for p in batch})

        def decide(news: LogNews) -> tuple[BatchPlan, Attempt]:
            plan = plan_batch(batch, beliefs, news)
            created = seal_personal_fields(plan, self.store.keys, news)
            seal_rejected(plan, raw_keys)
            return plan, Attempt(events=plan.events, outcomes=plan.outcomes, duplicates=plan.duplicates,
                                 unseen=plan.unseen, expected=plan.expected, new_subject_keys=created,
                                 believed=frozenset(key for key, belief in beliefs.items() if belief is not None))

        plan, appended = await self.store.append(_locks(batch), decide, door)
        self._states.update(plan.states)
        outcomes = plan.outcomes_json(batch, appended.events)
        _log_outcomes(outcomes, door)
        return outcomes

    async def close(self) -> None:
        await self._group.close()


def _locks(batch: Sequence[Prepared]) -> StreamLocks:
    """Exclusive on the stream each message writes, shared on the other streams its decision reads."""
    decided = [(p.tenant, p.streams) for p in batch if p.message is not None and p.tenant is not None]
    return StreamLocks.of(writes=((tenant, streams[0]) for tenant, streams in decided),
                          reads=((tenant, stream) for tenant, streams in decided for stream in streams[1:]))


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
