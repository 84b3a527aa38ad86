"""Planning a batch: what each message of it becomes, decided in order against what is known of its streams.

Pure: given the messages (after the pure checks), what this process believes of their streams and what
the log has told it beyond that (:class:`LogNews`), :func:`plan_batch` folds the states, judges each
message against the states that already include the earlier messages of the batch, and returns the
events, outcomes and duplicate receipts to write — together with the beliefs they rest on (the
versions decided against, the message ids taken to be new, the bookings of an agreement a plan's booking
was decided against), which the append checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.aggregates import booking
from domain.decider import evolve, initial_state
from domain.errors import Rejected
from infra.append_data import (
    AgreementKey,
    EventRef,
    LogNews,
    MessageKey,
    PendingEvent,
    PendingOutcome,
    StoredOutcome,
    StreamKey,
)
from services.core.checks import Prepared, judge
from services.core.stream_cache import StreamState


@dataclass(frozen=True)
class Accepted:
    key: MessageKey


@dataclass(frozen=True)
class Refused:
    outcome: dict[str, Any]


@dataclass(frozen=True)
class Repeated:
    """A duplicate: of a stored outcome, or of the message at ``earlier`` in this batch."""

    first: StoredOutcome | None = None
    earlier: int = -1


Result = Accepted | Refused | Repeated


@dataclass
class BatchPlan:
    events: list[PendingEvent] = field(default_factory=list)
    subjects: list[tuple[PendingEvent, str]] = field(default_factory=list)
    """events that hold personal data, with the employee it belongs to"""
    outcomes: list[PendingOutcome] = field(default_factory=list)
    duplicates: list[MessageKey] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    states: dict[StreamKey, StreamState] = field(default_factory=dict)
    """every stream of the batch as it is after the batch"""
    expected: list[tuple[str, str, int]] = field(default_factory=list)
    """(tenant, stream, version decided against) of every stream the batch reads or writes"""
    unseen: list[MessageKey] = field(default_factory=list)
    """the batch's message ids taken to be new"""
    linked: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """(tenant, agreement_id, booking ids known) of every agreement whose live bookings an accepted message's guard
    read: the log may hold no other"""

    def outcomes_json(
        self, batch: Sequence[Prepared], refs: Mapping[MessageKey, list[EventRef]]
    ) -> list[dict[str, Any]]:
        """The outcome of every message, in the batch's order, once the append has given the events' places."""
        built: list[dict[str, Any]] = []
        for prepared, result in zip(batch, self.results, strict=True):
            if isinstance(result, Accepted):
                built.append({"status": "accepted", "tenant": prepared.tenant, "message_id": prepared.message_id,
                              "events": [ref.as_json() for ref in refs[result.key]]})
            elif isinstance(result, Refused):
                built.append(result.outcome)
            else:
                first = result.first.as_json() if result.first is not None else built[result.earlier]
                built.append(duplicate(prepared, first))
        return built


def batch_streams(batch: Sequence[Prepared]) -> list[StreamKey]:
    """Every stream the batch's decisions read or write, in a stable order."""
    return sorted({(p.tenant, s) for p in batch if p.message is not None and p.tenant is not None for s in p.streams})


def plan_batch(
    batch: Sequence[Prepared], beliefs: Mapping[StreamKey, StreamState | None], news: LogNews
) -> BatchPlan:
    """Decide the batch in order against ``beliefs`` (the cache) brought up to date by ``news``."""
    plan = BatchPlan()
    versions: dict[StreamKey, int] = {}
    states: dict[StreamKey, Any] = {}
    for stream_key in batch_streams(batch):
        belief = beliefs.get(stream_key)
        state, version = (belief.state, belief.version) if belief is not None else (initial_state(stream_key[1]), 0)
        for event in news.newer.get(stream_key, []):
            state, version = evolve(state, event.type, event.data), event.version
        states[stream_key], versions[stream_key] = state, version
        plan.expected.append((stream_key[0], stream_key[1], version))
    plan.unseen = sorted({p.key for p in batch if p.key is not None and p.key not in news.seen})
    links = _AgreementLinks(news.linked)
    first_in_batch: dict[MessageKey, int] = {}
    for index, prepared in enumerate(batch):
        key = prepared.key
        if key is not None and (key in news.seen or key in first_in_batch):
            plan.results.append(Repeated(first=news.seen.get(key), earlier=first_in_batch.get(key, -1)))
            plan.duplicates.append(key)
            continue
        if key is not None:
            first_in_batch[key] = index
        plan.results.append(_decide_one(prepared, states, versions, plan, links))
    plan.states = {key: StreamState(versions[key], state) for key, state in states.items()}
    return plan


class _AgreementLinks:
    """The live bookings of each agreement, as far as a batch's guards read them: the ones the log told of
    (``LogNews.linked``) and the ones the batch accepted, a booking no longer live once the batch's states of its
    stream have it cancelled."""

    def __init__(self, logged: Mapping[AgreementKey, set[str]]) -> None:
        self.logged = logged
        self.batch: dict[AgreementKey, list[str]] = {}

    def live(self, tenant: str, agreement_id: str, own: str, states: Mapping[StreamKey, Any]) -> list[str]:
        """The agreement's live bookings but ``own``, the log's then the batch's, each once."""
        found = dict.fromkeys([*sorted(self.logged.get((tenant, agreement_id), ())),
                               *self.batch.get((tenant, agreement_id), [])])
        return [booking_id for booking_id in found
                if booking_id != own and not _cancelled(states.get((tenant, booking.stream(booking_id))))]

    def known(self, tenant: str, agreement_id: str, own: str) -> list[str]:
        """The booking ids the append checks the log against: ``own`` and the ones the log told of (a booking the
        batch cancels is still live in the log until the batch is written)."""
        return sorted({own, *self.logged.get((tenant, agreement_id), ())})

    def accepted(self, tenant: str, prepared: Prepared) -> None:
        link = booking.agreement_link(prepared.message) if prepared.message is not None else None
        if link is not None:
            self.batch.setdefault((tenant, link[0]), []).append(link[1])


def _cancelled(state: Any) -> bool:
    return isinstance(state, booking.BookingState) and state.cancelled


def _decide_one(
    prepared: Prepared, states: dict[StreamKey, Any], versions: dict[StreamKey, int], plan: BatchPlan,
    links: _AgreementLinks,
) -> Result:
    rejection = prepared.rejection
    key = prepared.key
    if rejection is None:
        assert prepared.message is not None and prepared.tenant is not None and key is not None
        tenant, envelope = prepared.tenant, prepared.message.envelope
        linked = prepared.linked_agreement
        try:
            read = {s: states[(tenant, s)] for s in prepared.streams}
            new_events = judge(prepared.message, read)
            if prepared.guard is not None:
                live = links.live(tenant, *linked, states) if linked is not None else []
                prepared.guard(prepared.message, read, live)
        except Rejected as refused:
            rejection = refused
        else:
            links.accepted(tenant, prepared)
            if linked is not None:
                plan.linked.append((tenant, linked[0], links.known(tenant, *linked)))
            for new in new_events:
                stream_key = (tenant, new.stream)
                versions[stream_key] = versions.get(stream_key, 0) + 1
                states[stream_key] = evolve(states.get(stream_key, initial_state(new.stream)), new.type, new.data)
                event = PendingEvent(tenant=tenant, stream=new.stream, version=versions[stream_key], type=new.type,
                                     occurred_at=envelope.occurred_at, message_id=envelope.message_id,
                                     actor=envelope.actor, data=new.data)
                plan.events.append(event)
                if new.subject is not None:
                    plan.subjects.append((event, new.subject))
            plan.outcomes.append(PendingOutcome(tenant, envelope.message_id, "accepted", message_type=envelope.type))
            return Accepted(key)
    # A message that may not claim its ids (forbidden) is stored without them, so it blocks no one's message id.
    stored_as = (prepared.tenant, prepared.message_id) if prepared.idempotent else (None, None)
    plan.outcomes.append(PendingOutcome(stored_as[0], stored_as[1], "rejected", reason=rejection.reason.value,
                                        detail=rejection.detail, message_type=prepared.type, raw=prepared.raw,
                                        raw_size=len(prepared.raw), source=prepared.stored_source))
    return Refused({"status": "rejected", "tenant": prepared.tenant, "message_id": prepared.message_id,
                    "reason": rejection.reason.value, "detail": rejection.detail, "type": prepared.type})


def duplicate(prepared: Prepared, first: dict[str, Any]) -> dict[str, Any]:
    """The outcome of a message seen before: ``first`` is the outcome it had then."""
    first = first if first["status"] != "duplicate" else first["first"]
    return {"status": "duplicate", "tenant": prepared.tenant, "message_id": prepared.message_id, "first": first}
