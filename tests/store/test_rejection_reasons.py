"""The reason a stored rejection gives is the first rule it breaks in the contract's order (size, envelope,
type, data, references, state), also when its text holds what PostgreSQL cannot store; and a rejection
keeps the message's type whenever the type could be read."""

from __future__ import annotations

import json

from message_samples import TENANT, department, envelope

from services.core.app import App

NUL = "A\u0000B"
LONE_SURROGATE = "\ud800"


def _bytes(message: dict[str, object]) -> bytes:
    """As a door receives it: JSON text, where NUL and lone surrogates travel as \\u escapes."""
    return json.dumps(message).encode()


async def _stored(app: App, message_id: str) -> tuple[str, str | None, str | None]:
    row = await app.pool.fetchrow(
        "SELECT status, reason, message_type FROM outcomes WHERE tenant = $1 AND message_id = $2", TENANT, message_id)
    assert row is not None, message_id
    return row["status"], row["reason"], row["message_type"]


async def test_an_unknown_type_is_reported_before_unstorable_text_in_its_data(app: App) -> None:
    message = envelope("CoffeeBrewed", {"cups": NUL})
    outcome = await app.intake.submit(_bytes(message), door="test")
    assert (outcome["status"], outcome["reason"]) == ("rejected", "unknown_type"), outcome
    assert outcome["type"] == "CoffeeBrewed"
    assert await _stored(app, message["message_id"]) == ("rejected", "unknown_type", "CoffeeBrewed")


async def test_a_missing_tenant_is_reported_before_unstorable_text_in_the_data(app: App) -> None:
    message = department("rd")
    del message["tenant"]
    message["data"]["name"] = NUL
    outcome = await app.intake.submit(_bytes(message), door="test")
    assert (outcome["status"], outcome["reason"]) == ("rejected", "invalid_envelope"), outcome
    assert "tenant" in outcome["detail"]
    assert outcome["type"] == "DepartmentRegistered"


async def test_unstorable_text_in_ignored_fields_does_not_reject_a_valid_message(app: App) -> None:
    message = department("rd")
    message["comment"] = NUL
    message["data"]["remark"] = LONE_SURROGATE
    outcome = await app.intake.submit(_bytes(message), door="test")
    assert outcome["status"] == "accepted", outcome
    stored = await app.store.read_stream(TENANT, "company")
    assert "remark" not in stored[-1]["data"]


async def test_unstorable_text_in_a_stored_field_is_invalid_data_naming_it(app: App) -> None:
    message = department("rd")
    message["data"]["name"] = NUL
    outcome = await app.intake.submit(_bytes(message), door="test")
    assert (outcome["status"], outcome["reason"]) == ("rejected", "invalid_data"), outcome
    assert "data.name" in outcome["detail"]
    assert outcome["type"] == "DepartmentRegistered"


async def test_a_rejection_keeps_the_type_whenever_it_could_be_read(app: App) -> None:
    bad_data = department("rd")
    del bad_data["data"]["name"]
    bad_envelope = department("rd")
    bad_envelope["occurred_at"] = "yesterday"
    unreadable_type = department("rd")
    unreadable_type["type"] = 42
    cases = [(bad_data, "invalid_data", "DepartmentRegistered"),
             (bad_envelope, "invalid_envelope", "DepartmentRegistered"),
             (unreadable_type, "invalid_envelope", None)]
    for message, reason, type_ in cases:
        outcome = await app.intake.submit(message, door="test")
        assert (outcome["reason"], outcome["type"]) == (reason, type_), outcome
        assert await _stored(app, message["message_id"]) == ("rejected", reason, type_)
        again = await app.intake.submit(message, door="test")
        assert again["status"] == "duplicate" and again["first"] == outcome
    listed = {r["message_id"]: r for r in await app.store.rejections(TENANT)}
    assert [listed[m["message_id"]]["type"] for m, _, _ in cases] == [t for _, _, t in cases]
