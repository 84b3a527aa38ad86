"""Reads as known at an instant (CONTRACT.md §6 "As known at"): only events recorded by then count.

A KPI read as known at T ($3, ``timestamptz``) is the read over the facts recorded by T. Every fact carries
when it became known (see ``tables``), so each table a read looks at has a counterpart ``known_<table>``
here: a CTE holding exactly the rows the fold would have written had it read only the events recorded by T.

- rows of one event (reviews, assessments, moves, manager assignments, strategies, wheels, meetings, review
  follow-ups, check-ins): those recorded by T;
- rows of entities (employees, gaps, agreements, bookings): those whose first event (registration,
  identification, agreement, booking) was recorded by T; a completion counts when recorded by T (the domain
  refuses a second first event or completion of an entity, so the one on the row is the one);
- the rest of an entity's row is what the fold derived from facts of its own and of other entities: the
  earliest dates of a kind (left, closed, withdrawn, cancelled, first pairing, substitute, sharing), the
  department spells, the department on a date, the job family, the employee's leaving date, an agreement's
  first completion, the assessment that closes a gap. Where nothing those values come from was recorded
  after T, the stored value is the one the fold had then — most rows, when T is recent. Where something
  was (``late_*``: a dated fact, a move, an assessment, a completion recorded after T), the value is derived
  again from the facts recorded by T, with the fold's own SQL where it is a statement of its own
  (``derive.spells``).

Which events count does not depend on their order in the log: ``recorded_at`` need not grow with it
(concurrent transactions), and a fact recorded by T counts even when one after it in the log does not.
``as_known`` rewrites a read's statement to read these CTEs instead of the tables; without T, reads use the
tables as they are, untouched (the default read costs what it did). Its CTEs join by hashing (see
``reading.fetch_active``).
"""

from __future__ import annotations

import re
from functools import cache

from projections.kpi.derive import spells
from projections.kpi.folds import DATED_FIELDS

KNOWN_BY = "$3::timestamptz"


def _recorded(table: str) -> str:
    return f"SELECT * FROM {{s}}.{table} WHERE tenant = $1 AND recorded_at <= {KNOWN_BY}"


def _respelled(alias: str, employee: str, day: str) -> str:
    """The department of an employee moved after T on a date, as known at T (a LEFT JOIN)."""
    return (
        f"LEFT JOIN respelled {alias} ON {alias}.employee_id = {employee}"
        f" AND {alias}.valid_from <= {day} AND {day} < {alias}.valid_to"
    )


def _placed(stored: str, employee: str, respelled: str, known: str = "true") -> str:
    """A department copied onto a row: none for an employee not registered by T (or when ``known`` is not
    true), the stored one for an employee not moved after T, else the one on the re-derived spells."""
    return (
        f"CASE WHEN {employee}.employee_id IS NULL OR NOT coalesce({known}, false) THEN NULL"
        f" WHEN NOT {employee}.moved_late THEN {stored} ELSE {respelled}.department END"
    )


def _latest(stored: str, late: str, column: str) -> str:
    """A stored earliest date, or the one among the facts recorded by T when such a fact came after T."""
    return f"CASE WHEN {late}.key IS NULL THEN {stored}.{column} ELSE {late}.{column} END"


_COMPLETED = f"b.completed_at <= {KNOWN_BY}"


def _rebooked(column: str) -> str:
    """A booking's column as known at T: derived again for a booking of ``rebooked``, else as stored."""
    return f"CASE WHEN r.booking_id IS NULL THEN b.{column} ELSE r.{column} END AS {column}"


# Per entity with a dated fact recorded after T: the earliest date of each kind among those recorded by T.
_EARLIEST = ", ".join(
    f"min(d.on_date) FILTER (WHERE d.type = '{kind}' AND d.recorded_at <= {KNOWN_BY}) AS {field}"
    for kind, field in DATED_FIELDS.items()
)

KNOWN = f"""
late_dates AS NOT MATERIALIZED (
    SELECT d.key, {_EARLIEST}
    FROM {{s}}.dated_facts d
    WHERE d.tenant = $1
      AND d.key IN (SELECT key FROM {{s}}.dated_facts WHERE tenant = $1 AND recorded_at > {KNOWN_BY})
    GROUP BY d.key
), moved_late AS MATERIALIZED (
    SELECT DISTINCT employee_id FROM {{s}}.department_changes WHERE tenant = $1 AND recorded_at > {KNOWN_BY}
), known_employees AS MATERIALIZED (
    SELECT e.tenant, e.employee_id, e.department, e.job_family, e.hired_on, e.seq,
           {_latest("e", "l", "left_on")} AS left_on, m.employee_id IS NOT NULL AS moved_late
    FROM {{s}}.employees e
    LEFT JOIN late_dates l ON l.key = e.employee_id
    LEFT JOIN moved_late m ON m.employee_id = e.employee_id
    WHERE e.tenant = $1 AND e.registered_at <= {KNOWN_BY}
), known_department_changes AS (
    {_recorded("department_changes")}
), respelled AS MATERIALIZED (
    {spells("(SELECT * FROM known_employees WHERE moved_late AND hired_on IS NOT NULL)", "known_department_changes")}
), known_department_spells AS MATERIALIZED (
    SELECT s.* FROM {{s}}.department_spells s
    JOIN known_employees e ON e.employee_id = s.employee_id AND NOT e.moved_late
    WHERE s.tenant = $1
    UNION ALL
    SELECT * FROM respelled
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
), known_review_follow_ups AS (
    {_recorded("review_follow_ups")}
), known_check_ins AS (
    {_recorded("check_ins")}
), known_agreement_courses AS (
    SELECT * FROM {{s}}.agreement_courses WHERE tenant = $1
), known_funding_courses AS (
    SELECT * FROM {{s}}.funding_courses WHERE tenant = $1
), assessed_late AS MATERIALIZED (
    SELECT DISTINCT employee_id, competence FROM {{s}}.assessments WHERE tenant = $1 AND recorded_at > {KNOWN_BY}
), known_gaps AS MATERIALIZED (
    SELECT g.tenant, g.gap_id, g.employee_id, g.competence, g.identified_on, g.target_level, g.seq,
           {_latest("g", "c", "closed_on")} AS closed_on,
           CASE WHEN c.key IS NULL AND x.employee_id IS NULL THEN g.closed_effective_on
                ELSE LEAST({_latest("g", "c", "closed_on")}, (
                    SELECT min(k.assessed_on) FROM {{s}}.assessments k
                    WHERE k.tenant = $1 AND k.employee_id = g.employee_id AND k.competence = g.competence
                      AND k.assessed_on >= g.identified_on AND k.level >= g.target_level
                      AND k.recorded_at <= {KNOWN_BY}))
           END AS closed_effective_on
    FROM {{s}}.gaps g
    LEFT JOIN late_dates c ON c.key = g.gap_id
    LEFT JOIN assessed_late x ON x.employee_id = g.employee_id AND x.competence = g.competence
    WHERE g.tenant = $1 AND g.identified_at <= {KNOWN_BY}
), late_employees AS MATERIALIZED (
    SELECT employee_id FROM moved_late
    UNION
    SELECT employee_id FROM {{s}}.employees WHERE tenant = $1 AND NOT coalesce(registered_at <= {KNOWN_BY}, false)
), rebooked AS NOT MATERIALIZED (
    SELECT b.booking_id, {_latest("b", "d", "cancelled_on")} AS cancelled_on,
           CASE WHEN d.key IS NULL THEN b.first_paired_on ELSE d.paired_on END AS first_paired_on,
           CASE WHEN d.key IS NULL THEN b.first_substitute_on ELSE d.arranged_on END AS first_substitute_on,
           CASE WHEN d.key IS NULL THEN b.first_shared_on ELSE d.shared_on END AS first_shared_on,
           {_placed("b.department", "e", "booked_in")} AS department,
           {_placed("b.completed_department", "e", "completed_in", _COMPLETED)} AS completed_department,
           e.job_family
    FROM {{s}}.bookings b
    LEFT JOIN late_dates d ON d.key = b.booking_id
    LEFT JOIN known_employees e ON e.employee_id = b.employee_id
    {_respelled("booked_in", "b.employee_id", "b.booked_on")}
    {_respelled("completed_in", "b.employee_id", "b.completed_on")}
    WHERE b.tenant = $1 AND b.booked_at <= {KNOWN_BY}
      AND (b.employee_id IN (SELECT employee_id FROM late_employees) OR b.booking_id IN (SELECT key FROM late_dates))
), known_bookings AS MATERIALIZED (
    SELECT b.tenant, b.booking_id, b.employee_id, b.agreement_id, b.booked_on, b.starts_on, b.ends_on, b.hours,
           b.listed_buddies, b.collective, b.seq, {_rebooked("cancelled_on")},
           CASE WHEN {_COMPLETED} THEN b.completed_on END AS completed_on,
           CASE WHEN {_COMPLETED} THEN b.hours_attended END AS hours_attended,
           CASE WHEN {_COMPLETED} THEN b.passed END AS passed,
           {_rebooked("first_paired_on")}, {_rebooked("first_substitute_on")}, {_rebooked("first_shared_on")},
           {_rebooked("department")},
           CASE WHEN r.booking_id IS NOT NULL THEN r.completed_department
                WHEN {_COMPLETED} THEN b.completed_department END AS completed_department,
           {_rebooked("job_family")}, b.run_id
    FROM {{s}}.bookings b
    LEFT JOIN rebooked r ON r.booking_id = b.booking_id
    WHERE b.tenant = $1 AND b.booked_at <= {KNOWN_BY}
), completed_late AS MATERIALIZED (
    SELECT agreement_id, min(completed_on) FILTER (WHERE completed_at <= {KNOWN_BY}) AS first_completed_on
    FROM {{s}}.bookings
    WHERE tenant = $1 AND agreement_id IN (
        SELECT agreement_id FROM {{s}}.bookings WHERE tenant = $1 AND completed_at > {KNOWN_BY})
    GROUP BY agreement_id
), known_agreements AS (
    SELECT a.tenant, a.agreement_id, a.employee_id, a.agreed_on, a.due_by, a.seq,
           {_latest("a", "w", "withdrawn_on")} AS withdrawn_on,
           CASE WHEN c.agreement_id IS NULL THEN a.first_completed_on ELSE c.first_completed_on END
               AS first_completed_on,
           {_placed("a.department", "e", "agreed_in")} AS department, e.left_on AS employee_left_on
    FROM {{s}}.agreements a
    LEFT JOIN late_dates w ON w.key = a.agreement_id
    LEFT JOIN completed_late c ON c.agreement_id = a.agreement_id
    LEFT JOIN known_employees e ON e.employee_id = a.employee_id
    {_respelled("agreed_in", "a.employee_id", "a.agreed_on")}
    WHERE a.tenant = $1 AND a.agreed_at <= {KNOWN_BY}
)"""

KNOWN_TABLES = (
    "employees", "department_changes", "department_spells", "manager_assignments", "reviews", "assessments",
    "strategies", "wheels", "committee_meetings", "gaps", "bookings", "agreements", "review_follow_ups", "check_ins",
    "agreement_courses", "funding_courses",
)
"""The tables a KPI read (and the actions read, ``actions``) may look at, each with its ``known_<table>`` above.
The titles (``agreement_courses``, ``funding_courses``) come with the agreement's or booking's first event:
a read finds one only for an agreement or booking known by T, so they are read as they are."""

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
