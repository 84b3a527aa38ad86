"""How each event type lands in the KPI tables.

Every fold is an upsert that fills its own columns, keeps the earliest date, or inserts a row keyed by
seq, so the events of a batch may be applied in any order (and an event that refers to an entity can
even be folded before the entity's own first event). ``derive`` then recomputes, for the entities the
batch touched, what depends on several events: department spells, gap closing dates and the first
completion linked to each agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from projections.model import Event, Fold, in_schema


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _busy_months(months: dict[str, str]) -> list[int]:
    return sorted(int(month) for month, load in months.items() if load == "busy")


def _strategy(e: Event) -> tuple[Any, ...]:
    d = e.data
    month = d.get("cycle_start_month")
    target = d.get("completion_target")
    return (
        e.tenant,
        e.seq,
        _day(d["adopted_on"]),
        3 if month is None else int(month),
        0.85 if target is None else float(target),
    )


def _booking(e: Event) -> tuple[Any, ...]:
    d = e.data
    course = d.get("course") or {}
    return (
        e.tenant,
        d["booking_id"],
        d["employee_id"],
        d.get("agreement_id"),
        _day(d["booked_on"]),
        _day(d["starts_on"]),
        _day(d["ends_on"]),
        _number(course.get("hours")),
        bool(d.get("buddies")),
        bool(d.get("collective")),
        e.seq,
    )


def _completion(e: Event) -> tuple[Any, ...]:
    d = e.data
    passed = d.get("passed")
    return (
        e.tenant,
        d["booking_id"],
        _day(d["completed_on"]),
        _number(d.get("hours_attended")),
        True if passed is None else bool(passed),
    )


def _booking_date(column: str, field: str) -> Fold:
    """A dated booking fact of which only the earliest date matters."""
    return Fold(
        f"INSERT INTO {{s}}.bookings (tenant, booking_id, {column}) VALUES ($1, $2, $3)"
        f" ON CONFLICT (tenant, booking_id) DO UPDATE"
        f" SET {column} = LEAST(bookings.{column}, excluded.{column})",
        lambda e: (e.tenant, e.data["booking_id"], _day(e.data[field])),
    )


FOLDS: dict[str, Fold] = {
    "EducationStrategyAdopted": Fold(
        "INSERT INTO {s}.strategies (tenant, seq, adopted_on, cycle_start_month, completion_target)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        _strategy,
    ),
    "DepartmentRegistered": Fold(
        "INSERT INTO {s}.departments (tenant, department, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        lambda e: (e.tenant, e.data["department"], e.seq),
    ),
    "EmployeeRegistered": Fold(
        "WITH registered AS ("
        " INSERT INTO {s}.employees (tenant, employee_id, department, job_family, hired_on, seq)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (tenant, employee_id) DO UPDATE SET department = excluded.department,"
        " job_family = excluded.job_family, hired_on = excluded.hired_on, seq = excluded.seq"
        " WHERE employees.seq IS NULL)"
        " INSERT INTO {s}.department_changes (tenant, employee_id, effective_on, department, seq)"
        " VALUES ($1, $2, $5, $3, $6) ON CONFLICT DO NOTHING",
        lambda e: (
            e.tenant,
            e.data["employee_id"],
            e.data["department"],
            e.data["job_family"],
            _day(e.data["hired_on"]),
            e.seq,
        ),
    ),
    "EmployeeMoved": Fold(
        "INSERT INTO {s}.department_changes (tenant, employee_id, effective_on, department, seq)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        lambda e: (e.tenant, e.data["employee_id"], _day(e.data["moved_on"]), e.data["department"], e.seq),
    ),
    "EmployeeLeft": Fold(
        "INSERT INTO {s}.employees (tenant, employee_id, left_on) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant, employee_id) DO UPDATE SET left_on = LEAST(employees.left_on, excluded.left_on)",
        lambda e: (e.tenant, e.data["employee_id"], _day(e.data["left_on"])),
    ),
    "DevelopmentReviewHeld": Fold(
        "INSERT INTO {s}.reviews (tenant, seq, employee_id, held_on, education_item)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        lambda e: (
            e.tenant,
            e.seq,
            e.data["employee_id"],
            _day(e.data["held_on"]),
            bool(e.data["education_item"]),
        ),
    ),
    "CompetenceAssessed": Fold(
        "INSERT INTO {s}.assessments (tenant, seq, employee_id, competence, level, assessed_on)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        lambda e: (
            e.tenant,
            e.seq,
            e.data["employee_id"],
            e.data["competence"],
            int(e.data["level"]),
            _day(e.data["assessed_on"]),
        ),
    ),
    "CompetenceGapIdentified": Fold(
        "INSERT INTO {s}.gaps (tenant, gap_id, employee_id, competence, identified_on, target_level, seq)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (tenant, gap_id) DO UPDATE SET employee_id = excluded.employee_id,"
        " competence = excluded.competence, identified_on = excluded.identified_on,"
        " target_level = excluded.target_level, seq = excluded.seq WHERE gaps.seq IS NULL",
        lambda e: (
            e.tenant,
            e.data["gap_id"],
            e.data["employee_id"],
            e.data["competence"],
            _day(e.data["identified_on"]),
            int(e.data["target_level"]),
            e.seq,
        ),
    ),
    "CompetenceGapClosed": Fold(
        "INSERT INTO {s}.gaps (tenant, gap_id, closed_on) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant, gap_id) DO UPDATE SET closed_on = LEAST(gaps.closed_on, excluded.closed_on)",
        lambda e: (e.tenant, e.data["gap_id"], _day(e.data["closed_on"])),
    ),
    "EducationAgreed": Fold(
        "INSERT INTO {s}.agreements (tenant, agreement_id, employee_id, agreed_on, due_by, seq)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (tenant, agreement_id) DO UPDATE SET employee_id = excluded.employee_id,"
        " agreed_on = excluded.agreed_on, due_by = excluded.due_by, seq = excluded.seq"
        " WHERE agreements.seq IS NULL",
        lambda e: (
            e.tenant,
            e.data["agreement_id"],
            e.data["employee_id"],
            _day(e.data["agreed_on"]),
            _day(e.data.get("due_by")),
            e.seq,
        ),
    ),
    "EducationAgreementWithdrawn": Fold(
        "INSERT INTO {s}.agreements (tenant, agreement_id, withdrawn_on) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant, agreement_id) DO UPDATE"
        " SET withdrawn_on = LEAST(agreements.withdrawn_on, excluded.withdrawn_on)",
        lambda e: (e.tenant, e.data["agreement_id"], _day(e.data["withdrawn_on"])),
    ),
    "CourseBooked": Fold(
        "INSERT INTO {s}.bookings (tenant, booking_id, employee_id, agreement_id, booked_on, starts_on,"
        " ends_on, hours, listed_buddies, collective, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (tenant, booking_id) DO UPDATE SET employee_id = excluded.employee_id,"
        " agreement_id = excluded.agreement_id, booked_on = excluded.booked_on,"
        " starts_on = excluded.starts_on, ends_on = excluded.ends_on, hours = excluded.hours,"
        " listed_buddies = excluded.listed_buddies, collective = excluded.collective, seq = excluded.seq"
        " WHERE bookings.seq IS NULL",
        _booking,
    ),
    "CourseCancelled": _booking_date("cancelled_on", "cancelled_on"),
    "CourseCompleted": Fold(
        "INSERT INTO {s}.bookings (tenant, booking_id, completed_on, hours_attended, passed)"
        " VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (tenant, booking_id) DO UPDATE SET completed_on = excluded.completed_on,"
        " hours_attended = excluded.hours_attended, passed = excluded.passed"
        " WHERE bookings.completed_on IS NULL",
        _completion,
    ),
    "BuddyPaired": _booking_date("first_paired_on", "paired_on"),
    "SubstituteArranged": _booking_date("first_substitute_on", "arranged_on"),
    "KnowledgeShared": _booking_date("first_shared_on", "shared_on"),
    "AnnualWheelDefined": Fold(
        "INSERT INTO {s}.wheels (tenant, seq, department, effective_from, kind, busy_months)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        lambda e: (
            e.tenant,
            e.seq,
            e.data.get("department"),
            _day(e.data["effective_from"]),
            e.data["kind"],
            _busy_months(e.data["months"]),
        ),
    ),
    "CommitteeMeetingHeld": Fold(
        "INSERT INTO {s}.committee_meetings (tenant, seq, held_on) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        lambda e: (e.tenant, e.seq, _day(e.data["held_on"])),
    ),
}


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

_GAP_CLOSING = """
UPDATE {s}.gaps g SET closed_effective_on = LEAST(g.closed_on, (
    SELECT min(a.assessed_on) FROM {s}.assessments a
    WHERE a.tenant = g.tenant AND a.employee_id = g.employee_id AND a.competence = g.competence
      AND a.assessed_on >= g.identified_on AND a.level >= g.target_level))
WHERE (g.tenant, g.gap_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
   OR (g.tenant, g.employee_id, g.competence) IN (SELECT * FROM unnest($3::text[], $4::text[], $5::text[]))
"""

_AGREEMENT_COMPLETION = """
WITH touched AS (
    SELECT * FROM unnest($1::text[], $2::text[]) AS t(tenant, agreement_id)
    UNION
    SELECT b.tenant, b.agreement_id FROM {s}.bookings b
    WHERE (b.tenant, b.booking_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))
      AND b.agreement_id IS NOT NULL
)
UPDATE {s}.agreements a SET first_completed_on = (
    SELECT min(b.completed_on) FROM {s}.bookings b
    WHERE b.tenant = a.tenant AND b.agreement_id = a.agreement_id)
FROM touched t WHERE a.tenant = t.tenant AND a.agreement_id = t.agreement_id
"""


def _columns(rows: set[tuple[str, ...]], width: int) -> list[list[str]]:
    ordered = sorted(rows)
    return [[row[i] for row in ordered] for i in range(width)]


async def derive(conn: asyncpg.Connection, schema: str, events: Sequence[Event]) -> None:
    tenants: set[str] = set()
    employees: set[tuple[str, ...]] = set()
    gaps: set[tuple[str, ...]] = set()
    competences: set[tuple[str, ...]] = set()
    agreements: set[tuple[str, ...]] = set()
    bookings: set[tuple[str, ...]] = set()
    for e in events:
        tenants.add(e.tenant)
        d = e.data
        if e.type in ("EmployeeRegistered", "EmployeeMoved"):
            employees.add((e.tenant, d["employee_id"]))
        elif e.type in ("CompetenceGapIdentified", "CompetenceGapClosed"):
            gaps.add((e.tenant, d["gap_id"]))
        elif e.type == "CompetenceAssessed":
            competences.add((e.tenant, d["employee_id"], d["competence"]))
        elif e.type == "EducationAgreed":
            agreements.add((e.tenant, d["agreement_id"]))
        elif e.type in ("CourseBooked", "CourseCompleted"):
            bookings.add((e.tenant, d["booking_id"]))
    if tenants:
        await conn.execute(
            in_schema("INSERT INTO {s}.tenants SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", schema),
            sorted(tenants),
        )
    if employees:
        await conn.execute(in_schema(_SPELLS_CLEARED, schema), *_columns(employees, 2))
        await conn.execute(in_schema(_SPELLS, schema), *_columns(employees, 2))
    if gaps or competences:
        await conn.execute(in_schema(_GAP_CLOSING, schema), *_columns(gaps, 2), *_columns(competences, 3))
    if agreements or bookings:
        await conn.execute(in_schema(_AGREEMENT_COMPLETION, schema), *_columns(agreements, 2), *_columns(bookings, 2))
