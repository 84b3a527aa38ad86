"""The education agreement stream: agreed with one employee, withdrawn at most once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from domain.aggregates import employee, gap
from domain.aggregates.common import NewEvent, accept, refuse_if, require, state_of
from domain.errors import Reason
from domain.message_data import EducationAgreed, EducationAgreementWithdrawn
from domain.messages import Message

AgreementData = EducationAgreed | EducationAgreementWithdrawn
TYPES = frozenset(model.__name__ for model in AgreementData.__args__)


@dataclass(frozen=True, slots=True)
class AgreementState:
    agreement_id: str
    employee_id: str
    gap_id: str | None = None
    withdrawn: bool = False


def stream(agreement_id: str) -> str:
    return f"agreement-{agreement_id}"


def _data(msg: Message) -> AgreementData:
    assert isinstance(msg.data, AgreementData), msg.envelope.type
    return msg.data


def target_stream(msg: Message) -> str:
    return stream(_data(msg).agreement_id)


def referenced_streams(msg: Message) -> list[str]:
    data = _data(msg)
    if not isinstance(data, EducationAgreed):
        return []
    return [employee.stream(data.employee_id)] + ([gap.stream(data.gap_id)] if data.gap_id else [])


def evolve(state: object, event_type: str, data: Mapping[str, Any]) -> AgreementState | None:
    if event_type == "EducationAgreed":
        gap_id = data.get("gap_id")
        return AgreementState(
            agreement_id=str(data.get("agreement_id")),
            employee_id=str(data.get("employee_id")),
            gap_id=None if gap_id is None else str(gap_id),
        )
    if not isinstance(state, AgreementState):
        return None
    if event_type == "EducationAgreementWithdrawn":
        return replace(state, withdrawn=True)
    return state


def existing(msg: Message, states: Mapping[str, object], agreement_id: str) -> AgreementState:
    """The agreement, or the rejection ``unknown_agreement``."""
    return require(
        state_of(states, stream(agreement_id), AgreementState),
        Reason.UNKNOWN_AGREEMENT,
        f"agreement {agreement_id!r} does not exist in tenant {msg.envelope.tenant!r}",
    )


def decide(msg: Message, states: Mapping[str, object]) -> list[NewEvent]:
    data = _data(msg)
    if isinstance(data, EducationAgreed):
        return _agree(msg, data, states)
    agreement = existing(msg, states, data.agreement_id)
    refuse_if(agreement.withdrawn, f"agreement {data.agreement_id!r} is already withdrawn")
    return accept(msg, stream(data.agreement_id), subject=agreement.employee_id)


def _agree(msg: Message, data: EducationAgreed, states: Mapping[str, object]) -> list[NewEvent]:
    person = employee.registered(msg, states, data.employee_id)
    linked_gap = gap.existing(msg, states, data.gap_id) if data.gap_id else None
    already = state_of(states, stream(data.agreement_id), AgreementState)
    refuse_if(already is not None, f"agreement {data.agreement_id!r} already exists")
    employee.refuse_if_left(person, "gets no new agreement")
    refuse_if(
        linked_gap is not None and linked_gap.employee_id != data.employee_id,
        f"gap {data.gap_id!r} belongs to another employee, not {data.employee_id!r}",
    )
    return accept(msg, stream(data.agreement_id), subject=data.employee_id)
