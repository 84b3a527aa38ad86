"""The plan document (contract §8): plan_id, status, objective, assignments, unplanned — and, beside them,
what a reader and an acceptance need: the window, the bound and gap, each assignment's department, dates and
worth, each unplanned agreement's blocking run, day, department and sentences, the assigned runs' course
details, the facts' cut-off and the solver."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.planning.calendar import Calendar
from domain.planning.objective import assignment_values
from domain.planning.plan import Unplanned
from services.core.planning import ProposedPlan, SolverOptions
from services.core.planning.solver import SOLVER_NAME, SOLVER_VERSION


def plan_document(plan_id: str, proposed: ProposedPlan, cutoff: str, options: SolverOptions) -> dict[str, Any]:
    facts, solution = proposed.facts, proposed.solution
    runs = {run.run_id: run for run in facts.runs}
    values = assignment_values(facts, Calendar(facts), proposed.assignments)
    assigned_runs = sorted({a.run_id for a in proposed.assignments})
    return {
        "plan_id": plan_id,
        "tenant": facts.tenant,
        "from": facts.start.isoformat(),
        "to": facts.end.isoformat(),
        "status": solution.status,
        "objective": proposed.objective,
        "bound": solution.bound,
        "gap": round(solution.gap, 6),
        "assignments": [
            {
                "agreement_id": a.agreement_id,
                "employee_id": a.employee_id,
                "run_id": a.run_id,
                "department": facts.employee_by_id[a.employee_id].department,
                "starts_on": runs[a.run_id].starts_on.isoformat(),
                "ends_on": runs[a.run_id].ends_on.isoformat(),
                "value": values[a.agreement_id],
            }
            for a in proposed.assignments
        ],
        "unplanned": [_unplanned(u) for u in proposed.unplanned],
        "runs": {run_id: _run(runs[run_id]) for run_id in assigned_runs},
        "facts_cutoff": cutoff,
        "solver": {
            "name": SOLVER_NAME,
            "version": SOLVER_VERSION,
            "status": solution.solver_status,
            "found": solution.found,
            "time_limit_s": options.time_limit,
            "workers": options.workers,
            "seed": options.seed,
            "wall_time_s": round(solution.wall_time, 3),
            "candidates": solution.candidates,
        },
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def _unplanned(u: Unplanned) -> dict[str, Any]:
    return {
        "agreement_id": u.agreement_id,
        "employee_id": u.employee_id,
        "why": u.why.value,
        "detail": u.detail,
        "run_id": u.run_id,
        "day": u.day.isoformat() if u.day else None,
        "department": u.department,
        "blocked_by": u.blocked_by,
    }


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _run(run: Any) -> dict[str, Any]:
    return {
        "title": run.title,
        "kind": run.kind,
        "code": run.code,
        "competence": run.competence,
        "provider": run.provider,
        "starts_on": run.starts_on.isoformat(),
        "ends_on": run.ends_on.isoformat(),
        "hours": _number(run.hours),
        "seats": run.seats,
        "fee": _number(run.fee),
    }
