"""Plans found without search, and what bounds a plan's worth: the solver's starting point and its honesty.

``greedy`` keeps every rule by construction (it checks seats, the employee's days and the department's room
as it places each agreement), so it can stand as the plan when the search finds nothing better in time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from domain.planning.calendar import Calendar
from domain.rules import BUDDY_BONUS
from services.core.planning.model import PlanModel


def greedy(plan: PlanModel, calendar: Calendar, live: Mapping[str, int]) -> list[int]:
    """A plan that keeps every rule, found without search: agreements with the fewest candidates first, each on
    its most valuable candidate that still fits. The solver starts from it (a hint)."""
    seats = {c.run.run_id: c.run.seats - live.get(c.run.run_id, 0) for c in plan.candidates}
    taken: dict[str, list[tuple[int, int]]] = defaultdict(list)  # employee -> planned (first, last)
    away: dict[str, list[int]] = {}
    by_agreement = plan.groups(lambda c: c.agreement.agreement_id)
    chosen = []
    for members in sorted(by_agreement.values(), key=lambda m: (len(m), plan.candidates[m[0]].agreement.agreement_id)):
        for i in sorted(members, key=lambda i: -plan.candidates[i].value):
            c = plan.candidates[i]
            used = away.setdefault(c.employee.department, [0] * len(calendar.days))
            limits = calendar.limits(c.employee.department)
            if (seats[c.run.run_id] > 0
                    and all(last < c.first or c.last < first for first, last in taken[c.employee.employee_id])
                    and all(used[t] < limits[t] for t in range(c.first, c.last + 1))):
                seats[c.run.run_id] -= 1
                taken[c.employee.employee_id].append((c.first, c.last))
                for t in range(c.first, c.last + 1):
                    used[t] += 1
                chosen.append(i)
                break
    return sorted(chosen)


def hint(plan: PlanModel, chosen: Iterable[int]) -> None:
    """Tell the solver about a plan (every variable, the buddy bonuses it earns included)."""
    picked = set(chosen)
    for i, x in enumerate(plan.chosen):
        plan.model.add_hint(x, i in picked)
    for bonus in plan.bonuses:
        i, colleagues = plan.pairs[bonus.index]
        plan.model.add_hint(bonus, i in picked and any(j in picked for j in colleagues))


def worth(plan: PlanModel, chosen: Iterable[int]) -> int:
    """The objective of the candidates ``chosen``, buddy bonuses included."""
    picked = set(chosen)
    total = sum(plan.candidates[i].value for i in picked)
    for i, colleagues in plan.pairs.values():
        if i in picked and any(j in picked for j in colleagues):
            total += BUDDY_BONUS
    return total


def upper_bound(plan: PlanModel) -> int:
    """No plan is worth more than every agreement on its best candidate with a buddy bonus."""
    best: dict[str, int] = {}
    bonus = {i for i, _ in plan.pairs.values()}
    for i, candidate in enumerate(plan.candidates):
        value = candidate.value + (BUDDY_BONUS if i in bonus else 0)
        key = candidate.agreement.agreement_id
        best[key] = max(best.get(key, value), value)
    return sum(max(0, value) for value in best.values())
