"""The employee stream: registration, moves, leaving, and the employee-scoped facts of phase 1."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from domain.aggregates.common import NewEvent, accept, refuse_if, require, state_of
from domain.errors import Reason
from domain.message_data import (
    AmbassadorAppointed,
    CompetenceAssessed,
    DevelopmentReviewHeld,
    EmployeeLeft,
    EmployeeMoved,
    EmployeeRegistered,
    ManagerAssigned,
)
from domain.messages import Message

EmployeeData = (
    EmployeeRegistered | EmployeeMoved | EmployeeLeft | ManagerAssigned | AmbassadorAppointed
    | DevelopmentReviewHeld | CompetenceAssessed
)
TYPES = frozenset(model.__name__ for model in EmployeeData.__args__)


@dataclass(frozen=True, slots=True)
class EmployeeState:
    employee_id: str
    department: str
    job_family: str
    left: bool = False


def stream(employee_id: str) -> str:
    return f"employee-{employee_id}"


def _data(msg: Message) -> EmployeeData:
    assert isinstance(msg.data, EmployeeData), msg.envelope.type
    return msg.data


def target_stream(msg: Message) -> str:
    return stream(_data(msg).employee_id)


def referenced_streams(msg: Message) -> list[str]:
    data = _data(msg)
    if isinstance(data, ManagerAssigned) and data.manager_id != data.employee_id:
        return [stream(data.manager_id)]
    return []


def evolve(state: object, event_type: str, data: Mapping[str, Any]) -> EmployeeState | None:
    if event_type == "EmployeeRegistered":
        return EmployeeState(
            employee_id=str(data.get("employee_id")),
            department=str(data.get("department")),
            job_family=str(data.get("job_family")),
        )
    if not isinstance(state, EmployeeState):
        return None
    if event_type == "EmployeeMoved":
        return replace(state, department=str(data.get("department")))
    if event_type == "EmployeeLeft":
        return replace(state, left=True)
    return state


def registered(msg: Message, states: Mapping[str, object], employee_id: str) -> EmployeeState:
    """The registered employee, or the rejection ``unknown_employee``."""
    return require(
        state_of(states, stream(employee_id), EmployeeState),
        Reason.UNKNOWN_EMPLOYEE,
        f"employee {employee_id!r} is not registered in tenant {msg.envelope.tenant!r}",
    )


def refuse_if_left(employee: EmployeeState, step: str) -> None:
    refuse_if(employee.left, f"employee {employee.employee_id!r} has left and {step}")


def decide(msg: Message, states: Mapping[str, object]) -> list[NewEvent]:
    data = _data(msg)
    if isinstance(data, EmployeeRegistered):
        already = state_of(states, stream(data.employee_id), EmployeeState)
        refuse_if(already is not None, f"employee {data.employee_id!r} is already registered")
        return accept(msg, stream(data.employee_id), subject=data.employee_id)
    employee = registered(msg, states, data.employee_id)
    if isinstance(data, ManagerAssigned):
        registered(msg, states, data.manager_id)
    if isinstance(data, EmployeeMoved):
        refuse_if_left(employee, "cannot be moved")
    if isinstance(data, EmployeeLeft):
        refuse_if_left(employee, "cannot leave again")
    return accept(msg, stream(data.employee_id), subject=data.employee_id)
