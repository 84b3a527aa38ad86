"""What every aggregate's decider shares: the new event and the reference lookups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from domain.errors import Reason, Rejected
from domain.messages import Message, event_data

StateT = TypeVar("StateT")


@dataclass(frozen=True)
class NewEvent:
    """An event decided but not yet stored; ``subject`` is the employee whose personal data it holds."""

    stream: str
    type: str
    data: dict[str, Any]
    subject: str | None


def accept(msg: Message, stream: str, subject: str | None, **overrides: Any) -> list[NewEvent]:
    """The single event an accepted message becomes: same type name, the message's normalized data."""
    data = {**event_data(msg), **overrides}
    return [NewEvent(stream=stream, type=msg.envelope.type, data=data, subject=subject)]


def state_of(states: Mapping[str, object], stream: str, kind: type[StateT]) -> StateT | None:
    """The state of ``stream`` when it holds an entity of ``kind``, else None (no such entity yet)."""
    state = states.get(stream)
    return state if isinstance(state, kind) else None


def require(state: StateT | None, reason: Reason, detail: str) -> StateT:
    if state is None:
        raise Rejected(reason, detail)
    return state


def refuse_if(condition: bool, detail: str) -> None:
    if condition:
        raise Rejected(Reason.INVALID_STATE, detail)
