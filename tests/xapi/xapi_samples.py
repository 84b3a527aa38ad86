"""Booking events as the log holds them (normalized data), for the pure statement tests."""

from __future__ import annotations

from typing import Any

TENANT = "acme"
HOMEPAGE = "https://hr.acme.example"


def event(type_: str, booking_id: str, version: int, **data: Any) -> dict[str, Any]:
    return {"type": type_, "stream": f"booking-{booking_id}", "version": version, "tenant": TENANT,
            "data": {"booking_id": booking_id, **data}}


def booked(booking_id: str = "b-1", employee_id: str = "e-1", *, code: str | None = "40116",
           agreement_id: str | None = "a-1", booked_on: str = "2026-03-10") -> dict[str, Any]:
    course = {"title": "Førstehjælp på arbejdspladsen", "kind": "amu", "hours": 7.4, "code": code,
              "provider": None, "competence": None, "level": None}
    return event("CourseBooked", booking_id, 1, employee_id=employee_id, booked_on=booked_on,
                 agreement_id=agreement_id, course=course, starts_on="2026-04-06", ends_on="2026-04-06",
                 buddies=[], collective=False)


def completed(booking_id: str = "b-1", version: int = 2, *, passed: bool | None = True,
              hours: float | None = 7.4, on: str = "2026-04-06") -> dict[str, Any]:
    data: dict[str, Any] = {"completed_on": on, "hours_attended": hours}
    if passed is not None:
        data["passed"] = passed
    return event("CourseCompleted", booking_id, version, **data)


def shared(booking_id: str = "b-1", version: int = 3, *, audience: int | None = 12) -> dict[str, Any]:
    return event("KnowledgeShared", booking_id, version, shared_on="2026-04-13", format="board_meeting",
                 audience=audience)


def cancelled(booking_id: str = "b-1", version: int = 2) -> dict[str, Any]:
    return event("CourseCancelled", booking_id, version, cancelled_on="2026-03-20",
                 reason={"enc": "v1:opaque"})
