"""eduplan.events never carries personal data (contract §3): every personal field goes out as null and the
record's header `personal` names the fields withheld; so after an erasure, reading the topic from the start
shows none of the person's personal values — nor anyone else's, ever (real broker)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from kafka_support import demo_feed, read_topic

from domain.decider import PERSONAL_FIELDS
from infra.kafka import EventPublisher
from infra.kafka.outbound import withhold_personal
from infra.kafka.relay import OutboxRelay


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for k, v in value.items() for s in _strings(k) | _strings(v)}
    if isinstance(value, list):
        return {s for item in value for s in _strings(item)}
    return set()


def _personal_and_public(messages: list[dict[str, Any]]) -> tuple[dict[str, set[str]], set[str]]:
    """Per subject (employee, or booking for a cancellation's reason or a substitute), the personal values
    sent; and every other string the messages hold."""
    personal: dict[str, set[str]] = {}
    public: set[str] = set()
    for message in messages:
        fields = PERSONAL_FIELDS.get(message["type"], ())
        for name, value in message["data"].items():
            if name in fields and isinstance(value, str):
                subject = message["data"].get("employee_id") or message["data"].get("booking_id")
                personal.setdefault(subject, set()).add(value)
            else:
                public |= _strings(value) | {name}
        public |= _strings({k: v for k, v in message.items() if k != "data"})
    return personal, public


async def _relay_to_head(app, sink: EventPublisher, name: str) -> None:
    relay = OutboxRelay(app.store, sink, name=name)
    head = await app.store.head()
    task = asyncio.create_task(relay.run())
    try:
        for _ in range(300):
            if await app.pool.fetchval("SELECT cursor FROM relay_checkpoints WHERE name = $1", name) == head:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the relay did not reach the head of the log")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_no_personal_value_ever_goes_out_and_the_header_names_the_withheld_fields(app, kafka_settings):
    feed = [value for _, value in demo_feed(limit=1500, tenants=2, faults=False)]
    messages = [json.loads(value) for value in feed]
    personal, public = _personal_and_public(messages)
    erased = next(m["data"]["employee_id"] for m in messages
                  if m["type"] == "EmployeeRegistered" and m["data"]["employee_id"] in personal)
    tenant = next(m["tenant"] for m in messages if m["data"].get("employee_id") == erased)
    sent_types = {m["type"] for m in messages}
    assert {"EmployeeRegistered", "DevelopmentReviewHeld"} <= sent_types

    sink = EventPublisher(kafka_settings)
    await sink.start()
    try:
        half = len(feed) // 2
        await app.intake.submit_many(feed[:half], "test")
        await _relay_to_head(app, sink, "personal")
        assert (await app.store.erase_subject(tenant, erased)).key_destroyed
        await app.intake.submit_many(feed[half:], "test")
        await _relay_to_head(app, sink, "personal")
    finally:
        await sink.stop()

    total = await app.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(kafka_settings.bootstrap, kafka_settings.topics.events, at_least=total)
    stored = {e["position"]: e for e in (await app.store.read_all(None, 100_000, decrypt=False))[0]}
    assert len(stored) == total

    # The header names exactly the personal fields the stored event holds; each of them is null.
    withheld_somewhere = set()
    for record in records:
        event = json.loads(record.value)
        header = json.loads(dict(record.headers)["personal"])
        in_log = stored[event["position"]]["data"]
        assert header == sorted(f for f in PERSONAL_FIELDS.get(event["type"], ()) if f in in_log)
        assert all(event["data"][field] is None for field in header)
        assert {k: v for k, v in event["data"].items() if k not in header} == \
            {k: v for k, v in in_log.items() if k not in header}
        withheld_somewhere |= {(event["type"], field) for field in header}
    assert {("EmployeeRegistered", "name"), ("DevelopmentReviewHeld", "notes")} <= withheld_somewhere

    # No personal value of anyone, the erased person included, appears anywhere in a record.
    checked = {value for values in personal.values() for value in values if value not in public and len(value) > 2}
    assert personal[erased] & checked and len(checked) > 50
    for record in records:
        text = record.value.decode() + json.dumps([v.decode() for _, v in record.headers])
        leaked = [value for value in checked if value in text or json.dumps(value)[1:-1] in text]
        assert not leaked, f"position {json.loads(record.value)['position']} carries {leaked[:3]}"


def test_withholding_keeps_every_other_field_and_names_sealed_values_too():
    sealed = {"$enc": "v1", "subject": "E1", "ct": "AAAA"}
    event = {"type": "EmployeeRegistered", "position": 1,
             "data": {"employee_id": "E1", "name": sealed, "department": "rd"}}
    assert withhold_personal(event) == ({**event, "data": {"employee_id": "E1", "name": None, "department": "rd"}},
                                        ["name"])
    erased = {"type": "CourseCancelled", "data": {"booking_id": "B1", "reason": None, "cancelled_on": "2026-01-01"}}
    assert withhold_personal(erased)[1] == ["reason"]
    unknown = {"type": "DepartmentRegistered", "data": {"department": "rd", "note": sealed}}
    assert withhold_personal(unknown) == ({**unknown, "data": {"department": "rd", "note": None}}, ["note"])
    plain = {"type": "DepartmentRegistered", "data": {"department": "rd", "name": "R&D"}}
    assert withhold_personal(plain) == (plain, [])
