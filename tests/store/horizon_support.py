"""Appending the way the intake does, with the transaction left open, for the tests of the readers' horizon."""

from __future__ import annotations

import json

import asyncpg
from message_samples import department

from infra.append_data import stream_lock_key
from services.core.app import App

TENANT = "horizon"


async def open_append(conn: asyncpg.Connection, stream: str, message_id: str) -> int:
    """Begin a transaction and append one event the way the intake does (the stream's lock first, then the
    row), leaving the transaction open; its transaction id."""
    await conn.execute("BEGIN")
    await conn.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key(TENANT, stream))
    xid = await conn.fetchval(
        "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data, schema_version)"
        " VALUES ($1, $2, 1, 'ManagerCheckInHeld', now(), $3, NULL, $4::jsonb, 1) RETURNING transaction_id::text",
        TENANT, stream, message_id, json.dumps({"booking_id": stream, "held_on": "2026-04-08"}))
    return int(xid)


async def commit_one(app: App, name: str) -> dict:
    outcome = await app.intake.submit(department(name, tenant=TENANT), door="test")
    assert outcome["status"] == "accepted"
    return outcome
