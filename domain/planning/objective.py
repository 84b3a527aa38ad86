"""What a plan is worth (contract §8): per assignment 1000, less 10 per calendar day of the run in a busy
month and 1 per day in a normal month (month kinds of the employee's department, as in H5), plus 5 when the
employee is unskilled or skilled and another employee of the same department is planned on the same run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from domain.planning.calendar import Calendar
from domain.planning.facts import PlanFacts, Run
from domain.planning.plan import Assignment
from domain.rules import ASSIGNMENT_VALUE, BUDDY_BONUS, BUDDY_JOB_FAMILIES, DAY_COST


def run_value(calendar: Calendar, department: str, run: Run) -> int:
    """An assignment's worth before the buddy bonus (the run lies within the plan's window)."""
    seasons = calendar.seasons(department)[calendar.index(run.starts_on):calendar.index(run.ends_on) + 1]
    return ASSIGNMENT_VALUE - sum(DAY_COST[season] for season in seasons)


def needs_buddy(job_family: str) -> bool:
    return job_family in BUDDY_JOB_FAMILIES


def assignment_values(facts: PlanFacts, calendar: Calendar, assignments: Iterable[Assignment]) -> dict[str, int]:
    """What each assignment adds to the objective, by agreement_id."""
    runs = {run.run_id: run for run in facts.runs}
    planned = list(assignments)
    together: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in planned:
        together[(a.run_id, facts.employee_by_id[a.employee_id].department)].add(a.employee_id)
    values = {}
    for a in planned:
        employee = facts.employee_by_id[a.employee_id]
        value = run_value(calendar, employee.department, runs[a.run_id])
        colleagues = together[(a.run_id, employee.department)] - {a.employee_id}
        if needs_buddy(employee.job_family) and colleagues:
            value += BUDDY_BONUS
        values[a.agreement_id] = value
    return values


def objective(facts: PlanFacts, calendar: Calendar, assignments: Iterable[Assignment]) -> int:
    return sum(assignment_values(facts, calendar, assignments).values())
