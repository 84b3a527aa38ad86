"""How each event type lands in the KPI tables.

Every fold is an upsert that fills its own columns, keeps the earliest date, or inserts a row keyed by
seq, so the events of a batch may be applied in any order (and an event that refers to an entity can
even be folded before the entity's own first event). What depends on several events is recomputed
afterwards by ``derive`` for the entities the batch touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from projections.kpi.derive import department_on
from projections.model import Event, Fold, Row


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _busy_months(months: dict[str, str]) -> str:
    """The busy months as an integer array literal (arrays of arrays cannot be passed row by row)."""
    return "{" + ",".join(str(m) for m in sorted(int(k) for k, load in months.items() if load == "busy")) + "}"


def _earlier(date_at: int) -> Callable[[Row, Row], Row]:
    def keep(kept: Row, later: Row) -> Row:
        return later if later[date_at] < kept[date_at] else kept

    return keep


def _strategy(e: Event) -> Row:
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


def _booking(e: Event) -> Row:
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


def _completion(e: Event) -> Row:
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
        f"INSERT INTO {{s}}.bookings (tenant, booking_id, {column}) SELECT * FROM {{rows}}"
        f" ON CONFLICT (tenant, booking_id) DO UPDATE"
        f" SET {column} = LEAST(bookings.{column}, excluded.{column})",
        "tenant text, booking_id text, on_date date",
        lambda e: (e.tenant, e.data["booking_id"], _day(e.data[field])),
        key=2,
        keep=_earlier(2),
    )


FOLDS: dict[str, Fold] = {
    "EducationStrategyAdopted": Fold(
        "INSERT INTO {s}.strategies (tenant, seq, adopted_on, cycle_start_month, completion_target)"
        " SELECT * FROM {rows} ON CONFLICT DO NOTHING",
        "tenant text, seq bigint, adopted_on date, cycle_start_month integer, completion_target float8",
        _strategy,
    ),
    "DepartmentRegistered": Fold(
        "INSERT INTO {s}.departments (tenant, department, seq) SELECT * FROM {rows} ON CONFLICT DO NOTHING",
        "tenant text, department text, seq bigint",
        lambda e: (e.tenant, e.data["department"], e.seq),
        key=2,
    ),
    "EmployeeRegistered": Fold(
        "WITH registered AS ("
        " INSERT INTO {s}.employees (tenant, employee_id, department, job_family, hired_on, seq)"
        " SELECT * FROM {rows}"
        " ON CONFLICT (tenant, employee_id) DO UPDATE SET department = excluded.department,"
        " job_family = excluded.job_family, hired_on = excluded.hired_on, seq = excluded.seq"
        " WHERE employees.seq IS NULL RETURNING tenant, employee_id, hired_on, department, seq)"
        " INSERT INTO {s}.department_changes (tenant, employee_id, effective_on, department, seq)"
        " SELECT * FROM registered ON CONFLICT DO NOTHING",
        "tenant text, employee_id text, department text, job_family text, hired_on date, seq bigint",
        lambda e: (
            e.tenant,
            e.data["employee_id"],
            e.data["department"],
            e.data["job_family"],
            _day(e.data["hired_on"]),
            e.seq,
        ),
        key=2,
    ),
    "EmployeeMoved": Fold(
        "INSERT INTO {s}.department_changes (tenant, employee_id, effective_on, department, seq)"
        " SELECT * FROM {rows} ON CONFLICT DO NOTHING",
        "tenant text, employee_id text, moved_on date, department text, seq bigint",
        lambda e: (e.tenant, e.data["employee_id"], _day(e.data["moved_on"]), e.data["department"], e.seq),
    ),
    "EmployeeLeft": Fold(
        "INSERT INTO {s}.employees (tenant, employee_id, left_on) SELECT * FROM {rows}"
        " ON CONFLICT (tenant, employee_id) DO UPDATE SET left_on = LEAST(employees.left_on, excluded.left_on)",
        "tenant text, employee_id text, left_on date",
        lambda e: (e.tenant, e.data["employee_id"], _day(e.data["left_on"])),
        key=2,
        keep=_earlier(2),
    ),
    "DevelopmentReviewHeld": Fold(
        "INSERT INTO {s}.reviews (tenant, seq, employee_id, held_on, education_item)"
        " SELECT * FROM {rows} ON CONFLICT DO NOTHING",
        "tenant text, seq bigint, employee_id text, held_on date, education_item boolean",
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
        " SELECT * FROM {rows} ON CONFLICT DO NOTHING",
        "tenant text, seq bigint, employee_id text, competence text, level integer, assessed_on date",
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
        " SELECT * FROM {rows}"
        " ON CONFLICT (tenant, gap_id) DO UPDATE SET employee_id = excluded.employee_id,"
        " competence = excluded.competence, identified_on = excluded.identified_on,"
        " target_level = excluded.target_level, seq = excluded.seq WHERE gaps.seq IS NULL",
        "tenant text, gap_id text, employee_id text, competence text, identified_on date,"
        " target_level integer, seq bigint",
        lambda e: (
            e.tenant,
            e.data["gap_id"],
            e.data["employee_id"],
            e.data["competence"],
            _day(e.data["identified_on"]),
            int(e.data["target_level"]),
            e.seq,
        ),
        key=2,
    ),
    "CompetenceGapClosed": Fold(
        "INSERT INTO {s}.gaps (tenant, gap_id, closed_on) SELECT * FROM {rows}"
        " ON CONFLICT (tenant, gap_id) DO UPDATE SET closed_on = LEAST(gaps.closed_on, excluded.closed_on)",
        "tenant text, gap_id text, closed_on date",
        lambda e: (e.tenant, e.data["gap_id"], _day(e.data["closed_on"])),
        key=2,
        keep=_earlier(2),
    ),
    "EducationAgreed": Fold(
        "INSERT INTO {s}.agreements (tenant, agreement_id, employee_id, agreed_on, due_by, seq, department,"
        " employee_left_on)"
        f" SELECT r.*, {department_on('r.tenant', 'r.employee_id', 'r.agreed_on')},"
        " (SELECT e.left_on FROM {s}.employees e WHERE e.tenant = r.tenant AND e.employee_id = r.employee_id)"
        " FROM {rows}"
        " ON CONFLICT (tenant, agreement_id) DO UPDATE SET employee_id = excluded.employee_id,"
        " agreed_on = excluded.agreed_on, due_by = excluded.due_by, seq = excluded.seq,"
        " department = excluded.department, employee_left_on = excluded.employee_left_on"
        " WHERE agreements.seq IS NULL",
        "tenant text, agreement_id text, employee_id text, agreed_on date, due_by date, seq bigint",
        lambda e: (
            e.tenant,
            e.data["agreement_id"],
            e.data["employee_id"],
            _day(e.data["agreed_on"]),
            _day(e.data.get("due_by")),
            e.seq,
        ),
        key=2,
    ),
    "EducationAgreementWithdrawn": Fold(
        "INSERT INTO {s}.agreements (tenant, agreement_id, withdrawn_on) SELECT * FROM {rows}"
        " ON CONFLICT (tenant, agreement_id) DO UPDATE"
        " SET withdrawn_on = LEAST(agreements.withdrawn_on, excluded.withdrawn_on)",
        "tenant text, agreement_id text, withdrawn_on date",
        lambda e: (e.tenant, e.data["agreement_id"], _day(e.data["withdrawn_on"])),
        key=2,
        keep=_earlier(2),
    ),
    "CourseBooked": Fold(
        "INSERT INTO {s}.bookings (tenant, booking_id, employee_id, agreement_id, booked_on, starts_on,"
        " ends_on, hours, listed_buddies, collective, seq, department, job_family)"
        f" SELECT r.*, {department_on('r.tenant', 'r.employee_id', 'r.booked_on')},"
        " (SELECT e.job_family FROM {s}.employees e WHERE e.tenant = r.tenant AND e.employee_id = r.employee_id)"
        " FROM {rows}"
        " ON CONFLICT (tenant, booking_id) DO UPDATE SET employee_id = excluded.employee_id,"
        " agreement_id = excluded.agreement_id, booked_on = excluded.booked_on,"
        " starts_on = excluded.starts_on, ends_on = excluded.ends_on, hours = excluded.hours,"
        " listed_buddies = excluded.listed_buddies, collective = excluded.collective, seq = excluded.seq,"
        " department = excluded.department, job_family = excluded.job_family,"
        f" completed_department = {department_on('excluded.tenant', 'excluded.employee_id', 'bookings.completed_on')}"
        " WHERE bookings.seq IS NULL",
        "tenant text, booking_id text, employee_id text, agreement_id text, booked_on date, starts_on date,"
        " ends_on date, hours numeric, listed_buddies boolean, collective boolean, seq bigint",
        _booking,
        key=2,
    ),
    "CourseCancelled": _booking_date("cancelled_on", "cancelled_on"),
    "CourseCompleted": Fold(
        "INSERT INTO {s}.bookings (tenant, booking_id, completed_on, hours_attended, passed)"
        " SELECT * FROM {rows}"
        " ON CONFLICT (tenant, booking_id) DO UPDATE SET completed_on = excluded.completed_on,"
        " hours_attended = excluded.hours_attended, passed = excluded.passed,"
        f" completed_department = {department_on('bookings.tenant', 'bookings.employee_id', 'excluded.completed_on')}"
        " WHERE bookings.completed_on IS NULL",
        "tenant text, booking_id text, completed_on date, hours_attended numeric, passed boolean",
        _completion,
        key=2,
    ),
    "BuddyPaired": _booking_date("first_paired_on", "paired_on"),
    "SubstituteArranged": _booking_date("first_substitute_on", "arranged_on"),
    "KnowledgeShared": _booking_date("first_shared_on", "shared_on"),
    "AnnualWheelDefined": Fold(
        "INSERT INTO {s}.wheels (tenant, seq, department, effective_from, kind, busy_months)"
        " SELECT tenant, seq, department, effective_from, kind, busy_months::integer[] FROM {rows}"
        " ON CONFLICT DO NOTHING",
        "tenant text, seq bigint, department text, effective_from date, kind text, busy_months text",
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
        "INSERT INTO {s}.committee_meetings (tenant, seq, held_on) SELECT * FROM {rows} ON CONFLICT DO NOTHING",
        "tenant text, seq bigint, held_on date",
        lambda e: (e.tenant, e.seq, _day(e.data["held_on"])),
    ),
}
