"""Solving the plan model with OR-Tools CP-SAT, deterministically and honestly.

The search starts from a plan found without search (``model.greedy``: every rule kept), given to CP-SAT as
a hint, and improves it. Deterministic: the model is built in a fixed order from the facts and CP-SAT runs
with a fixed seed and one worker (more workers, when asked for, interleave their work in a fixed schedule),
so the same facts give the same plan whenever the search ends by proving its plan optimal. A search stopped
by the time limit keeps the best plan found by then, which can depend on the machine's speed and load.

Honest: ``optimal`` only when CP-SAT proved it; otherwise ``feasible``, with the best bound proved (CP-SAT's,
or every agreement on its best run with a buddy, whichever is lower). When the limit passes before CP-SAT has
a plan of its own, the greedy start is the plan — it keeps every rule — reported ``feasible`` with CP-SAT's
status ``UNKNOWN`` and ``found`` false.

Why these parameters: with one worker and level-2 linearization the LP relaxation proves the optimum of a
company of 125 in well under a second; presolve is off because on a company of 5,000 it alone took longer
than the time limit, while the search without it finds the same optima on small companies.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from importlib.metadata import version

from ortools.sat.python import cp_model

from domain.planning.calendar import Calendar
from domain.planning.eligibility import seats_taken
from domain.planning.facts import PlanFacts
from domain.planning.plan import Assignment
from services.core.planning.heuristics import greedy, hint, upper_bound, worth
from services.core.planning.model import PlanModel, build

SOLVER_NAME = "OR-Tools CP-SAT"
SOLVER_VERSION = version("ortools")
DEFAULT_TIME_LIMIT = 20.0
DEFAULT_WORKERS = 1
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
    """The best objective proved impossible to beat (the objective itself when optimal)."""
    found: bool
    """Whether CP-SAT found the plan (else it is the greedy start)."""
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
    start = greedy(plan, calendar, seats_taken(facts.bookings))
    hint(plan, start)
    solver = _solver(options, time.perf_counter() - started)
    status = solver.solve(plan.model)
    if status == cp_model.OPTIMAL:
        chosen = _chosen(plan, solver)
        objective = worth(plan, chosen)
        return _solution(plan, "optimal", chosen, objective, objective, True, solver, status, started)
    if status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
        found = status == cp_model.FEASIBLE and worth(plan, _chosen(plan, solver)) >= worth(plan, start)
        chosen = _chosen(plan, solver) if found else start
        objective = worth(plan, chosen)
        return _solution(plan, "feasible", chosen, objective, _bound(solver, plan, objective), found, solver,
                         status, started)
    raise RuntimeError(f"CP-SAT answered {solver.status_name(status)} for a plan model: {solver.solution_info()}")


def _solver(options: SolverOptions, spent: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.001, options.time_limit - spent)
    solver.parameters.num_workers = options.workers
    solver.parameters.interleave_search = options.workers > 1
    solver.parameters.random_seed = options.seed
    solver.parameters.linearization_level = 2
    solver.parameters.cp_model_presolve = False
    return solver


def _chosen(plan: PlanModel, solver: cp_model.CpSolver) -> list[int]:
    return [i for i, x in enumerate(plan.chosen) if solver.boolean_value(x)]


def _solution(plan: PlanModel, status: str, chosen: list[int], objective: int, bound: int, found: bool,
              solver: cp_model.CpSolver, cp_status: cp_model.CpSolverStatus, started: float) -> Solution:
    assignments = tuple(
        Assignment(c.agreement.agreement_id, c.employee.employee_id, c.run.run_id)
        for c in (plan.candidates[i] for i in chosen)
    )
    return Solution(status, assignments, objective, bound, found, solver.status_name(cp_status),
                    time.perf_counter() - started, len(plan.candidates))


def _bound(solver: cp_model.CpSolver, plan: PlanModel, objective: int) -> int:
    """The lower of CP-SAT's bound and ``upper_bound``. CP-SAT stopped before it had searched answers a bound
    of 0, below the plan in hand: a bound only counts when no plan is known to beat it."""
    bound = upper_bound(plan)
    proved = solver.best_objective_bound
    if math.isfinite(proved) and objective <= math.floor(proved + 1e-6):
        bound = min(bound, math.floor(proved + 1e-6))
    return bound
