"""The planning assistant (contract §8): from the facts dated on or before a plan's first day to a proposed
plan — the assignments, and why every other plannable agreement stayed unplanned. ``plan_from_facts`` is
pure (no database): the doors reach it through ``service``."""

from __future__ import annotations

from dataclasses import dataclass

from domain.planning.calendar import Calendar
from domain.planning.explain import Explainer
from domain.planning.facts import PlanFacts
from domain.planning.objective import objective
from domain.planning.plan import Assignment, Unplanned
from services.core.planning.solver import SOLVER_NAME, SOLVER_VERSION, Solution, SolverOptions, solve

__all__ = ["SOLVER_NAME", "SOLVER_VERSION", "ProposedPlan", "SolverOptions", "plan_from_facts"]


@dataclass(frozen=True)
class ProposedPlan:
    facts: PlanFacts
    solution: Solution
    assignments: tuple[Assignment, ...]
    unplanned: tuple[Unplanned, ...]
    objective: int


def plan_from_facts(facts: PlanFacts, options: SolverOptions | None = None) -> ProposedPlan:
    calendar = Calendar(facts)
    solution = solve(facts, calendar, options or SolverOptions())
    assignments = tuple(sorted(solution.assignments, key=lambda a: a.agreement_id))
    worth = objective(facts, calendar, assignments)  # the rules' own reckoning must agree with the model's
    if worth != solution.objective:
        raise AssertionError(f"the model values the plan at {solution.objective}, the rules at {worth}")
    planned = {a.agreement_id for a in assignments}
    explainer = Explainer(facts, calendar, assignments)
    unplanned = tuple(
        explainer.explain(agreement)
        for agreement in sorted(facts.agreements, key=lambda a: a.agreement_id)
        if agreement.agreement_id not in planned
    )
    return ProposedPlan(facts, solution, assignments, unplanned, worth)
