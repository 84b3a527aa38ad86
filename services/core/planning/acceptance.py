"""Accepting a plan: one CourseBooked per assignment, built from the plan document alone.

The message id and the booking id both come from the plan and the agreement, so accepting the same plan
again sends the same messages, which the intake answers as duplicates.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from domain.messages import MESSAGE_ID_MAX

ACTOR = "eduplan:planning-assistant"


def booking_id(plan_id: str, agreement_id: str) -> str:
    """The id of the booking (and of its message) an acceptance makes for an agreement."""
    plain = f"plan-{plan_id}-{agreement_id}"
    if len(plain) <= MESSAGE_ID_MAX:
        return plain
    return f"plan-{plan_id}-{hashlib.sha256(agreement_id.encode()).hexdigest()[:40]}"


def booking_ids(document: dict[str, Any]) -> list[str]:
    return [booking_id(document["plan_id"], a["agreement_id"]) for a in document["assignments"]]


def booking_messages(document: dict[str, Any], booked_on: date, now: datetime) -> list[dict[str, Any]]:
    """The CourseBooked envelopes of the plan's assignments, in agreement order."""
    together: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in document["assignments"]:
        together[(a["run_id"], a["department"])].append(a["employee_id"])
    occurred_at = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    return [
        {
            "message_id": booking_id(document["plan_id"], a["agreement_id"]),
            "tenant": document["tenant"],
            "type": "CourseBooked",
            "occurred_at": occurred_at,
            "actor": ACTOR,
            "data": _booking(document, a, booked_on, together[(a["run_id"], a["department"])]),
        }
        for a in document["assignments"]
    ]


def _booking(document: dict[str, Any], a: dict[str, Any], booked_on: date, on_run: list[str]) -> dict[str, Any]:
    run = document["runs"][a["run_id"]]
    course = {"title": run["title"], "kind": run["kind"], "hours": run["hours"]}
    course.update({field: run[field] for field in ("code", "provider", "competence") if run.get(field) is not None})
    return {
        "booking_id": booking_id(document["plan_id"], a["agreement_id"]),
        "employee_id": a["employee_id"],
        "booked_on": booked_on.isoformat(),
        "agreement_id": a["agreement_id"],
        "run_id": a["run_id"],
        "course": course,
        "starts_on": run["starts_on"],
        "ends_on": run["ends_on"],
        "buddies": sorted(employee for employee in on_run if employee != a["employee_id"]),
    }
