"""Plain facts for the pure planning tests: a small company planning from 2027-01-04 to 2027-03-31."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.planning.facts import Agreement, AwayShares, Booking, Employee, PlanFacts, Run, Wheel

START, END = date(2027, 1, 4), date(2027, 3, 31)
DEFAULT_SHARES = AwayShares(Decimal("0.25"), Decimal("0.15"), Decimal("0.05"))
ALL_LOW = tuple(["low"] * 12)


def day(offset: int) -> date:
    return START + timedelta(offset)


def run(run_id: str, first: int, length: int = 1, *, title: str = "Welding", seats: int = 5, **kw: Any) -> Run:
    return Run(run_id, title, day(first), day(first + length - 1), seats, **kw)


def agreement(agreement_id: str, employee_id: str, *, title: str = "Welding", due_by: date = END,
              **kw: Any) -> Agreement:
    return Agreement(agreement_id, employee_id, title, due_by, **kw)


def staff(*people: tuple[str, str, str]) -> tuple[Employee, ...]:
    return tuple(Employee(*person) for person in people)


def booking(booking_id: str, employee_id: str, first: int, length: int = 1, run_id: str | None = None) -> Booking:
    return Booking(booking_id, employee_id, day(first), day(first + length - 1), run_id)


def facts(**kw: Any) -> PlanFacts:
    base = PlanFacts("acme", START, END, DEFAULT_SHARES, wheels=(Wheel(None, date(2020, 1, 1), ALL_LOW),))
    return replace(base, **kw)
