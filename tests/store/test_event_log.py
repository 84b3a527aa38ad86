"""Appending and reading the event log: outcomes, §3 fields, stream order, cursor paging, append-only."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import pytest
from message_samples import (
    EVENT_FIELDS,
    TENANT,
    booking,
    check_in,
    company_with_bookings,
    department,
    employee,
    knowledge_shared,
    read_everything,
    settled,
)

from infra.store import InvalidCursor
from services.core.app import App


async def test_accepted_outcome_lists_the_appended_event(app: App) -> None:
    msg = department("rd")
    outcome = await app.intake.submit(msg, door="test")

    assert outcome["status"] == "accepted"
    assert outcome["tenant"] == TENANT
    assert outcome["message_id"] == msg["message_id"]
    assert "reason" not in outcome and "first" not in outcome
    [ref] = outcome["events"]
    assert set(ref) == {"stream", "version", "position"}
    assert ref["version"] == 1
    assert isinstance(ref["position"], int)

    await settled(app)
    [event] = await read_everything(app)
    assert (event["stream"], event["version"], event["position"]) == (ref["stream"], ref["version"], ref["position"])


async def test_read_all_returns_the_contract_fields(app: App) -> None:
    msg = employee("e-1", name="Anna Berg", occurred_at="2026-03-10T10:00:00+02:00", actor="hr-system:payroll")
    outcome = await app.intake.submit(msg, door="test")
    assert outcome["status"] == "accepted"

    await settled(app)
    events, cursor = await app.store.read_all(None, 10)
    [event] = events
    assert EVENT_FIELDS <= set(event)
    assert event["tenant"] == TENANT
    assert event["stream"] == outcome["events"][0]["stream"]
    assert event["version"] == 1
    assert event["position"] == outcome["events"][0]["position"]
    assert event["type"] == "EmployeeRegistered"
    assert datetime.fromisoformat(event["occurred_at"]) == datetime.fromisoformat("2026-03-10T08:00:00+00:00")
    assert datetime.fromisoformat(event["recorded_at"]).tzinfo is not None
    assert event["message_id"] == msg["message_id"]
    assert event["actor"] == "hr-system:payroll"
    assert event["schema_version"] == 1
    assert event["data"]["employee_id"] == "e-1"
    assert event["data"]["name"] == "Anna Berg"
    assert event["data"]["hired_on"] == "2020-01-01"
    assert isinstance(cursor, str) and cursor


async def test_actor_is_optional(app: App) -> None:
    msg = department("ops", actor=None)
    del msg["actor"]
    assert (await app.intake.submit(msg, door="test"))["status"] == "accepted"
    await settled(app)
    [event] = await read_everything(app)
    assert event["actor"] is None


async def test_versions_count_per_stream_and_read_stream_is_in_version_order(app: App) -> None:
    outcomes = await app.intake.submit_many(company_with_bookings(2), door="test")
    assert [o["status"] for o in outcomes] == ["accepted"] * 4
    # interleave two streams over several batches
    for day in range(1, 6):
        batch = [check_in("b-1", f"2026-04-0{day}"), knowledge_shared("b-2", f"2026-04-1{day}")]
        assert [o["status"] for o in await app.intake.submit_many(batch, door="test")] == ["accepted"] * 2

    b1 = await app.store.read_stream(TENANT, "booking-b-1")
    assert [e["version"] for e in b1] == list(range(1, 7))
    assert [e["type"] for e in b1] == ["CourseBooked"] + ["ManagerCheckInHeld"] * 5
    assert [e["data"]["held_on"] for e in b1[1:]] == [f"2026-04-0{d}" for d in range(1, 6)]
    b2 = await app.store.read_stream(TENANT, "booking-b-2")
    assert [e["version"] for e in b2] == list(range(1, 7))
    assert await app.store.read_stream(TENANT, "booking-nope") == []
    assert await app.store.read_stream("other", "booking-b-1") == []

    await settled(app)
    log = await read_everything(app)
    assert len(log) == 14
    assert len({e["position"] for e in log}) == 14
    for stream in {e["stream"] for e in log}:
        versions = [e["version"] for e in log if e["stream"] == stream]
        assert versions == list(range(1, len(versions) + 1)), stream


async def test_outcome_versions_match_the_log(app: App) -> None:
    outcomes = await app.intake.submit_many(company_with_bookings(1) + [check_in("b-1")] * 1, door="test")
    await settled(app)
    log = {e["message_id"]: e for e in await read_everything(app)}
    for outcome in outcomes:
        [ref] = outcome["events"]
        event = log[outcome["message_id"]]
        assert ref == {"stream": event["stream"], "version": event["version"], "position": event["position"]}


async def test_cursor_paging_reads_everything_once_and_continues_after_an_empty_page(app: App) -> None:
    await app.intake.submit_many([department(f"d-{i}") for i in range(7)], door="test")
    await settled(app)

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page, cursor = await app.store.read_all(cursor, 3)
        assert len(page) <= 3
        if not page:
            break
        pages += 1
        seen += [e["position"] for e in page]
    assert pages == 3
    assert len(seen) == 7 and len(set(seen)) == 7

    # the cursor of an empty page is still a place to continue from
    again, same = await app.store.read_all(cursor, 3)
    assert again == [] and same == cursor

    await app.intake.submit_many([department("late-1"), department("late-2")], door="test")
    await settled(app)
    page, cursor2 = await app.store.read_all(cursor, 10)
    assert [e["data"]["department"] for e in page] == ["late-1", "late-2"]
    assert cursor2 != cursor
    assert (await app.store.read_all(cursor2, 10))[0] == []

    # re-reading from the start gives the same order
    full = await read_everything(app, page=4)
    assert [e["position"] for e in full] == seen + [e["position"] for e in page]


async def test_each_event_carries_the_cursor_after_it(app: App) -> None:
    await app.intake.submit_many([department(f"d-{i}") for i in range(5)], door="test")
    await settled(app)
    log = await read_everything(app)
    for index, event in enumerate(log):
        rest, _ = await app.store.read_all(event["cursor"], 100)
        assert [e["position"] for e in rest] == [e["position"] for e in log[index + 1:]]


async def test_tenant_filter_only_returns_that_tenant(app: App) -> None:
    await app.intake.submit_many(
        [department("a", tenant="t-one"), department("b", tenant="t-two"), department("c", tenant="t-one")],
        door="test",
    )
    await settled(app)
    one = await read_everything(app, tenant="t-one", page=1)
    assert [e["data"]["department"] for e in one] == ["a", "c"]
    assert {e["tenant"] for e in one} == {"t-one"}
    assert [e["data"]["department"] for e in await read_everything(app, tenant="t-two")] == ["b"]
    assert await read_everything(app, tenant="t-none") == []


async def test_an_invalid_cursor_raises_invalid_cursor(app: App) -> None:
    await app.intake.submit(department("rd"), door="test")
    not_refused = []
    for cursor in ("garbage", "1", "a-b", "1-x", "-1-5", "1--5", "1-2-3",
                   # beyond the ranges of a transaction id (uint64) and a position (bigint)
                   "99999999999999999999999-0", "18446744073709551616-0", "0-99999999999999999999999"):
        try:
            await app.store.read_all(cursor, 10)
        except InvalidCursor:
            continue
        except Exception as error:  # noqa: BLE001 - any other error is as wrong as none
            not_refused.append(f"{cursor}: {type(error).__name__}")
        else:
            not_refused.append(f"{cursor}: accepted")
    assert not_refused == []


async def test_the_log_is_append_only(app: App, database_url: str) -> None:
    await app.intake.submit_many(company_with_bookings(1), door="test")
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE events SET type = 'Changed'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE events SET data = '{}'::jsonb WHERE version = 1")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM events")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM events WHERE stream = 'booking-b-1'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("TRUNCATE events")
        assert await conn.fetchval("SELECT count(*) FROM events") == 2
        assert await conn.fetchval("SELECT count(*) FROM events WHERE type = 'Changed'") == 0
    finally:
        await conn.close()


async def test_a_booking_needs_its_employee(app: App) -> None:
    """Referenced streams are read in the same transaction: order inside one batch counts."""
    outcomes = await app.intake.submit_many([booking("b-1", "e-1"), employee("e-1"), booking("b-2", "e-1")],
                                            door="test")
    assert [o["status"] for o in outcomes] == ["rejected", "accepted", "accepted"]
    assert outcomes[0]["reason"] == "unknown_employee"
