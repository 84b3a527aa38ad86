"""The append's check of an agreement's live bookings (checks.linked, infra/migrations/160_agreement_links.sql):
the tenant's CourseBooked events of the agreement whose stream has no CourseCancelled and whose id is not among the
known ones — read by key, whatever plan the session keeps for it."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from infra.append_data import stream_lock_key
from infra.db import create_pool, migrate

_APPEND = ("SELECT * FROM eduplan_append_sealed($1::bigint[], '{}'::bigint[], '{}'::bigint[],"
           " $2::text::jsonb, $3::text::jsonb, 'file')")


def _event(tenant: str, stream: str, version: int, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"tenant": tenant, "stream": stream, "version": version, "type": type_,
            "occurred_at": "2026-01-01T00:00:00Z", "message_id": f"{stream}-{version}", "actor": None, "data": data,
            "schema_version": 1}


def _booked(tenant: str, booking_id: str, agreement_id: str) -> dict[str, Any]:
    return _event(tenant, f"booking-{booking_id}", 1, "CourseBooked",
                  {"booking_id": booking_id, "employee_id": "e1", "agreement_id": agreement_id})


def _cancelled(tenant: str, booking_id: str) -> dict[str, Any]:
    return _event(tenant, f"booking-{booking_id}", 2, "CourseCancelled", {"booking_id": booking_id})


async def _append(conn: asyncpg.Connection, events: list[dict[str, Any]],
                  linked: list[Any] | None = None) -> list[asyncpg.Record]:
    checks: dict[str, Any] = {"seen": [], "streams": [], "keys": []}
    if linked is not None:
        checks["linked"] = linked
    rows: list[asyncpg.Record] = await conn.fetch(
        _APPEND, [stream_lock_key("t", "s")], json.dumps(checks),
        json.dumps({"events": events, "outcomes": [], "duplicates": []}))
    return rows


async def test_the_check_names_the_live_bookings_of_the_agreement_in_its_tenant_only(database_url: str) -> None:
    pool = await create_pool(database_url)
    try:
        await migrate(pool)
        async with pool.acquire() as conn:
            await _append(conn, [
                _booked("t", "live", "a1"), _booked("t", "known", "a1"), _booked("t", "gone", "a1"),
                _cancelled("t", "gone"), _booked("t", "other", "a2"), _booked("u", "elsewhere", "a1")])
            rows = await _append(conn, [_event("t", "s", 1, "X", {})], linked=[["t", "a1", ["known", "mine"]]])
            events = await conn.fetchval("SELECT count(*) FROM events WHERE stream = 's'")
    finally:
        await pool.close()
    assert [(r["r_kind"], r["r_tenant"], r["r_name"], r["r_stream"]) for r in rows] == [
        ("linked", "t", "a1", "booking-live")]
    assert events == 0  # told of a live booking: nothing written


async def test_the_check_reads_the_bookings_stream_by_key_whatever_plan_the_session_keeps(database_url: str) -> None:
    """Planned while the log is empty, the look-up of a booking's cancellation must not read its tenant's whole part
    of the log (every stream before the booking's, in key order) once the log has grown."""
    pool = await create_pool(database_url)
    try:
        await migrate(pool)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            for _ in range(3):
                assert await _append(conn, [], linked=[["t", "a1", ["mine"]]]) == []
            await _append(conn, [_event("t", "agreement-filler", v, "X", {}) for v in range(1, 2001)]
                          + [_booked("t", "live", "a1"), _booked("t", "gone", "a1"), _cancelled("t", "gone")])
            before = await conn.fetchval("SELECT idx_tup_fetch FROM pg_stat_xact_user_tables WHERE relname = 'events'")
            rows = await _append(conn, [], linked=[["t", "a1", ["mine"]]])
            fetched = await conn.fetchval("SELECT idx_tup_fetch FROM pg_stat_xact_user_tables WHERE relname = 'events'")
    finally:
        await pool.close()
    assert [r["r_stream"] for r in rows] == ["booking-live"]
    assert fetched - before < 20  # the tenant's whole part for each of the two bookings: over 4,000
