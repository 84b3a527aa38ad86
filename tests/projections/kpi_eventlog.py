"""Appending events the way the intake does, straight into the log (one transaction per event).

Data is normalized like accepted messages are: dates as strings, optional fields present as null,
static defaults filled, and CourseCompleted.hours_attended taken from the booking when it is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from infra.append_data import stream_lock_key
from infra.db import migrate

_OPTIONAL: dict[str, dict[str, Any]] = {
    "CompanyRegistered": {"cvr": None},
    "EducationStrategyAdopted": {"cycle_start_month": 3, "completion_target": 0.85},
    "ManagerAssigned": {"assigned_on": None},
    "AmbassadorAppointed": {"appointed_on": None},
    "AnnualWheelDefined": {"focus_areas": []},
    "CommitteeMeetingHeld": {"topics": []},
    "DevelopmentReviewHeld": {"follow_up_on": None, "notes": None},
    "EducationAgreed": {"due_by": None, "gap_id": None, "course_code": None},
    "CourseBooked": {"agreement_id": None, "buddies": [], "collective": False},
    "CourseCompleted": {"hours_attended": None, "passed": True},
    "KnowledgeShared": {"audience": None},
}

_ENTITY = {
    "employee_id": "employee",
    "gap_id": "gap",
    "agreement_id": "agreement",
    "booking_id": "booking",
}

_STREAM_KEY = {
    "EmployeeRegistered": "employee_id",
    "EmployeeMoved": "employee_id",
    "EmployeeLeft": "employee_id",
    "ManagerAssigned": "employee_id",
    "AmbassadorAppointed": "employee_id",
    "DevelopmentReviewHeld": "employee_id",
    "CompetenceAssessed": "employee_id",
    "CompetenceGapIdentified": "gap_id",
    "CompetenceGapClosed": "gap_id",
    "EducationAgreed": "agreement_id",
    "EducationAgreementWithdrawn": "agreement_id",
}


def stream_of(event_type: str, data: dict[str, Any]) -> str:
    key = _STREAM_KEY.get(event_type)
    if key is None and "booking_id" in data:
        key = "booking_id"
    if key is None:
        return "company"
    return f"{_ENTITY[key]}-{data[key]}"


@dataclass(frozen=True)
class Logged:
    tenant: str
    type: str
    data: dict[str, Any]


@dataclass
class EventLog:
    """Appends to the log and keeps what was appended, in log order, for the reference calculation."""

    pool: asyncpg.Pool
    events: list[Logged] = field(default_factory=list)
    versions: dict[tuple[str, str], int] = field(default_factory=dict)
    course_hours: dict[tuple[str, str], Any] = field(default_factory=dict)

    @classmethod
    async def create(cls, pool: asyncpg.Pool) -> EventLog:
        await migrate(pool)
        return cls(pool)

    def normalize(self, tenant: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        full = {**_OPTIONAL.get(event_type, {}), **data}
        if event_type == "CourseBooked":
            full["course"] = {"code": None, "provider": None, "competence": None, "level": None, **full["course"]}
            self.course_hours[(tenant, full["booking_id"])] = full["course"]["hours"]
        if event_type == "CourseCompleted" and full["hours_attended"] is None:
            full["hours_attended"] = self.course_hours[(tenant, full["booking_id"])]
        if event_type == "AnnualWheelDefined":
            full.setdefault("department", None)
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in full.items()}

    def prepare(self, tenant: str, event_type: str, data: dict[str, Any]) -> tuple[Any, ...]:
        full = self.normalize(tenant, event_type, data)
        stream = stream_of(event_type, full)
        version = self.versions.get((tenant, stream), 0) + 1
        self.versions[(tenant, stream)] = version
        self.events.append(Logged(tenant, event_type, full))
        message_id = f"m-{len(self.events)}"
        return (tenant, stream, version, event_type, datetime.now(UTC), message_id, json.dumps(full))

    async def append(self, tenant: str, event_type: str, data: dict[str, Any]) -> None:
        await self.append_many([(tenant, event_type, data)])

    async def append_many(self, items: list[tuple[str, str, dict[str, Any]]], *, per_transaction: int = 1) -> None:
        rows = [self.prepare(*item) for item in items]
        async with self.pool.acquire() as conn:
            for start in range(0, len(rows), per_transaction):
                async with conn.transaction():
                    await write(conn, rows[start : start + per_transaction])


async def write(conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert prepared rows inside the caller's transaction, as writers of the log do: the streams' locks
    first (before the transaction has an id), then the rows."""
    keys = sorted({stream_lock_key(row[0], row[1]) for row in rows})
    await conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys)
    await conn.executemany(INSERT, rows)


INSERT = """
INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data)
VALUES ($1, $2, $3, $4, $5, $6, 'test', $7::jsonb)
"""
