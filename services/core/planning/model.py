"""The plan as a CP-SAT model (contract §8), built from plain facts.

One optional interval per candidate (agreement, run): an eligible run (H2) that still has a seat after its
live bookings (H3), shares no day with the employee's live bookings (H4: what a fixed interval in the
employee's no-overlap would forbid) and has room in the department on every one of its days (H5). Then:

- H1: at most one candidate per agreement;
- H3: a run's candidates chosen ≤ its seats less its live bookings;
- H4: the employee's candidates do not overlap (a no-overlap over their intervals);
- H5: per department and day, the candidates chosen that cover the day ≤ the day's room (cap less the people
  away on live bookings). A run's dates are fixed, so the department's cumulative is the same as one sum per
  stretch of days over which the room and the covering candidates stay the same; stretches whose candidates
  belong to no more employees than there is room for need none.

The objective is §8's: each chosen candidate's value (1000 less its busy and normal days) plus 5 for each
unskilled or skilled employee with a same-department colleague chosen on the same run (a bonus variable
that may be 1 only when the candidate and at least one such colleague are chosen).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from domain.planning.calendar import Calendar
from domain.planning.eligibility import RunCatalog, bookings_by_employee, clashing_booking, seats_taken
from domain.planning.facts import Agreement, Employee, PlanFacts, Run
from domain.planning.objective import needs_buddy, run_value
from domain.rules import BUDDY_BONUS


@dataclass(frozen=True, slots=True)
class Candidate:
    agreement: Agreement
    employee: Employee
    run: Run
    value: int
    first: int
    """The run's first day as an offset from the plan's first day."""
    last: int


@dataclass
class PlanModel:
    model: cp_model.CpModel
    candidates: list[Candidate]
    chosen: list[cp_model.IntVar]
    bonuses: list[cp_model.IntVar] = field(default_factory=list)


def candidates(facts: PlanFacts, calendar: Calendar) -> list[Candidate]:
    """Every (agreement, run) a plan could hold, agreements in code-point order, runs earliest first."""
    catalog = RunCatalog(facts)
    live = seats_taken(facts.bookings)
    booked = bookings_by_employee(facts.bookings)
    room: dict[tuple[str, str], bool] = {}
    found = []
    for agreement in sorted(facts.agreements, key=lambda a: a.agreement_id):
        employee = facts.employee_by_id[agreement.employee_id]
        for run in catalog.eligible_runs(agreement):
            if live[run.run_id] >= run.seats or clashing_booking(run, booked.get(employee.employee_id, [])):
                continue
            key = (employee.department, run.run_id)
            if key not in room:
                room[key] = all(calendar.limit(employee.department, day) > 0 for day in run.days)
            if room[key]:
                found.append(Candidate(agreement, employee, run, run_value(calendar, employee.department, run),
                                       calendar.index(run.starts_on), calendar.index(run.ends_on)))
    return found


def build(facts: PlanFacts, calendar: Calendar) -> PlanModel:
    model = cp_model.CpModel()
    found = candidates(facts, calendar)
    chosen = [model.new_bool_var(f"x{i}") for i in range(len(found))]
    plan = PlanModel(model, found, chosen)
    _one_run_per_agreement(plan)
    _seats(plan, seats_taken(facts.bookings))
    _no_overlap(plan)
    _capacity(plan, calendar)
    _objective(plan)
    return plan


def _groups(plan: PlanModel, key: object) -> dict[object, list[int]]:
    groups: dict[object, list[int]] = defaultdict(list)
    for i, candidate in enumerate(plan.candidates):
        groups[key(candidate)].append(i)  # type: ignore[operator]
    return groups


def _one_run_per_agreement(plan: PlanModel) -> None:
    for members in _groups(plan, lambda c: c.agreement.agreement_id).values():
        if len(members) > 1:
            plan.model.add_at_most_one(plan.chosen[i] for i in members)


def _seats(plan: PlanModel, live: dict[str, int]) -> None:
    for run_id, members in _groups(plan, lambda c: c.run.run_id).items():
        left = plan.candidates[members[0]].run.seats - live.get(str(run_id), 0)
        if len(members) > left:
            plan.model.add(sum(plan.chosen[i] for i in members) <= left)


def _no_overlap(plan: PlanModel) -> None:
    for members in _groups(plan, lambda c: c.employee.employee_id).values():
        if len(members) < 2:
            continue
        intervals = [
            plan.model.new_optional_fixed_size_interval_var(
                plan.candidates[i].first, plan.candidates[i].last - plan.candidates[i].first + 1,
                plan.chosen[i], f"i{i}")
            for i in members
        ]
        plan.model.add_no_overlap(intervals)


def _capacity(plan: PlanModel, calendar: Calendar) -> None:
    for department, members in _groups(plan, lambda c: c.employee.department).items():
        for covering, room in _stretches(plan, calendar, str(department), members):
            people = {plan.candidates[i].employee.employee_id for i in covering}
            if len(people) > room:
                plan.model.add(sum(plan.chosen[i] for i in covering) <= room)


def _stretches(
    plan: PlanModel, calendar: Calendar, department: str, members: Iterable[int]
) -> list[tuple[tuple[int, ...], int]]:
    """(candidates covering, room) for each stretch of days over which both stay the same, without repeats."""
    starting: dict[int, list[int]] = defaultdict(list)
    ending: dict[int, list[int]] = defaultdict(list)
    for i in members:
        starting[plan.candidates[i].first].append(i)
        ending[plan.candidates[i].last + 1].append(i)
    covering: set[int] = set()
    seen: set[tuple[tuple[int, ...], int]] = set()
    stretches = []
    previous_room = None
    for offset, day in enumerate(calendar.days):
        room = calendar.limit(department, day)
        changed = offset in starting or offset in ending or room != previous_room
        covering.difference_update(ending.get(offset, ()))
        covering.update(starting.get(offset, ()))
        previous_room = room
        if not changed or not covering:
            continue
        stretch = (tuple(sorted(covering)), room)
        if stretch not in seen:
            seen.add(stretch)
            stretches.append(stretch)
    return stretches


def _objective(plan: PlanModel) -> None:
    terms = [c.value * x for c, x in zip(plan.candidates, plan.chosen, strict=True)]
    together = _groups(plan, lambda c: (c.run.run_id, c.employee.department))
    for i, candidate in enumerate(plan.candidates):
        if not needs_buddy(candidate.employee.job_family):
            continue
        group = together[(candidate.run.run_id, candidate.employee.department)]
        colleagues = [j for j in group if plan.candidates[j].employee.employee_id != candidate.employee.employee_id]
        if not colleagues:
            continue
        bonus = plan.model.new_bool_var(f"b{i}")
        plan.model.add_implication(bonus, plan.chosen[i])
        plan.model.add(bonus <= sum(plan.chosen[j] for j in colleagues))
        plan.bonuses.append(bonus)
        terms.append(BUDDY_BONUS * bonus)
    plan.model.maximize(sum(terms))
