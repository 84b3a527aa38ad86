"""The actions' facts land as reported: one row per event, inserted from the batch alone (early steps)."""

from __future__ import annotations

from projections.kpi.sql import day, text
from projections.model import Step

FOLLOW_UPS = Step(
    f"""
INSERT INTO {{s}}.review_follow_ups (tenant, seq, employee_id, follow_up_on, recorded_at)
SELECT tenant, seq, {text("employee_id")}, {day("follow_up_on")}, recorded_at
FROM {{batch}} WHERE type = 'DevelopmentReviewHeld' AND data->>'follow_up_on' IS NOT NULL""",
    frozenset({"DevelopmentReviewHeld"}),
    early=True,
)

CHECK_INS = Step(
    f"""
INSERT INTO {{s}}.check_ins (tenant, seq, booking_id, held_on, recorded_at)
SELECT tenant, seq, {text("booking_id")}, {day("held_on")}, recorded_at
FROM {{batch}} WHERE type = 'ManagerCheckInHeld'""",
    frozenset({"ManagerCheckInHeld"}),
    early=True,
)

STEPS = (FOLLOW_UPS, CHECK_INS)
