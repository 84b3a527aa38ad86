"""The decider over all aggregates: route a message to its stream, fold events, decide new events.

The caller loads the target stream and every referenced stream, folds each with ``evolve`` from
``initial_state``, and passes the states to ``decide``. Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.aggregates import agreement, booking, company, employee, funding, gap, run
from domain.aggregates.agreement import AgreementState
from domain.aggregates.booking import BookingState
from domain.aggregates.common import NewEvent
from domain.aggregates.company import CompanyState
from domain.aggregates.employee import EmployeeState
from domain.aggregates.funding import FundingState
from domain.aggregates.gap import GapState
from domain.aggregates.run import RunState
from domain.messages import Message

__all__ = [
    "PERSONAL_FIELDS", "AgreementState", "BookingState", "CompanyState", "EmployeeState", "FundingState", "GapState",
    "NewEvent", "RunState", "State", "decide", "evolve", "initial_state", "referenced_streams", "target_stream",
]

State = CompanyState | EmployeeState | GapState | AgreementState | BookingState | FundingState | RunState | None
"""The state of one stream; None for an entity stream that has no events yet."""

PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "EmployeeRegistered": ("name",),
    "DevelopmentReviewHeld": ("notes",),
    "EducationAgreementWithdrawn": ("reason",),
    "CourseCancelled": ("reason",),
    "SubstituteArranged": ("substitute",),
}
"""Event type -> the top-level data fields that hold personal data (encrypted per employee)."""


@dataclass(frozen=True)
class _Aggregate:
    types: frozenset[str]
    target_stream: Callable[[Message], str]
    referenced_streams: Callable[[Message], list[str]]
    evolve: Callable[[object, str, Mapping[str, Any]], State]
    decide: Callable[[Message, Mapping[str, object]], list[NewEvent]]


_AGGREGATES = tuple(
    _Aggregate(module.TYPES, module.target_stream, module.referenced_streams, module.evolve, module.decide)
    for module in (company, employee, gap, agreement, booking, funding, run)
)
_BY_TYPE = {event_type: aggregate for aggregate in _AGGREGATES for event_type in aggregate.types}


def _aggregate(event_type: str) -> _Aggregate:
    return _BY_TYPE[event_type]


def target_stream(msg: Message) -> str:
    """The one stream the message's event is appended to."""
    return _aggregate(msg.envelope.type).target_stream(msg)


def referenced_streams(msg: Message) -> list[str]:
    """Other streams whose state ``decide`` needs for this message; never the target itself."""
    target = target_stream(msg)
    return [name for name in _aggregate(msg.envelope.type).referenced_streams(msg) if name != target]


def initial_state(stream: str) -> State:
    return company.CompanyState() if stream == company.STREAM else None


def evolve(state: State, event_type: str, data: Mapping[str, Any]) -> State:
    """Apply one stored event. Never validates: events in the log were accepted once."""
    aggregate = _BY_TYPE.get(event_type)
    return state if aggregate is None else aggregate.evolve(state, event_type, data)


def decide(msg: Message, states: Mapping[str, State]) -> list[NewEvent]:
    """The events a valid message becomes, or Rejected: references (unknown_*) first, then state."""
    return _aggregate(msg.envelope.type).decide(msg, states)
