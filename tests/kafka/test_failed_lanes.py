"""A batch that spans several partitions, some of whose lanes fail: every failed partition's records are
read again and get their outcomes, whichever partition the batch began with (real broker).

FastStream's ``nack`` of a batch is replaced here by what upstream FastStream does (seek back only the
first record's partition), so the test shows that the door does not rely on it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from faststream.kafka.message import KafkaAckableMessage
from kafka_support import demo_feed, ingest_directly, log_by_stream, wait_for_receipts

from infra.kafka import KafkaWorker, inbound
from services.doors.kafka import kafka_process


async def _upstream_nack(self: KafkaAckableMessage) -> None:
    first = self.raw_message[0] if isinstance(self.raw_message, tuple) else self.raw_message
    self.consumer.seek(partition=TopicPartition(first.topic, first.partition), offset=first.offset)


async def test_every_failed_partition_of_a_batch_is_read_again(
    app, reference_app, kafka_settings, producer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(KafkaAckableMessage, "nack", _upstream_nack)
    monkeypatch.setattr(inbound, "RETRY_PAUSE", 0.2)
    feed = demo_feed(limit=240, tenants=3, faults=False)
    tenants = sorted({key for key, _ in feed if key is not None})
    assert len(tenants) == kafka_settings.partitions == 3
    # Each tenant on its own partition, all sent before the worker starts: its first batch spans them all.
    topic = kafka_settings.topics.messages
    await asyncio.gather(*[await producer.send(topic, value, key=key, partition=tenants.index(key))
                           for key, value in feed])

    batches: list[list[bytes]] = []  # per batch, the tenant of each lane, the first record's lane first
    by_partition = inbound._by_partition

    def recording(records: Any) -> list[list[ConsumerRecord]]:
        lanes = by_partition(records)
        batches.append([lane[0].key for lane in lanes])
        return lanes

    monkeypatch.setattr(inbound, "_by_partition", recording)

    store = kafka_process(app.intake)
    failing = set(tenants[1:])  # two of the three partitions fail once, in the same batch
    failed: list[bytes] = []

    async def flaky(raws: list[bytes], *rest: Any) -> list[dict[str, Any]]:
        tenant = json.loads(raws[0])["tenant"].encode()
        if tenant in failing:
            failing.discard(tenant)
            failed.append(tenant)
            raise OSError("database away")
        return await store(raws, *rest)

    async with KafkaWorker(kafka_settings, app.store, flaky):
        await wait_for_receipts(app.pool, len(feed), within=30)

    assert sorted(failed) == tenants[1:]
    first_batch = batches[0]
    assert set(first_batch) == set(tenants), "the first batch did not span every partition"
    assert await count_outcomes(app) == len(feed)
    await ingest_directly(reference_app.intake, feed)
    assert await log_by_stream(app.store) == await log_by_stream(reference_app.store)


async def count_outcomes(app: Any) -> int:
    count: int = await app.pool.fetchval("SELECT count(*) FROM outcomes")
    return count
