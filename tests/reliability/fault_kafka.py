"""Kafka tools of the fault tests: worker environment, reading eduplan.events back, relay progress."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fault_support import eduplan_env

from infra.kafka import KafkaSettings, Topics
from infra.store import parse_cursor

PARTITIONS = 3


def kafka_settings(bootstrap: str) -> KafkaSettings:
    return KafkaSettings(bootstrap=bootstrap, topics=Topics(prefix=f"r{uuid.uuid4().hex[:8]}."),
                         partitions=PARTITIONS, session_timeout_ms=6000)


def worker_env(database_url: str, settings: KafkaSettings, **extra: str) -> dict[str, str]:
    return eduplan_env(
        database_url,
        EDUPLAN_KAFKA_BOOTSTRAP=settings.bootstrap,
        EDUPLAN_KAFKA_TOPIC_PREFIX=settings.topics.prefix,
        EDUPLAN_KAFKA_PARTITIONS=str(settings.partitions),
        EDUPLAN_KAFKA_SESSION_TIMEOUT_MS=str(settings.session_timeout_ms),
        **extra,
    )


async def relay_cursor(pool: asyncpg.Pool | asyncpg.Connection) -> tuple[int, int]:
    """The relay's checkpoint (0-0 before it has one)."""
    try:
        cursor = await pool.fetchval("SELECT cursor FROM relay_checkpoints LIMIT 1")
    except asyncpg.UndefinedTableError:
        return (0, 0)
    return parse_cursor(cursor)


async def events_after(pool: asyncpg.Pool, cursor: tuple[int, int]) -> dict[int, tuple[str, str, int]]:
    """position -> (tenant, stream, version) of every event after ``cursor`` in log order."""
    rows = await pool.fetch(
        "SELECT position, tenant, stream, version FROM events"
        " WHERE (transaction_id, position) > ($1::text::xid8, $2::bigint)",
        str(cursor[0]), cursor[1])
    return {r["position"]: (r["tenant"], r["stream"], r["version"]) for r in rows}


async def published(pool: asyncpg.Pool) -> int:
    """Events at or before the relay's checkpoint (acknowledged by the broker)."""
    cursor = await relay_cursor(pool)
    return int(await pool.fetchval(
        "SELECT count(*) FROM events WHERE (transaction_id, position) <= ($1::text::xid8, $2::bigint)",
        str(cursor[0]), cursor[1]))


async def head_cursor(pool: asyncpg.Pool) -> tuple[int, int]:
    row = await pool.fetchrow(
        "SELECT transaction_id::text AS xid, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1")
    return (int(row["xid"]), row["position"]) if row else (0, 0)


async def wait_relay_at_head(pool: asyncpg.Pool, within: float, worker: Any = None) -> None:
    deadline = time.monotonic() + within
    while True:
        head = await head_cursor(pool)
        at = await relay_cursor(pool)
        if at >= head:
            return
        if worker is not None:
            assert worker.running(), f"the worker stopped:\n{worker.output()}"
        assert time.monotonic() < deadline, f"the relay is at {at}, the log at {head}, after {within} s"
        await asyncio.sleep(0.1)


@dataclass
class Delivered:
    """What eduplan.events holds: each record's position, and per partition the (stream, version) order."""

    positions: list[int]
    by_partition: dict[int, list[dict[str, Any]]]

    def first_deliveries_in_version_order(self) -> None:
        """Per partition, each stream's first deliveries come as versions 1, 2, … with no gap: a repeat
        (at least once) may follow, but a new version never overtakes an older one."""
        for partition, events in self.by_partition.items():
            seen: set[int] = set()
            last: dict[tuple[str, str], int] = {}
            for event in events:
                if event["position"] in seen:
                    continue
                seen.add(event["position"])
                key = (event["tenant"], event["stream"])
                if key in last:
                    history = [(e["_offset"], e["version"], e["position"]) for e in events
                               if (e["tenant"], e["stream"]) == key]
                    assert event["version"] == last[key] + 1, (
                        f"partition {partition}: {key} version {event['version']} after {last[key]};"
                        f" the stream's records as (offset, version, position): {history}")
                last[key] = event["version"]


async def read_events_topic(bootstrap: str, topic: str, *, at_least: int = 0, within: float = 60.0) -> Delivered:
    """Every record of the topic from the start, without a consumer group (no join to wait for)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=8 * 1024 * 1024)
    await consumer.start()
    try:
        partitions: set[int] | None = None
        for _ in range(100):
            partitions = consumer.partitions_for_topic(topic)
            if partitions:
                break
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)
        assert partitions, f"topic {topic} has no partitions"
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        by_partition: dict[int, list[dict[str, Any]]] = {p: [] for p in partitions}
        positions: list[int] = []
        deadline = time.monotonic() + within
        while True:
            ends = await consumer.end_offsets(assigned)
            at_end = [await consumer.position(tp) >= ends[tp] for tp in assigned]
            if all(at_end) and len(positions) >= at_least:
                return Delivered(positions, by_partition)
            assert time.monotonic() < deadline, f"{topic}: {len(positions)} records in {within} s, wanted {at_least}"
            for tp, records in (await consumer.getmany(timeout_ms=200, max_records=10_000)).items():
                for record in records:
                    event = json.loads(record.value)
                    assert record.key == event["stream"].encode()
                    event["_offset"] = record.offset
                    by_partition[tp.partition].append(event)
                    positions.append(event["position"])
    finally:
        await consumer.stop()


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5)
    await producer.start()
    try:
        pending = [await producer.send(topic, value, key=key) for key, value in records]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def rejected_records(count: int) -> list[tuple[bytes | None, bytes]]:
    """Records every one of which is rejected (so they append nothing to the log): references to unknown
    employees and bad data with message ids, and unreadable ones without."""
    records: list[tuple[bytes | None, bytes]] = []
    for n in range(count):
        tenant = f"dead-{n % 3}"
        if n % 5 == 4:
            records.append((b"garbage", b"{not json %d" % n))
            continue
        data: dict[str, Any] = ({"employee_id": f"nobody-{n}", "left_on": "2026-01-05"} if n % 2
                                else {"employee_id": f"nobody-{n}", "left_on": "not a date"})
        envelope = {"message_id": f"m-{n}", "tenant": tenant, "type": "EmployeeLeft",
                    "occurred_at": "2026-01-05T08:00:00Z", "data": data}
        records.append((tenant.encode(), json.dumps(envelope).encode()))
    return records


async def wait_dead_letters_cover(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]],
                                  within: float) -> int:
    """Wait until the dead-letter topic holds each of ``records`` at least once (and nothing else); the
    number of copies it holds."""
    wanted = set(records)
    deadline = time.monotonic() + within
    while True:
        copies = await _records(bootstrap, topic)
        missing = wanted - set(copies)
        if not missing:
            assert set(copies) <= wanted, "records on the dead-letter topic that were not rejected"
            return len(copies)
        assert time.monotonic() < deadline, (f"{len(missing)} of {len(wanted)} rejected records not on {topic}"
                                             f" after {within} s, e.g. {sorted(missing)[:3]}")
        await asyncio.sleep(0.5)


async def _records(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes]]:
    """(key, value) of every record of the topic up to its end, without a consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        for _ in range(100):
            if partitions:
                break
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)
            partitions = consumer.partitions_for_topic(topic)
        assert partitions, f"topic {topic} has no partitions"
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        found: list[tuple[bytes | None, bytes]] = []
        ends = await consumer.end_offsets(assigned)
        while not all([await consumer.position(tp) >= ends[tp] for tp in assigned]):
            for records in (await consumer.getmany(timeout_ms=200, max_records=10_000)).values():
                found += [(record.key, record.value) for record in records]
        return found
    finally:
        await consumer.stop()
