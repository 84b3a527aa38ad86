"""The plan as a CP-SAT model (contract §8), built from plain facts.

A candidate is an (agreement, run) the plan could hold: an eligible run (H2) that still has a seat after its
live bookings (H3), shares no day with the employee's live bookings (H4: what a fixed interval in the
employee's no-overlap would forbid) and has room in the department on every one of its days (H5). Each is a
Boolean, with an optional interval over the run's days where the employee has candidates that could overlap.
Then:

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
from collections.abc import Callable, Hashable, Iterable, Mapping
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
    pairs: dict[int, tuple[int, list[int]]] = field(default_factory=dict)
    """Bonus variable index -> (its candidate, the colleagues that earn it)."""

    def groups(self, key: Callable[[Candidate], Hashable]) -> dict[Hashable, list[int]]:
        """Candidate indices by ``key``, each group in candidate order."""
        found: dict[Hashable, list[int]] = defaultdict(list)
        for i, candidate in enumerate(self.candidates):
            found[key(candidate)].append(i)
        return found

    def chosen_sum(self, members: Iterable[int]) -> cp_model.LinearExprT:
        return cp_model.LinearExpr.sum([self.chosen[i] for i in members])


def candidates(facts: PlanFacts, calendar: Calendar) -> list[Candidate]:
    """Every (agreement, run) a plan could hold, agreements in code-point order, runs earliest first."""
    catalog = RunCatalog(facts)
    live = seats_taken(facts.bookings)
    booked = bookings_by_employee(facts.bookings)
    worth: dict[tuple[str, str], int | None] = {}  # (department, run) -> value, None when H5 leaves no room
    found = []
    for agreement in sorted(facts.agreements, key=lambda a: a.agreement_id):
        employee = facts.employee_by_id[agreement.employee_id]
        for run in catalog.eligible_runs(agreement):
            if live[run.run_id] >= run.seats or clashing_booking(run, booked.get(employee.employee_id, [])):
                continue
            key = (employee.department, run.run_id)
            if key not in worth:
                first, last = calendar.index(run.starts_on), calendar.index(run.ends_on)
                room = min(calendar.limits(employee.department)[first:last + 1]) > 0
                worth[key] = run_value(calendar, employee.department, run) if room else None
            value = worth[key]
            if value is not None:
                found.append(Candidate(agreement, employee, run, value, calendar.index(run.starts_on),
                                       calendar.index(run.ends_on)))
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


def _one_run_per_agreement(plan: PlanModel) -> None:
    for members in plan.groups(lambda c: c.agreement.agreement_id).values():
        if len(members) > 1:
            plan.model.add_at_most_one([plan.chosen[i] for i in members])


def _seats(plan: PlanModel, live: Mapping[str, int]) -> None:
    for members in plan.groups(lambda c: c.run.run_id).values():
        run = plan.candidates[members[0]].run
        left = run.seats - live.get(run.run_id, 0)
        if len(members) > left:
            plan.model.add(plan.chosen_sum(members) <= left)


def _no_overlap(plan: PlanModel) -> None:
    for members in plan.groups(lambda c: c.employee.employee_id).values():
        if len(members) < 2 or not _any_overlap([plan.candidates[i] for i in members]):
            continue
        intervals = [
            plan.model.new_optional_fixed_size_interval_var(
                plan.candidates[i].first, plan.candidates[i].last - plan.candidates[i].first + 1,
                plan.chosen[i], f"i{i}")
            for i in members
        ]
        plan.model.add_no_overlap(intervals)


def _any_overlap(candidates: list[Candidate]) -> bool:
    """Whether two of the candidates of different agreements share a day (one agreement's are exclusive)."""
    spans = sorted((c.first, c.last, c.agreement.agreement_id) for c in candidates)
    return any(
        later[0] <= earlier[1] and later[2] != earlier[2]
        for i, earlier in enumerate(spans) for later in spans[i + 1:]
    )


def _capacity(plan: PlanModel, calendar: Calendar) -> None:
    for department, members in plan.groups(lambda c: c.employee.department).items():
        for covering, room in _stretches(plan, calendar.limits(str(department)), members):
            people = {plan.candidates[i].employee.employee_id for i in covering}
            if len(people) > room:
                plan.model.add(plan.chosen_sum(covering) <= room)


def _stretches(plan: PlanModel, limits: list[int], members: Iterable[int]) -> list[tuple[tuple[int, ...], int]]:
    """(candidates covering, room) for each stretch of days over which both stay the same, without repeats."""
    starting: dict[int, list[int]] = defaultdict(list)
    ending: dict[int, list[int]] = defaultdict(list)
    for i in members:
        starting[plan.candidates[i].first].append(i)
        ending[plan.candidates[i].last + 1].append(i)
    changes = sorted({*starting, *ending, *(t for t in range(1, len(limits)) if limits[t] != limits[t - 1]), 0})
    covering: set[int] = set()
    seen: set[tuple[tuple[int, ...], int]] = set()
    stretches = []
    for offset in changes:
        if offset >= len(limits):
            break
        covering.difference_update(ending.get(offset, ()))
        covering.update(starting.get(offset, ()))
        if not covering:
            continue
        stretch = (tuple(sorted(covering)), limits[offset])
        if stretch not in seen:
            seen.add(stretch)
            stretches.append(stretch)
    return stretches


def _objective(plan: PlanModel) -> None:
    variables: list[cp_model.IntVar] = list(plan.chosen)
    weights = [c.value for c in plan.candidates]
    together = plan.groups(lambda c: (c.run.run_id, c.employee.department))
    for i, candidate in enumerate(plan.candidates):
        if not needs_buddy(candidate.employee.job_family):
            continue
        group = together[(candidate.run.run_id, candidate.employee.department)]
        colleagues = [j for j in group if plan.candidates[j].employee.employee_id != candidate.employee.employee_id]
        if not colleagues:
            continue
        bonus = plan.model.new_bool_var(f"b{i}")
        plan.model.add_implication(bonus, plan.chosen[i])
        plan.model.add(bonus <= plan.chosen_sum(colleagues))
        plan.bonuses.append(bonus)
        plan.pairs[bonus.index] = (i, colleagues)
        variables.append(bonus)
        weights.append(BUDDY_BONUS)
    plan.model.maximize(cp_model.LinearExpr.weighted_sum(variables, weights))

