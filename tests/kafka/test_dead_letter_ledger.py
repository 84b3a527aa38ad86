"""The record of dead letters sent, on PostgreSQL: a message owes a copy again only when its first outcome was
a rejection at the Kafka door and no copy of it is on record as acknowledged."""

from __future__ import annotations

import json
from dataclasses import replace

from infra.kafka.config import DOOR
from infra.kafka.dead_letters import UNATTRIBUTED, SentDeadLetters
from services.core.intake import prepare


def _message(message_id: str, employee: str) -> bytes:
    return json.dumps({"message_id": message_id, "tenant": "acme", "type": "EmployeeLeft",
                       "occurred_at": "2026-01-05T08:00:00Z",
                       "data": {"employee_id": employee, "left_on": "2026-01-05"}}).encode()


async def test_only_unsent_rejections_of_the_kafka_door_are_owed(app):
    await app.intake.submit_many([_message("k1", "nobody"), _message("k2", "nobody")], DOOR)
    await app.intake.submit_many([_message("h1", "nobody")], "api")
    await app.intake.submit_many([b'{"message_id": "ok1", "tenant": "acme", "type": "DepartmentRegistered",'
                                  b' "occurred_at": "2026-01-05T08:00:00Z",'
                                  b' "data": {"department": "rd", "name": "R&D"}}'], DOOR)
    ledger = SentDeadLetters(app.pool, DOOR)
    asked = [("acme", "k1"), ("acme", "k2"), ("acme", "h1"), ("acme", "ok1"), ("acme", "never-seen")]

    assert await ledger.unsent(asked) == {("acme", "k1"), ("acme", "k2")}
    await ledger.mark_sent([("acme", "k1")])
    await ledger.mark_sent([("acme", "k1")])  # a second acknowledgement of the same copy is fine
    assert await ledger.unsent(asked) == {("acme", "k2")}


async def test_a_rejection_without_ids_is_owed_by_its_records_place(app):
    """A message without a tenant or message_id is on record by its source, the place of its record."""
    garbage = [replace(prepare(b"{not json"), source=f"kafka:m:0:{offset}:1") for offset in (1, 2)]
    await app.intake.process(garbage, DOOR)
    await app.intake.process([replace(prepare(b"{not json"), source="kafka:m:0:3:1")], "api")
    ledger = SentDeadLetters(app.pool, DOOR)
    asked = [(UNATTRIBUTED, f"kafka:m:0:{offset}:1") for offset in (1, 2, 3, 4)] + [("acme", "kafka:m:0:1:1")]

    assert await ledger.unsent(asked) == {(UNATTRIBUTED, "kafka:m:0:1:1"), (UNATTRIBUTED, "kafka:m:0:2:1")}
    await ledger.mark_sent([(UNATTRIBUTED, "kafka:m:0:1:1")])
    assert await ledger.unsent(asked) == {(UNATTRIBUTED, "kafka:m:0:2:1")}
