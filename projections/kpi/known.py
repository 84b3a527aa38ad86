"""Reads as known at an instant (CONTRACT.md §6 "As known at"): only events recorded by then count.

A KPI read as known at T ($3, ``timestamptz``) is the read over the facts recorded by T. Every fact carries
when it became known (see ``tables``), so each table a read looks at has a counterpart ``known_<table>``
here: a CTE holding exactly the rows the fold would have written had it read only the events recorded by T.

- rows of one event (reviews, assessments, moves, manager assignments, strategies, wheels, meetings): those
  recorded by T;
- an entity's own columns: each kind of event that fills them is taken only when recorded by T (the
  registration, identification, agreement, booking and completion come once per entity — a second one is
  refused — so the one on the row is the one); of the kinds that keep the earliest date (left, closed,
  withdrawn, cancelled, first pairing, substitute, sharing) the earliest of those recorded by T, from
  ``dated_facts``;
- what the fold copies from other entities (department spells, the department on a date, job family, the
  employee's leaving date, an agreement's first completion, the assessment that closes a gap) is derived
  again from those rows, with the same SQL where the fold's is a statement of its own (``derive.spells``).

Which events count does not depend on their order in the log: ``recorded_at`` need not grow with it
(concurrent transactions), and a fact recorded by T counts even when one after it in the log does not.
``as_known`` rewrites a read's statement to read these CTEs instead of the tables; without T, reads use the
tables as they are, untouched (the default read costs what it did).
"""

from __future__ import annotations

import re
from functools import cache

from projections.kpi.derive import spells
from projections.kpi.folds import DATED_FIELDS


def _recorded(table: str, column: str = "recorded_at") -> str:
    return f"SELECT * FROM {{s}}.{table} WHERE tenant = $1 AND {column} <= $3::timestamptz"


# The kinds a booking keeps the earliest date of, as its columns.
_BOOKING_DATES = {
    "cancelled_on": "CourseCancelled",
    "first_paired_on": "BuddyPaired",
    "first_substitute_on": "SubstituteArranged",
    "first_shared_on": "KnowledgeShared",
}


def _spell(alias: str, employee: str, day: str) -> str:
    return (
        f"LEFT JOIN known_department_spells {alias} ON {alias}.employee_id = {employee}"
        f" AND {alias}.valid_from <= {day} AND {day} < {alias}.valid_to"
    )


def _dated(alias: str, kind: str, key: str) -> str:
    assert kind in DATED_FIELDS
    return f"LEFT JOIN known_dates {alias} ON {alias}.type = '{kind}' AND {alias}.key = {key}"


_COMPLETED = "CASE WHEN b.completed_at <= $3::timestamptz THEN b.{} END"

KNOWN = f"""
known_dates AS MATERIALIZED (
    SELECT type, key, min(on_date) AS on_date
    FROM {{s}}.dated_facts
    WHERE tenant = $1 AND recorded_at <= $3::timestamptz
    GROUP BY type, key
), known_employees AS MATERIALIZED (
    SELECT e.tenant, e.employee_id, e.department, e.job_family, e.hired_on, e.seq, l.on_date AS left_on
    FROM {{s}}.employees e
    {_dated("l", "EmployeeLeft", "e.employee_id")}
    WHERE e.tenant = $1 AND e.registered_at <= $3::timestamptz
), known_department_changes AS (
    {_recorded("department_changes")}
), known_department_spells AS MATERIALIZED (
    {spells("(SELECT * FROM known_employees WHERE hired_on IS NOT NULL)", "known_department_changes")}
), known_manager_assignments AS (
    {_recorded("manager_assignments")}
), known_reviews AS (
    {_recorded("reviews")}
), known_assessments AS MATERIALIZED (
    {_recorded("assessments")}
), known_strategies AS (
    {_recorded("strategies")}
), known_wheels AS (
    {_recorded("wheels")}
), known_committee_meetings AS (
    {_recorded("committee_meetings")}
), known_gaps AS MATERIALIZED (
    SELECT g.tenant, g.gap_id, g.employee_id, g.competence, g.identified_on, g.target_level, g.seq,
           c.on_date AS closed_on, LEAST(c.on_date, reached.on_date) AS closed_effective_on
    FROM {{s}}.gaps g
    {_dated("c", "CompetenceGapClosed", "g.gap_id")}
    LEFT JOIN (
        SELECT g.gap_id, min(x.assessed_on) AS on_date
        FROM {{s}}.gaps g
        JOIN known_assessments x ON x.employee_id = g.employee_id AND x.competence = g.competence
         AND x.assessed_on >= g.identified_on AND x.level >= g.target_level
        WHERE g.tenant = $1 AND g.identified_at <= $3::timestamptz
        GROUP BY g.gap_id
    ) AS reached ON reached.gap_id = g.gap_id
    WHERE g.tenant = $1 AND g.identified_at <= $3::timestamptz
), known_booking_dates AS (
    SELECT key AS booking_id,
           {", ".join(f"min(on_date) FILTER (WHERE type = '{kind}') AS {column}"
                      for column, kind in _BOOKING_DATES.items())}
    FROM known_dates
    WHERE type IN ({", ".join(f"'{kind}'" for kind in _BOOKING_DATES.values())})
    GROUP BY key
), known_booked AS (
    SELECT b.tenant, b.booking_id, b.employee_id, b.agreement_id, b.booked_on, b.starts_on, b.ends_on, b.hours,
           b.listed_buddies, b.collective, b.seq, b.run_id,
           {_COMPLETED.format("completed_on")} AS completed_on,
           {_COMPLETED.format("hours_attended")} AS hours_attended,
           {_COMPLETED.format("passed")} AS passed
    FROM {{s}}.bookings b
    WHERE b.tenant = $1 AND b.booked_at <= $3::timestamptz
), known_bookings AS MATERIALIZED (
    SELECT b.tenant, b.booking_id, b.employee_id, b.agreement_id, b.booked_on, b.starts_on, b.ends_on, b.hours,
           b.listed_buddies, b.collective, b.seq, d.cancelled_on, b.completed_on, b.hours_attended, b.passed,
           d.first_paired_on, d.first_substitute_on, d.first_shared_on,
           booked_in.department, completed_in.department AS completed_department, e.job_family, b.run_id
    FROM known_booked b
    LEFT JOIN known_booking_dates d ON d.booking_id = b.booking_id
    {_spell("booked_in", "b.employee_id", "b.booked_on")}
    {_spell("completed_in", "b.employee_id", "b.completed_on")}
    LEFT JOIN known_employees e ON e.employee_id = b.employee_id
), known_agreements AS (
    SELECT a.tenant, a.agreement_id, a.employee_id, a.agreed_on, a.due_by, a.seq, w.on_date AS withdrawn_on,
           completion.first_completed_on, agreed_in.department, e.left_on AS employee_left_on
    FROM {{s}}.agreements a
    {_dated("w", "EducationAgreementWithdrawn", "a.agreement_id")}
    LEFT JOIN (
        SELECT agreement_id, min(completed_on) AS first_completed_on FROM known_bookings
        WHERE agreement_id IS NOT NULL AND completed_on IS NOT NULL
        GROUP BY agreement_id
    ) AS completion ON completion.agreement_id = a.agreement_id
    {_spell("agreed_in", "a.employee_id", "a.agreed_on")}
    LEFT JOIN known_employees e ON e.employee_id = a.employee_id
    WHERE a.tenant = $1 AND a.agreed_at <= $3::timestamptz
)"""

KNOWN_TABLES = (
    "employees", "department_changes", "department_spells", "manager_assignments", "reviews", "assessments",
    "strategies", "wheels", "committee_meetings", "gaps", "bookings", "agreements",
)
"""The tables a KPI read may look at, each with its ``known_<table>`` above."""

_TABLE = re.compile(r"\{s\}\.([a-z_]+)\b")


def _known_table(match: re.Match[str]) -> str:
    table = match.group(1)
    if table not in KNOWN_TABLES:
        raise ValueError(f"a read as known at an instant cannot read {{s}}.{table}")
    return f"known_{table}"


@cache
def as_known(sql: str) -> str:
    """``sql`` (one statement beginning with WITH, over the tables of ``KNOWN_TABLES``) as known at $3: it
    reads the facts recorded by then."""
    head, _, body = sql.lstrip().partition("WITH ")
    if head:
        raise ValueError("a read as known at an instant must begin with WITH")
    return f"WITH {KNOWN},\n{_TABLE.sub(_known_table, body)}"
