"""The course run stream: a provider's dated run of a course, announced once and withdrawn at most once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from domain.aggregates.common import NewEvent, accept, refuse_if, require, state_of
from domain.errors import Reason
from domain.message_data import CourseRunAnnounced, CourseRunWithdrawn
from domain.messages import Message

RunData = CourseRunAnnounced | CourseRunWithdrawn
TYPES = frozenset(model.__name__ for model in RunData.__args__)


@dataclass(frozen=True, slots=True)
class RunState:
    run_id: str
    withdrawn: bool = False


def stream(run_id: str) -> str:
    return f"run-{run_id}"


def _data(msg: Message) -> RunData:
    assert isinstance(msg.data, RunData), msg.envelope.type
    return msg.data


def target_stream(msg: Message) -> str:
    return stream(_data(msg).run_id)


def referenced_streams(msg: Message) -> list[str]:
    return []


def evolve(state: object, event_type: str, data: Mapping[str, Any]) -> RunState | None:
    if event_type == "CourseRunAnnounced":
        return RunState(run_id=str(data.get("run_id")))
    if not isinstance(state, RunState):
        return None
    if event_type == "CourseRunWithdrawn":
        return replace(state, withdrawn=True)
    return state


def existing(msg: Message, states: Mapping[str, object], run_id: str) -> RunState:
    """The announced run, or the rejection ``unknown_run``."""
    return require(
        state_of(states, stream(run_id), RunState),
        Reason.UNKNOWN_RUN,
        f"run {run_id!r} has not been announced in tenant {msg.envelope.tenant!r}",
    )


def decide(msg: Message, states: Mapping[str, object]) -> list[NewEvent]:
    data = _data(msg)
    if isinstance(data, CourseRunAnnounced):
        already = state_of(states, stream(data.run_id), RunState)
        refuse_if(already is not None, f"run {data.run_id!r} is already announced")
        return accept(msg, stream(data.run_id), subject=None)
    run = existing(msg, states, data.run_id)
    refuse_if(run.withdrawn, f"run {data.run_id!r} is already withdrawn")
    return accept(msg, stream(data.run_id), subject=None)
