"""The company stream: its registration (display name), strategy, departments, annual wheels, committee
meetings, planning rules. No rules reject these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.aggregates.common import NewEvent, accept
from domain.messages import Message

STREAM = "company"
TYPES = frozenset({
    "CompanyRegistered", "EducationStrategyAdopted", "DepartmentRegistered", "AnnualWheelDefined",
    "CommitteeMeetingHeld", "PlanningRulesSet",
})


@dataclass(frozen=True, slots=True)
class CompanyState:
    departments: Mapping[str, str] = field(default_factory=dict)
    """Department id -> its current name (a repeated DepartmentRegistered renames)."""


def target_stream(msg: Message) -> str:
    return STREAM


def referenced_streams(msg: Message) -> list[str]:
    return []


def evolve(state: object, event_type: str, data: Mapping[str, Any]) -> CompanyState:
    company = state if isinstance(state, CompanyState) else CompanyState()
    if event_type == "DepartmentRegistered":
        renamed = {**company.departments, str(data.get("department")): str(data.get("name"))}
        return CompanyState(departments=renamed)
    return company


def decide(msg: Message, states: Mapping[str, object]) -> list[NewEvent]:
    return accept(msg, STREAM, subject=None)
