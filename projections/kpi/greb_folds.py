"""The greb facts land as reported: one row per event, inserted from the batch alone (early steps, see
``model.Step``), like the funding facts."""

from __future__ import annotations

from projections.kpi.sql import day, text, truthy
from projections.model import Step


def _insert(event_type: str, table: str, columns: dict[str, str]) -> Step:
    names = ", ".join(columns)
    values = ", ".join(columns.values())
    return Step(
        f"INSERT INTO {{s}}.{table} (tenant, seq, {names})"
        f" SELECT tenant, seq, {values} FROM {{batch}} WHERE type = '{event_type}'",
        frozenset({event_type}),
        early=True,
    )


STEPS = (
    _insert("DepartmentRegistered", "greb_department_names", {
        "department": text("department"), "name": "coalesce(data->>'name', data->>'department')",
    }),
    _insert("EducationStrategyAdopted", "greb_strategies", {
        "adopted_on": day("adopted_on"), "formality": "coalesce(data->>'formality', '')",
        "vision": "coalesce(data->>'vision', '')",
    }),
    _insert("AmbassadorAppointed", "greb_ambassadors", {
        "employee_id": text("employee_id"), "role": text("role"), "appointed_on": day("appointed_on"),
    }),
    _insert("CommitteeMeetingHeld", "greb_committee", {
        "held_on": day("held_on"), "management_reps": "coalesce((data->>'management_reps')::int, 0)",
        "employee_reps": "coalesce((data->>'employee_reps')::int, 0)",
        "topics": "ARRAY(SELECT jsonb_array_elements_text(coalesce(data->'topics', '[]'::jsonb)))",
    }),
    _insert("CompetenceGapIdentified", "greb_gap_sources", {"gap_id": text("gap_id"), "source": text("source")}),
    _insert("PracticeFollowUpHeld", "greb_practice", {
        "booking_id": text("booking_id"), "held_on": day("held_on"), "applied": truthy("data->'applied'"),
    }),
    _insert("KnowledgeShared", "greb_shares", {
        "booking_id": text("booking_id"), "shared_on": day("shared_on"), "format": text("format"),
        "audience": "(data->>'audience')::int",
    }),
    _insert("AnnualWheelDefined", "greb_wheel_focus", {
        "focus_areas": "coalesce(data->'focus_areas', '[]'::jsonb)",
    }),
)
