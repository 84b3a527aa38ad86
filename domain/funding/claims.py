"""Where each claim stands on a date: applied, granted, paid, at risk or lost — and the two workbench actions
that warn before money is lost.

- A claim is **at risk** while nothing was applied for and it still can be: VEU from enrolment (it is applied
  for when the course is booked) until it lapses; a fund from 14 days before its lead time runs out until it does.
- It is **lost** when its deadline passed without an application, when the application came after a fund's
  deadline (and nothing was granted), or when it was rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from domain.funding.expected import Expected
from domain.funding.facts import CourseFacts
from domain.funding.hours import shifted
from domain.funding.money import ZERO, text
from domain.funding.rules import VEU_SCHEME

WARNING_DAYS: Final = 14
"""A fund's deadline is warned about from this many days before it."""

APPLIED, GRANTED, PAID, REJECTED = "FundingApplied", "FundingGranted", "FundingPaid", "FundingRejected"


@dataclass(frozen=True)
class ClaimStep:
    seq: int
    type: str
    on: date
    amount: Decimal | None


@dataclass(frozen=True)
class ClaimLine:
    """One scheme's claim for one booking on the read's date."""

    scheme: str
    name: str
    expected: Expected
    state: str
    applied: Decimal
    applied_on: date | None
    granted: Decimal | None
    paid: Decimal
    at_risk: Decimal | None
    lost: Decimal | None

    @property
    def deadline(self) -> date | None:
        return self.expected.deadline

    def warns_from(self, course: CourseFacts) -> date | None:
        """The day an action about this claim starts (its ``since``), when it is at risk."""
        if self.state != "at_risk" or self.deadline is None:
            return None
        return course.booked_on if self.scheme == VEU_SCHEME else shifted(self.deadline, -WARNING_DAYS)


def claim_line(
    name: str, expected: Expected, course: CourseFacts, steps: Iterable[ClaimStep], as_of: date
) -> ClaimLine:
    applied, applied_on, granted, paid, pending, rejected = ZERO, None, None, ZERO, False, False
    for s in sorted(steps, key=lambda s: s.seq):
        if s.on > as_of:
            continue
        if s.type == APPLIED:
            applied, applied_on, granted, paid, pending, rejected = s.amount or ZERO, s.on, None, ZERO, True, False
        elif s.type == GRANTED:
            granted, pending = s.amount or ZERO, False
        elif s.type == REJECTED:
            pending, rejected = False, True
        elif s.type == PAID:
            paid += s.amount or ZERO
    state = _state(expected, course, as_of, applied_on, granted, paid, pending, rejected)
    amount = expected.amount
    at_risk: Decimal | None = ZERO
    lost: Decimal | None = ZERO
    if state == "at_risk":
        at_risk = amount
    if state in ("lost", "rejected", "applied_late"):
        lost = None if amount is None else max(ZERO, amount - paid)
    return ClaimLine(expected.scheme, name, expected, state, applied, applied_on, granted, paid, at_risk, lost)


def _state(expected: Expected, course: CourseFacts, as_of: date, applied_on: date | None, granted: Decimal | None,
           paid: Decimal, pending: bool, rejected: bool) -> str:
    deadline = expected.deadline
    if paid > 0:
        return "paid" if granted is not None and paid >= granted else "partly_paid"
    if granted is not None:
        return "granted"
    if pending:
        late = (expected.scheme != VEU_SCHEME and deadline is not None
                and applied_on is not None and applied_on > deadline)
        return "applied_late" if late else "applied"
    if rejected:
        return "rejected"
    if course.cancelled:
        return "cancelled"
    if not expected.eligible or deadline is None:
        return "not_eligible"
    if as_of > deadline:
        return "lost"
    if expected.scheme == VEU_SCHEME or as_of >= shifted(deadline, -WARNING_DAYS):
        return "at_risk"
    return "to_apply"


@dataclass(frozen=True)
class Placement:
    """An employee on the read's date: active or not, their department and manager then."""

    active: bool
    department: str | None
    manager_id: str | None


DETAILS_KEPT = 50_000
"""At most this many details are kept in the ``details`` of ``funding_actions`` (emptied when full)."""


def funding_actions(lines: Iterable[tuple[CourseFacts, ClaimLine]], people: Mapping[str, Placement],
                    as_of: date, details: MutableMapping[tuple[int, str, str], tuple[Expected, str]] | None = None
                    ) -> list[dict[str, Any]]:
    """``funding_deadline`` (a fund's deadline within 14 days, not applied for) and ``funding_unclaimed`` (VEU not
    applied for since enrolment), in the workbench's action shape, for employees active on ``as_of``.

    ``details``: where the detail of a VEU line is kept between calls — it says only the scheme's name, the
    expected amount and deadline and the course's title, and a VEU amount is one object for every course of the
    same inputs (``expected.veu_expected``), so the bookings of one course run share it."""
    actions = []
    for course, line in lines:
        since = line.warns_from(course)
        person = people.get(course.employee_id)
        if since is None or since > as_of or person is None or not person.active:
            continue
        kind = "funding_unclaimed" if line.scheme == VEU_SCHEME else "funding_deadline"
        if details is None or kind != "funding_unclaimed":
            detail = _detail(kind, line, course)
        else:
            key = (id(line.expected), line.name, course.title)
            found = details.get(key)
            if found is None or found[0] is not line.expected:  # the entry holds the amount: its id is not reused
                if len(details) >= DETAILS_KEPT:
                    details.clear()
                found = details[key] = (line.expected, _detail(kind, line, course))
            detail = found[1]
        actions.append({
            "kind": kind,
            "employee_id": course.employee_id,
            "manager_id": person.manager_id,
            "department": person.department,
            "ref": course.booking_id,
            "since": since.isoformat(),
            "detail": detail,
        })
    return sorted(actions, key=lambda a: (a["since"], a["kind"], a["ref"], a["detail"]))


def _detail(kind: str, line: ClaimLine, course: CourseFacts) -> str:
    expected = text(line.expected.amount) if line.expected.amount is not None else "an amount not yet known"
    verb = "was not applied for at enrolment" if kind == "funding_unclaimed" else "must be applied for"
    return (f"{line.name} {verb} by {line.deadline.isoformat() if line.deadline else ''}:"
            f" {expected} kr expected for {course.title!r}")
