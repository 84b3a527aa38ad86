"""Rejections are stored with reason and detail, listable per tenant; too_large and garbage have no ids."""

from __future__ import annotations

import json

import asyncpg
from message_samples import TENANT, check_in, department, envelope, read_everything, settled

from infra.settings import MAX_MESSAGE_BYTES
from services.core.app import App


async def test_rejections_are_stored_with_reason_and_detail_and_listed_per_tenant(app: App) -> None:
    unknown_type = envelope("CoffeeBrewed", {"cups": 3})
    bad_data = department("rd")
    bad_data["data"] = {"department": "rd"}
    unknown_booking = check_in("b-9")
    other_tenant = check_in("b-9", tenant="other")
    outcomes = await app.intake.submit_many(
        [unknown_type, department("ok"), bad_data, unknown_booking, other_tenant], door="test"
    )
    assert [o["status"] for o in outcomes] == ["rejected", "accepted", "rejected", "rejected", "rejected"]
    assert [o.get("reason") for o in outcomes] == [
        "unknown_type", None, "invalid_data", "unknown_booking", "unknown_booking",
    ]
    for o in outcomes:
        if o["status"] == "rejected":
            assert set(o) == {"status", "tenant", "message_id", "reason", "detail", "type"}
            assert isinstance(o["detail"], str) and o["detail"]
            assert "events" not in o
    assert "CoffeeBrewed" in outcomes[0]["detail"]
    assert "data.name" in outcomes[2]["detail"]
    assert "b-9" in outcomes[3]["detail"]

    listed = await app.store.rejections(TENANT)
    assert [r["message_id"] for r in listed] == [
        unknown_type["message_id"], bad_data["message_id"], unknown_booking["message_id"],
    ]
    for r, o in zip(listed, [outcomes[0], outcomes[2], outcomes[3]], strict=True):
        assert {k: r[k] for k in ("status", "tenant", "message_id", "reason", "detail", "type")} == o
    assert [r["message_id"] for r in await app.store.rejections("other")] == [other_tenant["message_id"]]
    assert await app.store.rejections("nobody") == []

    # nothing rejected entered the log
    await settled(app)
    log = await read_everything(app)
    assert [e["message_id"] for e in log] == [outcomes[1]["message_id"]]


async def test_rejections_paginate_in_arrival_order(app: App) -> None:
    sent = [check_in(f"b-{i}") for i in range(5)]
    for msg in sent:
        await app.intake.submit(msg, door="test")
    listed = await app.store.rejections(TENANT, limit=2)
    assert [r["message_id"] for r in listed] == [m["message_id"] for m in sent[:2]]
    assert len(await app.store.rejections(TENANT, limit=100)) == 5


async def test_too_large_has_no_ids_and_no_idempotency(app: App, database_url: str) -> None:
    big = department("rd")
    big["data"]["name"] = "x" * (MAX_MESSAGE_BYTES + 1)
    raw = json.dumps(big).encode()
    assert len(raw) > MAX_MESSAGE_BYTES

    first = await app.intake.submit(raw, door="test")
    second = await app.intake.submit(raw, door="test")
    as_value = await app.intake.submit(big, door="test")
    for outcome in (first, second, as_value):
        assert outcome["status"] == "rejected"
        assert outcome["reason"] == "too_large"
        assert outcome["tenant"] is None and outcome["message_id"] is None
        assert outcome["detail"]

    # not listed under the tenant it claims (it was never parsed), but kept among the unreadable ones
    assert await app.store.rejections(TENANT) == []
    unreadable = await app.store.rejections(None)
    assert [r["reason"] for r in unreadable] == ["too_large"] * 3

    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM outcomes WHERE reason = 'too_large'") == 3
        assert await conn.fetchval("SELECT count(*) FROM events") == 0
        assert await conn.fetchval("SELECT count(*) FROM duplicates") == 0
    finally:
        await conn.close()


async def test_a_message_of_exactly_the_limit_is_read(app: App) -> None:
    msg = department("rd")
    msg["data"]["name"] = ""
    base = len(json.dumps(msg).encode())
    msg["data"]["name"] = "x" * (MAX_MESSAGE_BYTES - base)
    raw = json.dumps(msg).encode()
    assert len(raw) == MAX_MESSAGE_BYTES
    outcome = await app.intake.submit(raw, door="test")
    assert outcome["status"] == "accepted"


async def test_garbage_is_an_invalid_envelope(app: App) -> None:
    for raw in (b"this is not json", b"{\"message_id\": ", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b"42"):
        outcome = await app.intake.submit(raw, door="test")
        assert outcome["status"] == "rejected", raw
        assert outcome["reason"] == "invalid_envelope", raw
        assert outcome["tenant"] is None and outcome["message_id"] is None
        assert outcome["detail"]
    unreadable = await app.store.rejections(None)
    assert [r["reason"] for r in unreadable] == ["invalid_envelope"] * 5


async def test_an_envelope_error_names_the_field_and_keeps_readable_ids(app: App) -> None:
    msg = department("rd")
    del msg["occurred_at"]
    outcome = await app.intake.submit(msg, door="test")
    assert outcome["status"] == "rejected" and outcome["reason"] == "invalid_envelope"
    assert "occurred_at" in outcome["detail"]
    assert outcome["tenant"] == TENANT and outcome["message_id"] == msg["message_id"]
    assert [r["message_id"] for r in await app.store.rejections(TENANT)] == [msg["message_id"]]

    bad_tenant = department("rd", tenant="Not A Tenant")
    outcome = await app.intake.submit(bad_tenant, door="test")
    assert outcome["reason"] == "invalid_envelope" and "tenant" in outcome["detail"]
    assert outcome["tenant"] is None
