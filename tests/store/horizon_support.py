"""Appending the way the intake does, with the transaction left open, for the tests of the readers' horizon."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from message_samples import department

from infra.store import EventStore, PendingEvent, PendingOutcome, WriteBatch, stream_lock_key
from services.core.app import App

TENANT = "horizon"


async def open_append(conn: asyncpg.Connection, stream: str, message_id: str) -> int:
    """Begin a transaction and append one event the way the intake does (eduplan_append: the stream's lock,
    then the rows), leaving the transaction open; its transaction id."""
    await conn.execute("BEGIN")
    event = PendingEvent(TENANT, stream, 1, "ManagerCheckInHeld", datetime.now(UTC), message_id, None,
                         {"booking_id": stream, "held_on": "2026-04-08"})
    write = WriteBatch(events=[event], outcomes=[PendingOutcome(TENANT, message_id, "accepted")])
    rows = await EventStore.append(conn, [stream_lock_key(TENANT, stream)], [(TENANT, message_id)],
                                   [(TENANT, stream, 0)], {}, write, "test")
    assert [row["r_kind"] for row in rows] == ["written"]
    return int(rows[0]["r_xid"])


async def commit_one(app: App, name: str) -> dict:
    outcome = await app.intake.submit(department(name, tenant=TENANT), door="test")
    assert outcome["status"] == "accepted"
    return outcome
