"""The relay when only part of a round reaches the broker: record batches of some partitions fail (some
after the broker appended them), others succeed. Every event still goes out, each stream's first
deliveries in version order, and the checkpoint never passes an event that was not acknowledged.

A scripted producer stands in for the broker here, so the failures fall exactly where the test puts them.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError
from kafka_support import demo_feed

from infra.kafka import EventPublisher, KafkaSettings, Topics
from infra.kafka.outbound import DeliveryFailed
from infra.kafka.relay import OutboxRelay
from infra.store import parse_cursor

SETTINGS = KafkaSettings(bootstrap="localhost:9092", topics=Topics("unit."))
PARTITIONS = 3


class _RecordBatch:
    def __init__(self, limit: int) -> None:
        self.records: list[dict[str, Any]] = []
        self.limit = limit
        self.closed = False

    def append(self, *, timestamp: Any, key: bytes, value: bytes, headers: Any) -> object | None:
        if self.closed or len(self.records) >= self.limit:
            self.closed = True
            return None
        self.records.append(json.loads(value))
        return object()

    def close(self) -> None:
        self.closed = True


class _ScriptedProducer:
    """Appends each record batch to its partition's log, unless told to fail it; ``fail(p, n)`` decides
    for the n-th batch sent to partition p: "lost" (not appended), "late" (appended, yet reported as
    failed: the acknowledgement was lost), or None (appended and acknowledged)."""

    def __init__(self, fail: Any, batch_records: int = 4) -> None:
        self.fail = fail
        self.batch_records = batch_records
        self.logs: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.sent: dict[int, int] = defaultdict(int)
        self.in_flight: set[int] = set()

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(PARTITIONS))

    def create_batch(self) -> _RecordBatch:
        return _RecordBatch(self.batch_records)

    async def send_batch(self, batch: _RecordBatch, topic: str, *, partition: int) -> asyncio.Future[None]:
        assert partition not in self.in_flight, "a second batch of a partition sent before the first settled"
        self.in_flight.add(partition)
        number = self.sent[partition]
        self.sent[partition] += 1
        outcome = self.fail(partition, number)
        settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def settle() -> None:
            self.in_flight.discard(partition)
            if outcome != "lost":
                self.logs[partition].extend(batch.records)
            if outcome is None:
                settled.set_result(None)
            else:
                settled.set_exception(KafkaTimeoutError())

        # Partitions settle in a random order, as the broker's answers do.
        asyncio.get_running_loop().call_later(random.random() / 1000, settle)
        return settled


def _events(count: int, streams: int) -> list[dict[str, Any]]:
    versions: dict[str, int] = defaultdict(int)
    events = []
    for position in range(1, count + 1):
        stream = f"s{position % streams}"
        versions[stream] += 1
        events.append({"position": position, "tenant": "t", "stream": stream, "version": versions[stream],
                       "type": "X", "data": {}, "cursor": f"1-{position}"})
    return events


def _first_deliveries_in_version_order(logs: dict[int, list[dict[str, Any]]]) -> set[int]:
    delivered: set[int] = set()
    for records in logs.values():
        next_version: dict[tuple[str, str], int] = {}
        for event in records:
            if event["position"] in delivered:
                continue  # a repeat
            key = (event["tenant"], event["stream"])
            assert event["version"] == next_version.get(key, 1), f"{key}: version {event['version']} out of order"
            next_version[key] = event["version"] + 1
            delivered.add(event["position"])
    return delivered


async def test_a_failed_batch_stops_its_partition_and_the_acknowledged_prefix_is_reported():
    events = _events(60, streams=7)
    producer = _ScriptedProducer(lambda p, n: "lost" if (p, n) == (1, 1) else None)
    publisher = EventPublisher(SETTINGS, producer=producer)
    with pytest.raises(DeliveryFailed) as failed:
        await publisher.publish(events)

    # Partition 1 got its first batch only; the others got everything.
    lanes: dict[int, list[int]] = defaultdict(list)
    for index, event in enumerate(events):
        lanes[publisher._partitioner(event["stream"].encode(), [0, 1, 2], [0, 1, 2])].append(index)
    assert [e["position"] for e in producer.logs[1]] == [events[i]["position"] for i in lanes[1][:4]]
    for partition in (0, 2):
        assert [e["position"] for e in producer.logs[partition]] == [events[i]["position"] for i in lanes[partition]]
    assert producer.sent[1] == 2
    # Acknowledged: everything before partition 1's fifth event, in log order.
    assert failed.value.acknowledged == lanes[1][4]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_relay_publishes_everything_in_stream_order_when_sends_fail_at_random(app, seed):
    random.seed(seed)
    await app.intake.submit_many([value for _, value in demo_feed(limit=600, tenants=3, faults=False)], "test")
    total = await app.pool.fetchval("SELECT count(*) FROM events")

    def flaky(partition: int, number: int) -> str | None:
        roll = random.random()
        return "lost" if roll < 0.15 else "late" if roll < 0.25 else None

    producer = _ScriptedProducer(flaky, batch_records=5)
    relay = OutboxRelay(app.store, EventPublisher(SETTINGS, producer=producer), name="partial",
                        batch_size=100, error_pause=0.0)
    checkpoints: list[tuple[int, int]] = []
    task = asyncio.create_task(relay.run())
    try:
        head = await app.store.head()
        for _ in range(2000):
            cursor = await app.pool.fetchval("SELECT cursor FROM relay_checkpoints WHERE name = 'partial'")
            if cursor is not None:
                checkpoints.append(parse_cursor(cursor))
                # Never past an event the broker has not got.
                got = {e["position"] for records in producer.logs.values() for e in records}
                behind = await app.pool.fetch(
                    "SELECT position FROM events WHERE (transaction_id, position) <= ($1::text::xid8, $2::bigint)",
                    str(checkpoints[-1][0]), checkpoints[-1][1])
                assert {r["position"] for r in behind} <= got
            if cursor == head:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the relay did not reach the head of the log")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert len(_first_deliveries_in_version_order(producer.logs)) == total
    assert checkpoints == sorted(checkpoints)
    assert relay.published >= total
