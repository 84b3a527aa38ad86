"""What a plan for [start, end] is made from: the facts dated on or before its first day (contract §8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Employee:
    """An employee active on the first day, in their department on that day."""

    employee_id: str
    department: str
    job_family: str


@dataclass(frozen=True, slots=True)
class Agreement:
    """A plannable agreement (H1): open on the first day, of an active employee, due on or after that day,
    and no live booking linked to it. ``due_by`` is resolved (the cycle's last day when none was sent)."""

    agreement_id: str
    employee_id: str
    title: str
    due_by: date
    course_code: str | None = None
    gap_competence: str | None = None
    """The competence of its gap; None when it has no gap."""


@dataclass(frozen=True, slots=True)
class Run:
    """A course run announced and not withdrawn on the first day."""

    run_id: str
    title: str
    starts_on: date
    ends_on: date
    seats: int
    hours: Decimal = Decimal(0)
    kind: str = "amu"
    code: str | None = None
    competence: str | None = None
    provider: str | None = None
    fee: Decimal | None = None

    @property
    def days(self) -> list[date]:
        return days_between(self.starts_on, self.ends_on)


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking live on the first day (booked on or before it, not cancelled as of it)."""

    booking_id: str
    employee_id: str
    starts_on: date
    ends_on: date
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class Wheel:
    """An annual wheel definition; ``months`` holds the kind of January … December. ``order`` is its place
    in the log, which decides between definitions of equal ``effective_from``."""

    department: str | None
    effective_from: date
    months: tuple[str, ...]
    order: int = 0


@dataclass(frozen=True, slots=True)
class AwayShares:
    """The share of a department that may be away, per month kind, from the rules in force on the first day."""

    low: Decimal
    normal: Decimal
    busy: Decimal

    def of(self, season: str) -> Decimal:
        share: Decimal = getattr(self, season)
        return share


@dataclass(frozen=True)
class PlanFacts:
    tenant: str
    start: date
    end: date
    shares: AwayShares
    employees: tuple[Employee, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    runs: tuple[Run, ...] = ()
    bookings: tuple[Booking, ...] = ()
    wheels: tuple[Wheel, ...] = ()
    employee_by_id: dict[str, Employee] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "employee_by_id", {e.employee_id: e for e in self.employees})

    @property
    def days(self) -> list[date]:
        return days_between(self.start, self.end)


def days_between(first: date, last: date) -> list[date]:
    """Every calendar day from ``first`` to ``last``, both included."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def share_days(first: tuple[date, date], second: tuple[date, date]) -> bool:
    """Whether two inclusive date ranges have a day in common."""
    return first[0] <= second[1] and second[0] <= first[1]
