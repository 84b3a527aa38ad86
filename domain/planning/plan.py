"""A plan: the assignments the assistant proposes, and every plannable agreement it left unplanned, with why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Why(StrEnum):
    """Why a plannable agreement got no run (contract §8), in the order they are judged."""

    NO_ELIGIBLE_RUN = "no_eligible_run"
    SEATS = "seats"
    OVERLAP = "overlap"
    CAPACITY = "capacity"
    NOT_CHOSEN = "not_chosen"


@dataclass(frozen=True, slots=True)
class Assignment:
    agreement_id: str
    employee_id: str
    run_id: str


@dataclass(frozen=True, slots=True)
class Unplanned:
    """An agreement left without a run. ``run_id`` names its earliest eligible run (what blocks it is judged
    there), ``day`` and ``department`` where capacity or an overlap blocks it, ``blocked_by`` the booking or
    planned run it overlaps; ``detail`` says it in words, per language (``da``, ``en``)."""

    agreement_id: str
    employee_id: str
    why: Why
    detail: dict[str, str] = field(default_factory=dict)
    run_id: str | None = None
    day: date | None = None
    department: str | None = None
    blocked_by: str | None = None
