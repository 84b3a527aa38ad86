"""The Kafka broker stops for a while and comes back while `eduplan worker` runs: the worker does not
crash; after the restart it takes new messages (each gets its stored outcome) and the relay publishes
every event from its checkpoint on, including those appended through another door during the outage.

The test broker keeps topics in memory only, so it comes back empty; the test recreates the topics the
way an operator would after such a loss (the worker creates them only when it starts). Producers are
back before the worker looks again, so the new log has grown past the worker's old position on one
partition and stays short of it on another: the worker must neither skip the new log's first records
nor wait for ever. What was published before the outage is the broker's to lose; what eduplan owes is
asserted from the relay's checkpoint at the time of the outage."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka.partitioner import DefaultPartitioner
from fault_kafka import (
    events_after,
    head_cursor,
    kafka_settings,
    produce,
    read_events_topic,
    relay_cursor,
    wait_relay_at_head,
    worker_env,
)
from fault_support import Processes, eduplan_env, run_eduplan, terminate

from infra.kafka import ensure_topics
from services.core.intake import prepare
from services.simulator.demo_data import generate

NORMAL = {"down": 10.0, "per_phase": 400, "employees": 30}
LARGE = {"down": 60.0, "per_phase": 2500, "employees": 150}

Record = tuple[bytes | None, bytes]


def _feed(total: int, employees: int) -> list[Record]:
    records: list[Record] = []
    for item in generate(seed=81, tenants=3, employees=employees, years=2):
        if len(records) >= total:
            break
        if isinstance(item, str):
            records.append((b"garbage", item.encode()))
        else:
            records.append((item["tenant"].encode(), json.dumps(item, ensure_ascii=False).encode()))
    return records


def _per_partition(records: list[Record], partitions: int) -> list[int]:
    """How many records the producer's partitioner puts on each partition."""
    counts = [0] * partitions
    for key, _ in records:
        counts[DefaultPartitioner()(key, list(range(partitions)), list(range(partitions)))] += 1
    return counts


def _keys(records: list[Record]) -> set[tuple[str, str]]:
    return {key for _, value in records if (key := prepare(value).key) is not None}


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    opened = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    assert opened is not None
    try:
        yield opened
    finally:
        await opened.close()


async def _wait_for_outcomes(pool: asyncpg.Pool, keys: set[tuple[str, str]], within: float, worker) -> None:
    tenants = [t for t, _ in keys]
    ids = [m for _, m in keys]
    deadline = time.monotonic() + within
    while True:
        try:
            have = await pool.fetchval(
                "SELECT count(*) FROM outcomes WHERE (tenant, message_id) IN"
                " (SELECT * FROM unnest($1::text[], $2::text[]))", tenants, ids)
        except asyncpg.UndefinedTableError:  # the worker has not created the schema yet
            have = 0
        if have == len(keys):
            return
        assert worker.running(), f"the worker stopped:\n{worker.output()}"
        assert time.monotonic() < deadline, (
            f"{have} of {len(keys)} messages have an outcome after {within} s; the worker says:\n"
            f"{worker.output(8000)}")
        await asyncio.sleep(0.2)


async def _scenario(processes: Processes, tmp_path: Path, database_url: str, pool: asyncpg.Pool, own_broker,
                    params: dict) -> None:
    n = params["per_phase"]
    feed = _feed(3 * n + n // 4, params["employees"])
    assert len(feed) == 3 * n + n // 4, f"the generated feed has only {len(feed)} items"
    before, during, after, later = feed[:n], feed[n:2 * n], feed[2 * n:3 * n], feed[3 * n:]

    settings = kafka_settings(own_broker.bootstrap)
    old_ends, new_ends = _per_partition(before, settings.partitions), _per_partition(after, settings.partitions)
    assert any(new > old for old, new in zip(old_ends, new_ends, strict=True)), (old_ends, new_ends)
    assert any(new < old for old, new in zip(old_ends, new_ends, strict=True)), (old_ends, new_ends)
    await ensure_topics(settings)
    worker = processes.eduplan(["worker"], worker_env(database_url, settings), name="worker")

    # Before: the Kafka door takes messages and the relay publishes their events.
    await produce(own_broker.bootstrap, settings.topics.messages, before)
    await _wait_for_outcomes(pool, _keys(before), within=120, worker=worker)
    await wait_relay_at_head(pool, within=60, worker=worker)

    # The outage: the broker goes away; meanwhile the file door appends more events to the log.
    await asyncio.to_thread(own_broker.stop)
    checkpoint = await relay_cursor(pool)
    file_feed = tmp_path / "during.jsonl"
    file_feed.write_bytes(b"".join(value + b"\n" for _, value in during))
    began = time.monotonic()
    await run_eduplan(processes, ["ingest", str(file_feed)], eduplan_env(database_url), within=120)
    await asyncio.sleep(max(0.0, params["down"] - (time.monotonic() - began)))
    assert worker.running(), f"the worker died while the broker was down:\n{worker.output()}"
    assert await relay_cursor(pool) == checkpoint, "the relay moved its checkpoint with no broker to publish to"
    owed = await events_after(pool, checkpoint)
    assert owed, "the outage appended no events; the test proves nothing"

    # Back: the broker is empty; the operator recreates the topics, and producers send new messages,
    # some before the worker looks again (it is paused with SIGSTOP meanwhile; that also keeps its first
    # request from making this broker auto-create a topic with one partition, a race between the broker
    # and the test that is not eduplan's to win), the rest while it finds its feet. With the
    # per-partition counts of these feeds, the new log ends below the worker's old position on one
    # partition and grows past it on another.
    half = len(after) // 2
    os.kill(worker.pid, signal.SIGSTOP)
    try:
        await asyncio.to_thread(own_broker.start)
        await ensure_topics(settings)
        await produce(own_broker.bootstrap, settings.topics.messages, after[:half])
    finally:
        os.kill(worker.pid, signal.SIGCONT)
    await produce(own_broker.bootstrap, settings.topics.messages, after[half:])
    await _wait_for_outcomes(pool, _keys(after), within=180, worker=worker)
    # And it goes on taking messages as they come.
    await produce(own_broker.bootstrap, settings.topics.messages, later)
    await _wait_for_outcomes(pool, _keys(later), within=60, worker=worker)
    await wait_relay_at_head(pool, within=180, worker=worker)
    owed = await events_after(pool, checkpoint)
    delivered = await read_events_topic(own_broker.bootstrap, settings.topics.events, at_least=len(owed))
    missing = owed.keys() - set(delivered.positions)
    assert not missing, (f"{len(missing)} of {len(owed)} events logged after the relay's checkpoint were not"
                         f" published after the restart, e.g. {sorted(missing)[:5]}")
    delivered.first_deliveries_in_version_order()
    assert await relay_cursor(pool) == await head_cursor(pool)

    assert worker.running(), worker.output()
    code = await asyncio.to_thread(terminate, worker, 40.0)
    assert code == 0, f"the worker did not stop cleanly (exit {code}):\n{worker.output()}"


async def test_worker_rides_out_a_broker_outage(
    processes: Processes, tmp_path: Path, database_url: str, pool: asyncpg.Pool, own_broker
) -> None:
    await _scenario(processes, tmp_path, database_url, pool, own_broker, NORMAL)


@pytest.mark.slow
async def test_worker_rides_out_a_minute_long_broker_outage(
    processes: Processes, tmp_path: Path, database_url: str, pool: asyncpg.Pool, own_broker
) -> None:
    await _scenario(processes, tmp_path, database_url, pool, own_broker, LARGE)
