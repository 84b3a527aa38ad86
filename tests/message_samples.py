"""Envelopes shared by the store and door tests: a small company with employees, bookings and repeatable facts."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from infra.store import HORIZON_SQL

_ids = itertools.count(1)

TENANT = "acme"


def envelope(type_: str, data: dict[str, Any], *, tenant: str = TENANT, message_id: str | None = None,
             occurred_at: str = "2026-03-10T08:00:00Z", actor: str | None = "hr-system:test") -> dict[str, Any]:
    return {
        "message_id": message_id or f"msg-{next(_ids)}",
        "tenant": tenant,
        "type": type_,
        "occurred_at": occurred_at,
        "actor": actor,
        "data": data,
    }


def department(department: str = "rd", **kw: Any) -> dict[str, Any]:
    return envelope("DepartmentRegistered", {"department": department, "name": f"Department {department}"}, **kw)


def employee(employee_id: str, name: str | None = None, **kw: Any) -> dict[str, Any]:
    data = {"employee_id": employee_id, "name": name or f"Person {employee_id}", "department": "rd",
            "job_family": "skilled", "hired_on": "2020-01-01"}
    return envelope("EmployeeRegistered", data, **kw)


def review(employee_id: str, notes: str | None = None, **kw: Any) -> dict[str, Any]:
    data = {"employee_id": employee_id, "held_on": "2026-03-05", "education_item": True, "notes": notes}
    return envelope("DevelopmentReviewHeld", data, **kw)


def booking(booking_id: str, employee_id: str, **kw: Any) -> dict[str, Any]:
    data = {"booking_id": booking_id, "employee_id": employee_id, "booked_on": "2026-03-10",
            "course": {"title": "AMU 40121 Refrigeration", "kind": "amu", "hours": 37},
            "starts_on": "2026-04-06", "ends_on": "2026-04-10"}
    return envelope("CourseBooked", data, **kw)


def check_in(booking_id: str, held_on: str = "2026-04-08", **kw: Any) -> dict[str, Any]:
    return envelope("ManagerCheckInHeld", {"booking_id": booking_id, "held_on": held_on}, **kw)


def knowledge_shared(booking_id: str, shared_on: str = "2026-04-20", **kw: Any) -> dict[str, Any]:
    return envelope("KnowledgeShared", {"booking_id": booking_id, "shared_on": shared_on, "format": "peer"}, **kw)


def completed(booking_id: str, **kw: Any) -> dict[str, Any]:
    return envelope("CourseCompleted", {"booking_id": booking_id, "completed_on": "2026-04-10"}, **kw)


def company_with_bookings(bookings: int, *, tenant: str = TENANT) -> list[dict[str, Any]]:
    """Employees e-1..e-n and bookings b-1..b-n (booking b-i for employee e-i)."""
    out = [employee(f"e-{i}", tenant=tenant) for i in range(1, bookings + 1)]
    out += [booking(f"b-{i}", f"e-{i}", tenant=tenant) for i in range(1, bookings + 1)]
    return out


EVENT_FIELDS = {"position", "tenant", "stream", "version", "type", "occurred_at", "recorded_at", "message_id",
                "actor", "data", "schema_version"}


async def read_everything(core: Any, *, tenant: str | None = None, page: int = 1000) -> list[dict[str, Any]]:
    """The whole committed log (or one tenant's), page by page from the start."""
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        batch, cursor = await core.store.read_all(cursor, page, tenant=tenant)
        if not batch:
            return events
        events += batch


async def settled(core: Any, within: float = 60.0) -> None:
    """Wait until every event committed so far is below the readers' horizon (infra.store.HORIZON_SQL).

    Readers only see transactions older than the oldest one still appending, so a commit may stay hidden
    for a moment behind an append that is still under way.
    """
    deadline = time.monotonic() + within
    while True:
        async with core.pool.acquire() as conn:
            horizon = await conn.fetchval(HORIZON_SQL)
            done = await conn.fetchval(
                "SELECT coalesce(max(transaction_id) < $1::text::xid8, true) FROM events", horizon
            )
        if done:
            return
        if time.monotonic() > deadline:
            raise AssertionError("committed events did not become readable")
        await asyncio.sleep(0.005)
