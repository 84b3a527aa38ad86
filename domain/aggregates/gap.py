"""The competence gap stream: identified for one employee, closed once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from domain.aggregates import employee
from domain.aggregates.common import NewEvent, accept, refuse_if, require, state_of
from domain.errors import Reason
from domain.message_data import CompetenceGapClosed, CompetenceGapIdentified
from domain.messages import Message

GapData = CompetenceGapIdentified | CompetenceGapClosed
TYPES = frozenset(model.__name__ for model in GapData.__args__)


@dataclass(frozen=True, slots=True)
class GapState:
    gap_id: str
    employee_id: str
    competence: str
    target_level: int
    closed: bool = False


def stream(gap_id: str) -> str:
    return f"gap-{gap_id}"


def _data(msg: Message) -> GapData:
    assert isinstance(msg.data, GapData), msg.envelope.type
    return msg.data


def target_stream(msg: Message) -> str:
    return stream(_data(msg).gap_id)


def referenced_streams(msg: Message) -> list[str]:
    data = _data(msg)
    return [employee.stream(data.employee_id)] if isinstance(data, CompetenceGapIdentified) else []


def evolve(state: object, event_type: str, data: Mapping[str, Any]) -> GapState | None:
    if event_type == "CompetenceGapIdentified":
        return GapState(
            gap_id=str(data.get("gap_id")),
            employee_id=str(data.get("employee_id")),
            competence=str(data.get("competence")),
            target_level=int(data.get("target_level") or 0),
        )
    if not isinstance(state, GapState):
        return None
    if event_type == "CompetenceGapClosed":
        return replace(state, closed=True)
    return state


def existing(msg: Message, states: Mapping[str, object], gap_id: str) -> GapState:
    """The identified gap, or the rejection ``unknown_gap``."""
    return require(
        state_of(states, stream(gap_id), GapState),
        Reason.UNKNOWN_GAP,
        f"gap {gap_id!r} has not been identified in tenant {msg.envelope.tenant!r}",
    )


def decide(msg: Message, states: Mapping[str, object]) -> list[NewEvent]:
    data = _data(msg)
    if isinstance(data, CompetenceGapIdentified):
        employee.registered(msg, states, data.employee_id)
        already = state_of(states, stream(data.gap_id), GapState)
        refuse_if(already is not None, f"gap {data.gap_id!r} is already identified")
        return accept(msg, stream(data.gap_id), subject=data.employee_id)
    gap = existing(msg, states, data.gap_id)
    refuse_if(gap.closed, f"gap {data.gap_id!r} is already closed")
    return accept(msg, stream(data.gap_id), subject=gap.employee_id)
