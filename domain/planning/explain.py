"""Why a plannable agreement got no run (contract §8).

``no_eligible_run`` when no run is eligible (H2); otherwise its earliest eligible run (by starts_on, then
run_id in code-point order) is judged against the other assignments of the plan, and the first rule that
blocks it is named: ``seats`` (H3: its assignments and live bookings fill the seats), ``overlap`` (H4: it
shares a day with a run the plan gives the same employee, or with one of their live bookings), ``capacity``
(H5: on one of its days the department would have more people away than allowed); when none blocks it,
``not_chosen``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from domain.planning import wording
from domain.planning.calendar import Calendar
from domain.planning.eligibility import bookings_by_employee, clashing_booking, eligible_runs, seats_taken
from domain.planning.facts import Agreement, PlanFacts, Run, share_days
from domain.planning.plan import Assignment, Unplanned, Why


class Explainer:
    """Judges unplanned agreements against one plan's assignments."""

    def __init__(self, facts: PlanFacts, calendar: Calendar, assignments: Iterable[Assignment]) -> None:
        self.facts = facts
        self.calendar = calendar
        self.assignments = list(assignments)
        self.runs = {run.run_id: run for run in facts.runs}
        self.live = seats_taken(facts.bookings)
        self.planned_on_run = Counter(a.run_id for a in self.assignments)
        self.planned_runs: dict[str, list[Run]] = defaultdict(list)
        self.planned_away: dict[str, Counter[int]] = defaultdict(Counter)
        for a in self.assignments:
            run = self.runs[a.run_id]
            self.planned_runs[a.employee_id].append(run)
            department = facts.employee_by_id[a.employee_id].department
            self.planned_away[department].update(calendar.index(day) for day in run.days)
        self.bookings = bookings_by_employee(facts.bookings)

    def explain(self, agreement: Agreement) -> Unplanned:
        runs = eligible_runs(self.facts, agreement)
        employee = self.facts.employee_by_id[agreement.employee_id]
        unplanned = Unplanned(agreement.agreement_id, agreement.employee_id, Why.NOT_CHOSEN)
        if not runs:
            last = min(self.facts.end, agreement.due_by)
            return _with(unplanned, Why.NO_ELIGIBLE_RUN, wording.no_eligible_run(agreement, self.facts.start, last))
        run = runs[0]
        blocked = (
            self._seats(unplanned, run)
            or self._overlap(unplanned, run)
            or self._capacity(unplanned, run, employee.department)
        )
        return blocked or _with(unplanned, Why.NOT_CHOSEN, wording.not_chosen(run), run_id=run.run_id)

    def _seats(self, unplanned: Unplanned, run: Run) -> Unplanned | None:
        taken = self.live[run.run_id] + self.planned_on_run[run.run_id]
        if taken < run.seats:
            return None
        return _with(unplanned, Why.SEATS, wording.seats(run, taken), run_id=run.run_id)

    def _overlap(self, unplanned: Unplanned, run: Run) -> Unplanned | None:
        employee_id = unplanned.employee_id
        span = (run.starts_on, run.ends_on)
        clashes: list[tuple[date, str, str]] = []  # (first shared day, planned run, booking)
        for planned in self.planned_runs.get(employee_id, []):
            if share_days(span, (planned.starts_on, planned.ends_on)):
                clashes.append((max(run.starts_on, planned.starts_on), planned.run_id, ""))
        booking = clashing_booking(run, self.bookings.get(employee_id, []))
        if booking is not None:
            clashes.append((max(run.starts_on, booking.starts_on), "", booking.booking_id))
        if not clashes:
            return None
        day, planned_run, booking_id = min(clashes)
        text = wording.overlap(run, employee_id, day, planned_run or None, booking_id or None)
        return _with(unplanned, Why.OVERLAP, text, run_id=run.run_id, day=day, blocked_by=planned_run or booking_id)

    def _capacity(self, unplanned: Unplanned, run: Run, department: str) -> Unplanned | None:
        for day in run.days:
            planned = self.planned_away[department][self.calendar.index(day)]
            if planned + 1 > self.calendar.limit(department, day):
                text = wording.capacity(run, department, day, self.calendar.cap(department, day),
                                        self.calendar.away(department, day), planned)
                return _with(unplanned, Why.CAPACITY, text, run_id=run.run_id, day=day, department=department)
        return None


def _with(unplanned: Unplanned, why: Why, detail: dict[str, str], **fields: Any) -> Unplanned:
    return replace(unplanned, why=why, detail=detail, **fields)
