"""How the planning facts land in the KPI tables (see ``folds`` for the merge rules every statement follows).

A run's announcement and withdrawal merge into one row of ``runs`` (first announcement wins, earliest
withdrawal counts); planning rules and wheel definitions are rows of their own event; an agreement's course
(title, code, gap) is written by its first EducationAgreed. A booking's ``run_id`` rides with the booking in
``folds.BOOKINGS``.
"""

from __future__ import annotations

from domain.rules import DEFAULT_AWAY_SHARE
from projections.kpi.folds import Kind, decides, earlier, kept, merge_into, merged, moves_earlier, on, staged
from projections.kpi.sql import day, text
from projections.model import Step

_ANNOUNCED = Kind(
    "CourseRunAnnounced",
    (
        ("title text", text("title")),
        ("kind text", text("kind")),
        ("code text", text("code")),
        ("competence text", text("competence")),
        ("provider text", text("provider")),
        ("starts_on date", day("starts_on")),
        ("ends_on date", day("ends_on")),
        ("hours numeric", "(data->>'hours')::numeric"),
        ("seats integer", "(data->>'seats')::integer"),
        ("fee numeric", "(data->>'fee')::numeric"),
    ),
    seq="seq",
)
_WITHDRAWN = Kind("CourseRunWithdrawn", (("withdrawn_on date", day("withdrawn_on")),), earliest=True)

STAGED_RUNS = staged("runs", "run_id", [_ANNOUNCED, _WITHDRAWN])

RUNS = Step(
    merge_into(
        "runs",
        "run_id",
        STAGED_RUNS,
        ["tenant", "run_id", *_ANNOUNCED.names, "seq", "withdrawn_on"],
        "r.*",
        [
            *(kept(column, "seq") for column in _ANNOUNCED.names),
            "seq = coalesce(t.seq, r.seq)",
            earlier("withdrawn_on"),
        ],
        f"{decides('seq')} OR {moves_earlier('withdrawn_on')}",
    ),
    on(_ANNOUNCED.type, _WITHDRAWN.type),
)


def _share(season: str) -> str:
    return f"coalesce((data->'away_share'->>'{season}')::numeric, {DEFAULT_AWAY_SHARE[season]})"


PLANNING_RULES = Step(
    f"""
INSERT INTO {{s}}.planning_rules (tenant, seq, effective_from, low, normal, busy)
SELECT tenant, seq, {day("effective_from")}, {_share("low")}, {_share("normal")}, {_share("busy")}
FROM {{batch}} WHERE type = 'PlanningRulesSet'""",
    on("PlanningRulesSet"),
    early=True,
)

WHEEL_SEASONS = Step(
    f"""
INSERT INTO {{s}}.wheel_seasons (tenant, seq, department, effective_from, months)
SELECT tenant, seq, {text("department")}, {day("effective_from")},
       ARRAY(SELECT data->'months'->>m.month::text FROM generate_series(1, 12) AS m(month) ORDER BY m.month)
FROM {{batch}} WHERE type = 'AnnualWheelDefined'""",
    on("AnnualWheelDefined"),
    early=True,
)

_AGREED_COURSE = Kind(
    "EducationAgreed",
    (("title text", text("title")), ("course_code text", text("course_code")), ("gap_id text", text("gap_id"))),
    seq="seq",
)

# The first EducationAgreed of an agreement wins (the intake accepts only one).
AGREEMENT_COURSES = Step(
    f"""
INSERT INTO {{s}}.agreement_courses (tenant, agreement_id, title, course_code, gap_id, seq)
SELECT * FROM ({merged("agreement_id", [_AGREED_COURSE])}) AS r
WHERE NOT EXISTS (
    SELECT FROM {{s}}.agreement_courses x WHERE x.tenant = r.tenant AND x.agreement_id = r.agreement_id
)""",
    on(_AGREED_COURSE.type),
)

PLANNING_STEPS = (PLANNING_RULES, WHEEL_SEASONS, RUNS, AGREEMENT_COURSES)
PLANNING_STAGING = (STAGED_RUNS,)
PLANNING_KEYS = dict.fromkeys(("CourseRunAnnounced", "CourseRunWithdrawn"), "run_id")
