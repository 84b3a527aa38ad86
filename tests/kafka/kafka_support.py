"""Helpers for the Kafka door tests: feeds, reading topics back, waiting for outcomes, comparing logs."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from infra.kafka import KafkaSettings
from infra.store import EventStore
from services.simulator.demo_data import generate

Record = tuple[bytes | None, bytes]  # (key, value)
REPO = Path(__file__).resolve().parents[2]


def demo_feed(*, limit: int, tenants: int = 3, employees: int = 20, faults: bool = True) -> list[Record]:
    """The demo feed as records keyed by tenant; raw garbage lines keyed ``garbage``."""
    feed: list[Record] = []
    for item in itertools.islice(generate(seed=11, tenants=tenants, employees=employees, years=1,
                                          faults=faults), limit):
        if isinstance(item, str):
            feed.append((b"garbage", item.encode()))
        else:
            feed.append((item["tenant"].encode(), json.dumps(item, ensure_ascii=False).encode()))
    return feed


def awkward_records(feed: Sequence[Record]) -> list[Record]:
    """What a real topic also carries: broken bytes, an oversized record, no key, a re-sent message."""
    tenant_key, first = next((k, v) for k, v in feed if k != b"garbage")
    tenant = tenant_key.decode()
    oversized = {"message_id": "big-1", "tenant": tenant, "type": "DepartmentRegistered",
                 "occurred_at": "2026-01-05T08:00:00Z", "data": {"department": "x", "name": "y" * 70_000}}
    unknown_employee = {"message_id": "ghost-1", "tenant": tenant, "type": "EmployeeLeft",
                        "occurred_at": "2026-01-05T08:00:00Z", "data": {"employee_id": "nobody",
                                                                         "left_on": "2026-01-05"}}
    return [
        (b"garbage", b"{not json"),
        (None, b"\xff\xfe not utf-8 \xc3\x28"),
        (None, b""),
        (b"garbage", b"[1, 2, 3]"),
        (tenant_key, json.dumps(oversized).encode()),
        (tenant_key, json.dumps(unknown_employee).encode()),
        (tenant_key, first),  # re-sent: a duplicate
    ]


async def produce(producer: AIOKafkaProducer, topic: str, records: Sequence[Record], *,
                  rate: float | None = None) -> None:
    """Send every record and wait for the acknowledgements; ``rate`` paces it (records per second)."""
    pending = []
    started = time.monotonic()
    for index, (key, value) in enumerate(records):
        pending.append(await producer.send(topic, value, key=key))
        if rate is not None and index % 10 == 9:
            ahead = started + (index + 1) / rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
    await asyncio.gather(*pending)


async def read_topic(bootstrap: str, topic: str, *, at_least: int = 0, within: float = 30.0) -> list[ConsumerRecord]:
    """Every record of a topic from the start, each partition in order (no consumer group to join).

    Reads up to the end offsets; with ``at_least``, keeps reading until that many have arrived.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + within
        while True:
            ends = await consumer.end_offsets(partitions)
            positions = {tp: await consumer.position(tp) for tp in partitions}
            if all(positions[tp] >= ends[tp] for tp in partitions) and _distinct(records) >= at_least:
                return records
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: {_distinct(records)} records after {within:.0f} s, wanted {at_least}")
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for tp_records in batch.values():
                records.extend(tp_records)
    finally:
        await consumer.stop()


def _distinct(records: list[ConsumerRecord]) -> int:
    """Records that carry a `position` header (events) are counted once per position: the relay
    delivers at least once, so repeats must not make a reader stop before every event arrived."""
    positions = {value for record in records for key, value in (record.headers or ()) if key == "position"}
    return len(positions) if positions else len(records)


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    raise LookupError(f"topic {topic} has no partitions")


async def wait_until(check: Any, *, within: float, what: str) -> Any:
    """Poll ``check()`` (async, returns a value or None) until it gives a value."""
    deadline = time.monotonic() + within
    while True:
        value = await check()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {within:.0f} s")
        await asyncio.sleep(0.2)


async def count_receipts(pool: asyncpg.Pool) -> int:
    """Messages read so far: first outcomes plus duplicate receipts."""
    count: int = await pool.fetchval("SELECT (SELECT count(*) FROM outcomes) + (SELECT count(*) FROM duplicates)")
    return count


async def wait_for_receipts(pool: asyncpg.Pool, expected: int, *, within: float = 60.0) -> None:
    async def enough() -> int | None:
        seen = await count_receipts(pool)
        return seen if seen >= expected else None

    await wait_until(enough, within=within, what=f"{expected} messages with an outcome")


async def log_by_stream(store: EventStore) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """The whole log, decrypted, as (version, type, message_id, data) per (tenant, stream)."""
    streams: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    cursor = None
    while True:
        events, cursor = await store.read_all(cursor, 2000)
        if not events:
            return streams
        for e in events:
            streams.setdefault((e["tenant"], e["stream"]), []).append(
                (e["version"], e["type"], e["message_id"], json.dumps(e["data"], sort_keys=True)))


async def ingest_directly(store_intake: Any, records: Sequence[Record], batch: int = 200) -> list[dict[str, Any]]:
    """The same records through the intake in feed order, as another door would hand them over."""
    outcomes: list[dict[str, Any]] = []
    for start in range(0, len(records), batch):
        outcomes += await store_intake.submit_many([value for _, value in records[start:start + batch]], "test")
    return outcomes


def assert_streams_in_version_order(records: Sequence[ConsumerRecord]) -> dict[int, dict[str, Any]]:
    """Per partition, each stream's first deliveries come as versions 1, 2, …; returns events by position."""
    by_position: dict[int, dict[str, Any]] = {}
    next_version: dict[tuple[str, str], int] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        event = json.loads(record.value)
        headers = {k: v.decode() for k, v in record.headers}
        assert record.key == event["stream"].encode()
        assert headers["tenant"] == event["tenant"]
        assert headers["type"] == event["type"]
        assert headers["position"] == str(event["position"])
        if event["position"] in by_position:
            continue  # a repeat (at least once): consumers drop it by position
        key = (event["tenant"], event["stream"])
        assert event["version"] == next_version.get(key, 1), f"{key}: version {event['version']} out of order"
        next_version[key] = event["version"] + 1
        by_position[event["position"]] = event
    return by_position


async def assert_dead_letters_cover(
    settings: KafkaSettings, feed: Sequence[Record], expected: Sequence[dict[str, Any]], *, within: float = 30.0
) -> list[ConsumerRecord]:
    """The dead-letter topic holds every record whose outcome (``expected``, in feed order) is a rejection, at
    least once, with the reason of that outcome, and nothing else; returns its records."""
    rejected = {feed[i]: o["reason"] for i, o in enumerate(expected) if o["status"] == "rejected"}
    deadline = time.monotonic() + within
    while True:
        dead = await read_topic(settings.bootstrap, settings.topics.dead_letters)
        copies = Counter((r.key, r.value) for r in dead)
        missing = [record for record in rejected if copies[record] == 0]
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert not missing, f"{len(missing)} of {len(rejected)} rejected records never dead-lettered, e.g. {missing[:3]}"
    assert set(copies) == set(rejected), "records on the dead-letter topic that were not rejected"
    for record in dead:
        assert dict(record.headers)["reason"].decode() == rejected[(record.key, record.value)]
    return dead


class Worker:
    """An `eduplan worker` process (or, with ``script``, a test script that runs one)."""

    def __init__(self, name: str, env: dict[str, str], logs: Path, script: Path | None = None) -> None:
        self.name = name
        self.env = env
        self.log_path = logs / f"worker-{name}.log"
        self.argv = [sys.executable, str(script)] if script else [sys.executable, "-m", "services.doors.cli", "worker"]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.argv, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait(self, within: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=within)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM, as a container runtime sends it; the worker shuts down cleanly."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def worker_env(database_url: str, settings: KafkaSettings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUPLAN_")}
    env.update({
        "PYTHONPATH": str(REPO),
        "EDUPLAN_DATABASE_URL": database_url,
        "EDUPLAN_KAFKA_BOOTSTRAP": settings.bootstrap,
        "EDUPLAN_KAFKA_TOPIC_PREFIX": settings.topics.prefix,
        "EDUPLAN_KAFKA_PARTITIONS": str(settings.partitions),
        "EDUPLAN_KAFKA_BATCH_SIZE": "20",
        "EDUPLAN_KAFKA_SESSION_TIMEOUT_MS": str(settings.session_timeout_ms),
        "EDUPLAN_LOG_LEVEL": "WARNING",
    })
    return env
