"""Idempotency per tenant: a re-sent message gets `duplicate` with the first outcome, nothing appended."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from message_samples import (
    TENANT,
    booking,
    check_in,
    company_with_bookings,
    department,
    employee,
    read_everything,
    settled,
)

from infra.append_data import StoredOutcome
from services.core.app import App
from services.core.intake import Prepared, prepare


async def _counts(database_url: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(database_url)
    try:
        return (
            await conn.fetchval("SELECT count(*) FROM events"),
            await conn.fetchval("SELECT count(*) FROM outcomes"),
            await conn.fetchval("SELECT count(*) FROM duplicates"),
        )
    finally:
        await conn.close()


async def test_a_resent_message_is_a_duplicate_with_the_first_outcome(app: App, database_url: str) -> None:
    msg = department("rd")
    first = await app.intake.submit(msg, door="test")
    assert first["status"] == "accepted"

    again = await app.intake.submit(copy.deepcopy(msg), door="test")
    assert again == {"status": "duplicate", "tenant": TENANT, "message_id": msg["message_id"], "first": first}
    assert "events" not in again and "reason" not in again

    # also as raw text through another door, and a third time
    third = await app.intake.submit(json.dumps(msg).encode(), door="file")
    assert third["status"] == "duplicate" and third["first"] == first

    assert await _counts(database_url) == (1, 1, 2)
    await settled(app)
    assert len(await read_everything(app)) == 1


async def test_a_resent_message_with_other_content_is_still_a_duplicate(app: App, database_url: str) -> None:
    msg = department("rd")
    first = await app.intake.submit(msg, door="test")
    changed = department("ops", message_id=msg["message_id"])
    again = await app.intake.submit(changed, door="test")
    assert again["status"] == "duplicate" and again["first"] == first
    assert (await _counts(database_url))[0] == 1


async def test_a_resent_rejected_message_is_a_duplicate_of_the_rejection(app: App, database_url: str) -> None:
    msg = check_in("b-404")
    first = await app.intake.submit(msg, door="test")
    assert first["status"] == "rejected" and first["reason"] == "unknown_booking"

    # the booking now exists, but the message id was already answered
    made = await app.intake.submit_many([employee("e-404"), booking("b-404", "e-404")], door="test")
    assert [o["status"] for o in made] == ["accepted", "accepted"]
    again = await app.intake.submit(msg, door="test")
    assert again["status"] == "duplicate"
    assert again["first"] == first
    assert again["first"]["reason"] == "unknown_booking"
    assert len(await app.store.rejections(TENANT)) == 1


async def test_an_invalid_message_with_readable_ids_is_remembered(app: App) -> None:
    msg = department("rd")
    msg["data"] = {"department": 5}
    first = await app.intake.submit(msg, door="test")
    assert first["status"] == "rejected" and first["reason"] == "invalid_data"
    again = await app.intake.submit(msg, door="test")
    assert again == {"status": "duplicate", "tenant": TENANT, "message_id": msg["message_id"], "first": first}


async def test_the_same_message_id_in_another_tenant_is_independent(app: App, database_url: str) -> None:
    one = await app.intake.submit(department("rd", tenant="t-one", message_id="hr-1"), door="test")
    two = await app.intake.submit(department("rd", tenant="t-two", message_id="hr-1"), door="test")
    assert one["status"] == "accepted" and two["status"] == "accepted"
    assert one["events"][0]["position"] != two["events"][0]["position"]
    dup = await app.intake.submit(department("rd", tenant="t-two", message_id="hr-1"), door="test")
    assert dup["status"] == "duplicate" and dup["first"] == two
    assert await _counts(database_url) == (2, 2, 1)


async def test_duplicates_within_one_batch(app: App, database_url: str) -> None:
    a, b = department("a"), department("b")
    rejected = check_in("b-missing")
    outcomes = await app.intake.submit_many(
        [a, copy.deepcopy(a), b, rejected, copy.deepcopy(rejected), copy.deepcopy(a)], door="test"
    )
    assert [o["status"] for o in outcomes] == [
        "accepted", "duplicate", "accepted", "rejected", "duplicate", "duplicate",
    ]
    assert outcomes[1]["first"] == outcomes[0]
    assert outcomes[5]["first"] == outcomes[0]
    assert outcomes[4]["first"] == outcomes[3]
    assert outcomes[3]["reason"] == "unknown_booking"
    assert await _counts(database_url) == (2, 3, 3)

    # the stored first outcome is the same as the one given in the batch
    later = await app.intake.submit(a, door="test")
    assert later["first"] == outcomes[0]
    later = await app.intake.submit(rejected, door="test")
    assert later["first"] == outcomes[3]


async def test_a_duplicate_in_a_batch_does_not_disturb_the_others(app: App) -> None:
    setup = company_with_bookings(1)
    await app.intake.submit_many(setup, door="test")
    batch = [check_in("b-1", "2026-04-01"), setup[1], check_in("b-1", "2026-04-02")]
    outcomes = await app.intake.submit_many(batch, door="test")
    assert [o["status"] for o in outcomes] == ["accepted", "duplicate", "accepted"]
    assert [o["events"][0]["version"] for o in (outcomes[0], outcomes[2])] == [2, 3]
    stream = await app.store.read_stream(TENANT, "booking-b-1")
    assert [e["version"] for e in stream] == [1, 2, 3]


async def test_outcome_lookup(app: App) -> None:
    msg = department("rd")
    first = await app.intake.submit(msg, door="test")
    stored = await app.store.outcome(TENANT, msg["message_id"])
    assert stored is not None and stored.as_json() == first
    assert await app.store.outcome(TENANT, "never-sent") is None


async def test_a_message_without_ids_read_again_from_its_source_gets_no_second_outcome(app: App) -> None:
    """A message with no readable tenant or message_id is recognised by its source (the Kafka door's record
    place): read again, it is a duplicate of its first outcome; another source is another message."""
    def read(raw: bytes, source: str) -> Prepared:
        return replace(prepare(raw), source=source)

    rd = department("rd")
    first = await app.intake.process([read(b"{not json", "kafka:m:0:7:1"), read(rd, "kafka:m:0:8:1")], "test")
    assert [o["status"] for o in first] == ["rejected", "accepted"]
    again = await app.intake.process([read(b"{not json", "kafka:m:0:7:1"), read(b"{not json", "kafka:m:0:9:1"),
                                      read(rd, "kafka:m:0:8:1")], "test")
    assert again[0] == {"status": "duplicate", "tenant": None, "message_id": None, "first": first[0]}
    assert again[1]["status"] == "rejected" and again[2]["status"] == "duplicate"
    rows = await app.pool.fetch("SELECT source, status FROM outcomes ORDER BY id")
    assert [(r["source"], r["status"]) for r in rows] == [
        ("kafka:m:0:7:1", "rejected"), (None, "accepted"), ("kafka:m:0:9:1", "rejected")]


async def test_a_source_is_stored_once_whoever_stores_it(app: App) -> None:
    """Two processes that store the same source at once: the second append fails on the source's index."""
    message = replace(prepare(b"\xff not utf-8"), source="kafka:m:1:3:1")
    await app.intake._process([message], "test")  # as if another process stored it after this one looked
    with pytest.raises(asyncpg.UniqueViolationError):
        await app.intake._process([message], "test")
    assert await app.pool.fetchval("SELECT count(*) FROM outcomes WHERE source = 'kafka:m:1:3:1'") == 1


async def test_a_source_another_process_stores_meanwhile_is_a_duplicate_of_its_outcome(app: App) -> None:
    """Two workers read the same record (a partition moved to another worker while the first was still at it):
    the one that finds the source stored by the other between its look and its append answers a duplicate of
    that outcome, as it would have a moment later, instead of failing the whole batch."""
    message = replace(prepare(b"{not json"), source="kafka:m:2:5:1")
    rd = replace(prepare(department("rd")), source="kafka:m:2:6:1")
    looked = app.intake._seen_sources
    raced: list[dict[str, Any]] = []

    async def look_then_lose_the_race(batch: Sequence[Prepared]) -> dict[str | None, StoredOutcome]:
        found = await looked(batch)
        if not raced:  # the other worker stores the record right after this one looked
            raced.extend(await app.intake._process([message], "test"))
        return found

    app.intake._seen_sources = look_then_lose_the_race  # type: ignore[method-assign]
    outcomes = await app.intake.process([message, rd], "test")
    assert raced[0]["status"] == "rejected"
    assert outcomes[0] == {"status": "duplicate", "tenant": None, "message_id": None, "first": raced[0]}
    assert outcomes[1]["status"] == "accepted"
    assert await app.pool.fetchval("SELECT count(*) FROM outcomes WHERE source = 'kafka:m:2:5:1'") == 1
