"""EDUPLAN_KAFKA_TENANT_TOPICS=1 on a real broker: the worker reads eduplan.messages.<tenant> by pattern (a
topic created later too, and never the shared topic or the dead-letter topic), and an envelope naming a
tenant other than its topic's is rejected with `forbidden`, stored and dead-lettered, filed under the
topic's tenant so that it uses up none of the other tenant's message ids."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from kafka_support import read_topic, wait_until

from infra.kafka import KafkaSettings, KafkaWorker, ensure_topics
from services.doors.kafka import kafka_process


def _envelope(message_id: str, tenant: str | None, message_type: str = "DepartmentRegistered",
              without: str | None = None) -> bytes:
    envelope: dict[str, Any] = {"message_id": message_id, "tenant": tenant, "type": message_type,
                                "occurred_at": "2026-01-05T08:00:00Z", "data": {"department": "rd", "name": "R&D"}}
    return json.dumps({k: v for k, v in envelope.items() if k != without and v is not None}).encode()


async def _create_topics(settings: KafkaSettings, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, settings.partitions, 1) for name in names])
    finally:
        await admin.close()


async def _outcomes(app) -> dict[tuple[str | None, str | None], dict[str, Any]]:
    rows = await app.pool.fetch("SELECT tenant, message_id, status, reason, detail FROM outcomes")
    return {(r["tenant"], r["message_id"]): dict(r) for r in rows}


async def test_each_topic_writes_its_own_tenant_only(app, kafka_settings, producer):
    settings = dataclasses.replace(kafka_settings, tenant_topics=True, topic_refresh_ms=1000)
    topics = settings.topics
    assert await ensure_topics(settings) == []  # the dead-letter and events topics exist; tenant topics are not its own
    await _create_topics(settings, [topics.for_tenant("acme"), topics.for_tenant("bitzer")])
    on_acme = [
        _envelope("a-1", "acme"),
        _envelope("x-1", "bitzer"),  # another tenant's valid message: forbidden
        _envelope("x-2", "bitzer", "NoSuchType"),  # forbidden comes before the type check
        _envelope("x-3", "bitzer", without="occurred_at"),  # the envelope is checked first: invalid_envelope
        _envelope("n-1", None),  # no readable tenant: invalid_envelope, no tenant on record
    ]
    on_bitzer = [_envelope("x-1", "bitzer"), _envelope("b-2", "bitzer")]
    for value in on_acme:
        await producer.send_and_wait(topics.for_tenant("acme"), value, key=b"acme")
    for value in on_bitzer:
        await producer.send_and_wait(topics.for_tenant("bitzer"), value, key=b"bitzer")
    await producer.send_and_wait(topics.messages, _envelope("s-1", "acme"), key=b"acme")  # the shared topic

    async with KafkaWorker(settings, app.store, kafka_process(app.intake)):
        async def all_read() -> bool | None:
            return True if len(await _outcomes(app)) >= 6 else None

        await wait_until(all_read, within=30, what="outcomes of the tenant topics' messages")
        # A tenant topic created while the worker runs is read too.
        await _create_topics(settings, [topics.for_tenant("cedar")])
        await producer.send_and_wait(topics.for_tenant("cedar"), _envelope("c-1", "cedar"), key=b"cedar")

        async def cedar_read() -> bool | None:
            return True if ("cedar", "c-1") in await _outcomes(app) else None

        await wait_until(cedar_read, within=30, what="the message on a topic created later")
        dead = await read_topic(settings.bootstrap, topics.dead_letters, at_least=4)

    outcomes = await _outcomes(app)
    assert {key: o["status"] for key, o in outcomes.items() if key[0] is not None} == {
        ("acme", "a-1"): "accepted", ("acme", "x-1"): "rejected", ("acme", "x-2"): "rejected",
        ("acme", "x-3"): "rejected", ("bitzer", "x-1"): "accepted", ("bitzer", "b-2"): "accepted",
        ("cedar", "c-1"): "accepted"}
    assert [o["reason"] for key, o in outcomes.items() if key[0] is None] == ["invalid_envelope"]
    forbidden = outcomes[("acme", "x-1")]
    assert forbidden["reason"] == "forbidden"
    assert "'bitzer'" in forbidden["detail"] and "'acme'" in forbidden["detail"]
    assert outcomes[("acme", "x-2")]["reason"] == "forbidden"
    assert outcomes[("acme", "x-3")]["reason"] == "invalid_envelope"

    # Dead-lettered as received, with the reason; the dead-letter topic itself is never read as a tenant's.
    assert sorted((r.value, dict(r.headers)["reason"].decode()) for r in dead) == sorted(
        [(on_acme[1], "forbidden"), (on_acme[2], "forbidden"), (on_acme[3], "invalid_envelope"),
         (on_acme[4], "invalid_envelope")])
    assert await app.pool.fetchval("SELECT count(*) FROM events WHERE tenant = 'bitzer'") == 2
