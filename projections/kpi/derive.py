"""What depends on several events, recomputed after each batch for the entities it touched.

- department spells from the registration and the moves of an employee, and, when they change, the
  department every booking and agreement of that employee had on its own date;
- the date each gap was closed on (closing message or reaching assessment, whichever is earlier);
- the first completion of a booking linked to each agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from projections.model import Event, in_schema


def department_on(tenant: str, employee: str, day: str) -> str:
    """SQL for the employee's department on a date, from the spells derived so far."""
    return (
        f"(SELECT s.department FROM {{s}}.department_spells s WHERE s.tenant = {tenant}"
        f" AND s.employee_id = {employee} AND s.valid_from <= {day} AND {day} < s.valid_to)"
    )


_SPELLS_CLEARED = """
DELETE FROM {s}.department_spells s USING unnest($1::text[], $2::text[]) AS t(tenant, employee_id)
WHERE s.tenant = t.tenant AND s.employee_id = t.employee_id
"""

# The department history as spells: a synthetic first spell from -infinity with the registered
# department, then each change dated on or after hired_on in (date, seq) order; a change followed by
# another on the same date yields an empty spell and is dropped.
_SPELLS = """
WITH touched AS (
    SELECT DISTINCT tenant, employee_id FROM unnest($1::text[], $2::text[]) AS t(tenant, employee_id)
), changes AS (
    SELECT e.tenant, e.employee_id, '-infinity'::date AS effective_on, 0::bigint AS seq, e.department
    FROM {s}.employees e JOIN touched t USING (tenant, employee_id)
    WHERE e.hired_on IS NOT NULL
    UNION ALL
    SELECT c.tenant, c.employee_id, c.effective_on, c.seq, c.department
    FROM {s}.department_changes c
    JOIN touched t USING (tenant, employee_id)
    JOIN {s}.employees e USING (tenant, employee_id)
    WHERE c.effective_on >= e.hired_on
), spells AS (
    SELECT tenant, employee_id, department, effective_on AS valid_from,
           coalesce(lead(effective_on) OVER (PARTITION BY tenant, employee_id ORDER BY effective_on, seq),
                    'infinity'::date) AS valid_to
    FROM changes
)
INSERT INTO {s}.department_spells (tenant, employee_id, valid_from, valid_to, department)
SELECT tenant, employee_id, valid_from, valid_to, department FROM spells WHERE valid_from < valid_to
"""

# Bookings and agreements carry their employee's department on their own dates; folds fill it in from
# the spells known then, and when an employee's spells change (registration, moves) all their facts are
# placed again (and agreements learn when their employee left).
_BOOKINGS_PLACED = f"""
UPDATE {{s}}.bookings b SET
    department = {department_on('b.tenant', 'b.employee_id', 'b.booked_on')},
    completed_department = {department_on('b.tenant', 'b.employee_id', 'b.completed_on')},
    job_family = e.job_family
FROM unnest($1::text[], $2::text[]) AS t(tenant, employee_id)
JOIN {{s}}.employees e ON e.tenant = t.tenant AND e.employee_id = t.employee_id
WHERE b.tenant = t.tenant AND b.employee_id = t.employee_id
"""

_AGREEMENTS_PLACED = f"""
UPDATE {{s}}.agreements a SET
    department = {department_on('a.tenant', 'a.employee_id', 'a.agreed_on')},
    employee_left_on = e.left_on
FROM unnest($1::text[], $2::text[]) AS t(tenant, employee_id)
JOIN {{s}}.employees e ON e.tenant = t.tenant AND e.employee_id = t.employee_id
WHERE a.tenant = t.tenant AND a.employee_id = t.employee_id
"""

_GAP_CLOSING = """
WITH touched AS (
    SELECT * FROM unnest($1::text[], $2::text[]) AS t(tenant, gap_id)
    UNION
    SELECT g.tenant, g.gap_id
    FROM unnest($3::text[], $4::text[], $5::text[]) AS c(tenant, employee_id, competence)
    JOIN {s}.gaps g ON g.tenant = c.tenant AND g.employee_id = c.employee_id AND g.competence = c.competence
)
UPDATE {s}.gaps g SET closed_effective_on = LEAST(g.closed_on, (
    SELECT min(a.assessed_on) FROM {s}.assessments a
    WHERE a.tenant = g.tenant AND a.employee_id = g.employee_id AND a.competence = g.competence
      AND a.assessed_on >= g.identified_on AND a.level >= g.target_level))
FROM touched t WHERE g.tenant = t.tenant AND g.gap_id = t.gap_id
"""

_AGREEMENT_COMPLETION = """
WITH touched AS (
    SELECT * FROM unnest($1::text[], $2::text[]) AS t(tenant, agreement_id)
    UNION
    SELECT b.tenant, b.agreement_id
    FROM unnest($3::text[], $4::text[]) AS k(tenant, booking_id)
    JOIN {s}.bookings b ON b.tenant = k.tenant AND b.booking_id = k.booking_id
    WHERE b.agreement_id IS NOT NULL
), firsts AS (
    SELECT b.tenant, b.agreement_id, min(b.completed_on) AS first_completed_on
    FROM touched t
    JOIN {s}.bookings b ON b.tenant = t.tenant AND b.agreement_id = t.agreement_id
    GROUP BY b.tenant, b.agreement_id
)
UPDATE {s}.agreements a SET first_completed_on = f.first_completed_on
FROM firsts f
WHERE a.tenant = f.tenant AND a.agreement_id = f.agreement_id
  AND a.first_completed_on IS DISTINCT FROM f.first_completed_on
"""


def _columns(rows: set[tuple[str, ...]], width: int) -> list[list[str]]:
    ordered = sorted(rows)
    return [[row[i] for row in ordered] for i in range(width)]


async def derive(conn: asyncpg.Connection, schema: str, events: Sequence[Event]) -> None:
    tenants: set[str] = set()
    placed: set[tuple[str, ...]] = set()  # employees whose department history changed
    left: set[tuple[str, ...]] = set()
    gaps: set[tuple[str, ...]] = set()
    competences: set[tuple[str, ...]] = set()
    agreements: set[tuple[str, ...]] = set()
    linked: set[tuple[str, ...]] = set()  # bookings whose completion may count for an agreement
    for e in events:
        tenants.add(e.tenant)
        d = e.data
        if e.type in ("EmployeeRegistered", "EmployeeMoved"):
            placed.add((e.tenant, d["employee_id"]))
        elif e.type == "EmployeeLeft":
            left.add((e.tenant, d["employee_id"]))
        elif e.type in ("CompetenceGapIdentified", "CompetenceGapClosed"):
            gaps.add((e.tenant, d["gap_id"]))
        elif e.type == "CompetenceAssessed":
            competences.add((e.tenant, d["employee_id"], d["competence"]))
        elif e.type == "EducationAgreed":
            agreements.add((e.tenant, d["agreement_id"]))
        elif e.type == "CourseCompleted" or e.type == "CourseBooked" and d.get("agreement_id"):
            linked.add((e.tenant, d["booking_id"]))

    async def run(sql: str, *args: Any) -> None:
        await conn.execute(in_schema(sql, schema), *args)

    if tenants:
        await run("INSERT INTO {s}.tenants SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", sorted(tenants))
    if placed:
        await run(_SPELLS_CLEARED, *_columns(placed, 2))
        await run(_SPELLS, *_columns(placed, 2))
        await run(_BOOKINGS_PLACED, *_columns(placed, 2))
    if placed or left:
        await run(_AGREEMENTS_PLACED, *_columns(placed | left, 2))
    if gaps or competences:
        await run(_GAP_CLOSING, *_columns(gaps, 2), *_columns(competences, 3))
    if agreements or linked:
        await run(_AGREEMENT_COMPLETION, *_columns(agreements, 2), *_columns(linked, 2))
