"""Solving the plan model with OR-Tools CP-SAT, deterministically and honestly.

Deterministic: the model is built in a fixed order from the facts, the search has a fixed seed and a fixed
number of workers that interleave their work in a fixed schedule (``interleave_search``), so the same facts
give the same plan whenever the search ends by proving its plan optimal. A search stopped by the time limit
keeps the best plan found by then, which can depend on the machine's speed.

Honest: ``optimal`` only when CP-SAT proved it; else ``feasible``, with the best bound CP-SAT proved. Should
the limit pass before any plan is found, the plan is the empty one — every agreement unplanned, which breaks
no rule — still ``feasible``, with ``found`` false and CP-SAT's status ``UNKNOWN`` beside it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from importlib.metadata import version

from ortools.sat.python import cp_model

from domain.planning.calendar import Calendar
from domain.planning.facts import PlanFacts
from domain.planning.plan import Assignment
from domain.rules import BUDDY_BONUS
from services.core.planning.model import PlanModel, build

SOLVER_NAME = "OR-Tools CP-SAT"
SOLVER_VERSION = version("ortools")
DEFAULT_TIME_LIMIT = 20.0
DEFAULT_WORKERS = 2
DEFAULT_SEED = 20260101


@dataclass(frozen=True)
class SolverOptions:
    time_limit: float = DEFAULT_TIME_LIMIT
    workers: int = DEFAULT_WORKERS
    seed: int = DEFAULT_SEED


@dataclass(frozen=True)
class Solution:
    status: str
    """``optimal`` or ``feasible`` (contract §8)."""
    assignments: tuple[Assignment, ...]
    objective: int
    bound: int
    """The best objective CP-SAT proved no plan can beat (the objective itself when optimal)."""
    found: bool
    solver_status: str
    wall_time: float
    candidates: int

    @property
    def gap(self) -> float:
        """How far the objective may be from the best possible, as a share of the bound."""
        return 0.0 if self.bound <= 0 else max(0.0, (self.bound - self.objective) / self.bound)


def solve(facts: PlanFacts, calendar: Calendar, options: SolverOptions) -> Solution:
    started = time.perf_counter()
    plan = build(facts, calendar)
    if not plan.candidates:
        return Solution("optimal", (), 0, 0, True, "OPTIMAL", time.perf_counter() - started, 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.0, options.time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    solver.parameters.interleave_search = True
    status = solver.solve(plan.model)
    elapsed = time.perf_counter() - started
    if status == cp_model.OPTIMAL or status == cp_model.FEASIBLE:
        chosen = tuple(
            Assignment(c.agreement.agreement_id, c.employee.employee_id, c.run.run_id)
            for c, x in zip(plan.candidates, plan.chosen, strict=True)
            if solver.boolean_value(x)
        )
        objective = round(solver.objective_value)
        bound = objective if status == cp_model.OPTIMAL else _bound(solver, plan)
        return Solution("optimal" if status == cp_model.OPTIMAL else "feasible", chosen, objective, bound,
                        True, solver.status_name(status), elapsed, len(plan.candidates))
    if status == cp_model.UNKNOWN:
        return Solution("feasible", (), 0, _bound(solver, plan), False, "UNKNOWN", elapsed, len(plan.candidates))
    raise RuntimeError(f"CP-SAT answered {solver.status_name(status)} for a plan model: {solver.solution_info()}")


def _bound(solver: cp_model.CpSolver, plan: PlanModel) -> int:
    """CP-SAT's proved bound; before it has one, every agreement's best candidate with a buddy."""
    proved = solver.best_objective_bound
    if math.isfinite(proved):
        return math.floor(proved + 1e-6)
    best: dict[str, int] = {}
    for candidate in plan.candidates:
        value = candidate.value + BUDDY_BONUS
        best[candidate.agreement.agreement_id] = max(best.get(candidate.agreement.agreement_id, value), value)
    return sum(max(0, value) for value in best.values())
