"""The competence matrix (CONTRACT.md §7): per employee active on a date, each competence's level and target."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from projections.kpi.document import known
from projections.kpi.known import as_known
from projections.kpi.queries import COMPETENCES
from projections.kpi.reading import fetch_active


async def competence_matrix(
    pool: asyncpg.Pool, tenant: str, as_of: date, department: str | None = None, *,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """``employees``: every employee active on ``as_of`` (of ``department`` on that date, when given), in
    employee_id order, with ``competences``: name -> {"level": the latest assessed level dated on or before
    ``as_of`` or null, "target": the highest target of the competence's open gaps or null} — each competence
    with an assessment or an open gap, in name order (an employee with neither has none). With ``known_at``,
    as known then."""
    employees: dict[str, dict[str, Any]] = {}
    statement = COMPETENCES if known_at is None else as_known(COMPETENCES)
    for row in await fetch_active(pool, statement, tenant, as_of, *known(known_at), hashed=known_at is not None):
        if department is not None and row["department"] != department:
            continue
        employee = employees.setdefault(
            row["employee_id"], {"employee_id": row["employee_id"], "department": row["department"], "competences": {}}
        )
        if row["competence"] is not None:
            employee["competences"][row["competence"]] = {"level": row["level"], "target": row["target"]}
    return {"tenant": tenant, "as_of": as_of.isoformat(), "employees": list(employees.values())}
