"""The Kafka door on a real broker: the same outcomes and log as the intake, rejections on the DLQ."""

from __future__ import annotations

from collections import Counter

from kafka_support import (
    assert_streams_in_version_order,
    awkward_records,
    demo_feed,
    ingest_directly,
    log_by_stream,
    produce,
    read_topic,
    wait_for_receipts,
)

from infra.kafka import KafkaWorker
from services.doors.kafka import kafka_process


async def test_kafka_feed_gets_the_same_outcomes_and_log_as_the_intake(
    app, reference_app, kafka_settings, producer
):
    feed = demo_feed(limit=1200)
    feed += awkward_records(feed)
    topics = kafka_settings.topics

    odd_header = (b"garbage", b"not JSON, and a header that is not UTF-8")

    async with KafkaWorker(kafka_settings, app.store, kafka_process(app.intake)):
        await produce(producer, topics.messages, feed)
        await (await producer.send(topics.messages, odd_header[1], key=odd_header[0],
                                   headers=[("origin", b"\xff\xfe")]))
        feed.append(odd_header)
        await wait_for_receipts(app.pool, len(feed))

    expected = await ingest_directly(reference_app.intake, feed)
    expected_counts = Counter(outcome["status"] for outcome in expected)
    assert expected_counts["rejected"] >= 8 and expected_counts["duplicate"] >= 1
    assert await app.store.outcome_counts() == await reference_app.store.outcome_counts()
    assert await log_by_stream(app.store) == await log_by_stream(reference_app.store)

    dead = await read_topic(kafka_settings.bootstrap, topics.dead_letters, at_least=expected_counts["rejected"])
    assert len(dead) == expected_counts["rejected"]
    rejected_records = Counter(feed[i] for i, o in enumerate(expected) if o["status"] == "rejected")
    assert Counter((r.key, r.value) for r in dead) == rejected_records
    reasons = Counter(o["reason"] for o in expected if o["status"] == "rejected")
    headers = [{k: v.decode() for k, v in r.headers} for r in dead]
    assert Counter(h["reason"] for h in headers) == reasons
    assert all(h["detail"] for h in headers)
    assert "too_large" in reasons and "invalid_envelope" in reasons


async def test_every_committed_event_goes_out_on_the_events_topic(app, kafka_settings, producer):
    feed = demo_feed(limit=400, tenants=2, faults=False)
    async with KafkaWorker(kafka_settings, app.store, kafka_process(app.intake)) as worker:
        await produce(producer, kafka_settings.topics.messages, feed)
        await wait_for_receipts(app.pool, len(feed))
        total = await app.pool.fetchval("SELECT count(*) FROM events")
        records = await read_topic(kafka_settings.bootstrap, kafka_settings.topics.events, at_least=total)
        assert worker.relay.active.is_set()

    delivered = assert_streams_in_version_order(records)
    positions = {row["position"] for row in await app.pool.fetch("SELECT position FROM events")}
    assert set(delivered) == positions
