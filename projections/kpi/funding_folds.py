"""The funding facts land as reported: one row per event, inserted from the batch alone (early steps, see
``model.Step``). Numbers keep the exact decimals they were sent with (jsonb numbers are numeric)."""

from __future__ import annotations

from projections.kpi.sql import day, text, truthy
from projections.model import Step


def _insert(event_type: str, table: str, columns: dict[str, str], *, known: bool = False) -> Step:
    """``known``: the row keeps when its event was recorded (a funding fact: the workbench's gate is read as known
    at an instant, ``funding_read.uses_funding``)."""
    if known:
        columns = {**columns, "recorded_at": "recorded_at"}
    names = ", ".join(columns)
    values = ", ".join(columns.values())
    return Step(
        f"INSERT INTO {{s}}.{table} (tenant, seq, {names})"
        f" SELECT tenant, seq, {values} FROM {{batch}} WHERE type = '{event_type}'",
        frozenset({event_type}),
        early=True,
    )


def _number(field: str) -> str:
    return f"(data->>'{field}')::numeric"


COURSES = _insert("CourseBooked", "funding_courses", {
    "booking_id": text("booking_id"), "kind": "(data->'course'->>'kind') COLLATE \"C\"",
    "title": "coalesce(data->'course'->>'title', '')",
})

TERMS = _insert("EmploymentTermsSet", "funding_terms", {
    "employee_id": text("employee_id"), "effective_from": day("effective_from"),
    "collective_agreement": text("collective_agreement"),
    "weekly_hours": f"coalesce({_number('weekly_hours')}, 37)",
    "apprentice": truthy("data->'apprentice'"), "public_benefits": truthy("data->'public_benefits'"),
}, known=True)

EDUCATION = _insert("EducationLevelRecorded", "funding_education", {
    "employee_id": text("employee_id"), "recorded_on": day("recorded_on"), "level": text("level"),
    "higher_last_used_on": day("higher_education_last_used_on"),
}, known=True)

COSTS = _insert("CourseCostsRecorded", "funding_costs", {
    "booking_id": text("booking_id"), "recorded_on": day("recorded_on"), "wage_paid": "false",
    "fee": _number("fee"), "travel_km": _number("travel_km"), "hourly_wage": _number("hourly_wage"),
}, known=True)

WAGES = _insert("CourseWagePaid", "funding_costs", {
    "booking_id": text("booking_id"), "recorded_on": day("paid_on"), "wage_paid": "true",
    "hourly_wage": _number("hourly_wage"),
}, known=True)

CLAIMS = tuple(
    _insert(event_type, "funding_claims", {
        "booking_id": text("booking_id"), "scheme": text("scheme"), "step": f"'{event_type}'",
        "on_date": day(dated), "amount": _number("amount"),
    }, known=True)
    for event_type, dated in (("FundingApplied", "applied_on"), ("FundingGranted", "granted_on"),
                              ("FundingPaid", "paid_on"), ("FundingRejected", "rejected_on"))
)

MANAGERS = _insert("ManagerAssigned", "funding_managers", {
    "employee_id": text("employee_id"), "manager_id": text("manager_id"), "assigned_on": day("assigned_on"),
})

STEPS = (COURSES, TERMS, EDUCATION, COSTS, WAGES, *CLAIMS, MANAGERS)
