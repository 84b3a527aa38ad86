"""kill -9 of `eduplan worker` while its outbox relay publishes a backlog, at random points, then a restart:
every logged event is on eduplan.events at least once, and each stream's first deliveries keep version
order (contract §3 and §5: published after it is committed, at least once). Meanwhile every worker also
reads a topic of messages that are all rejected (a fresh consumer group reads them all again, as
duplicates): every one of them is on eduplan.messages.dlq at least once, whatever the kills hit."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from fault_kafka import (
    events_after,
    kafka_settings,
    produce,
    published,
    read_events_topic,
    rejected_records,
    wait_dead_letters_cover,
    wait_relay_at_head,
    worker_env,
)
from fault_support import Processes, eduplan_env, kill, run_eduplan, run_for, write_feed

from infra.kafka import ensure_topics

NORMAL = {"feed": dict(seed=71, tenants=4, employees=100, years=2), "trials": 5, "seed": 20260501, "batch": 250,
          "rejected": 300}
LARGE = {"feed": dict(seed=73, tenants=10, employees=200, years=3), "trials": 30, "seed": 20260502, "batch": 500,
         "rejected": 2000}


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    opened = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    assert opened is not None
    try:
        yield opened
    finally:
        await opened.close()


async def _kill_after_progress(worker, pool: asyncpg.Pool, rng: random.Random, total: int, within: float) -> None:
    """Kill when the relay has published a random further share of the backlog (or after ``within`` s)."""
    target = min(total, await published(pool) + rng.randint(1, max(1, total // 5)))
    deadline = time.monotonic() + within
    while worker.running() and time.monotonic() < deadline:
        if await published(pool) >= target:
            break
        await asyncio.sleep(0.01)
    # Somewhere inside the next batch: after some of its records went out, before its checkpoint.
    await run_for(worker, rng.uniform(0.0, 0.08))
    kill(worker)


async def _scenario(processes: Processes, tmp_path: Path, database_url: str, pool: asyncpg.Pool,
                    own_broker, params: dict) -> None:
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, **params["feed"])
    await run_eduplan(processes, ["ingest", str(feed)], eduplan_env(database_url), within=300)
    total = await pool.fetchval("SELECT count(*) FROM events")

    settings = kafka_settings(own_broker.bootstrap)
    await ensure_topics(settings)
    rejected = rejected_records(params["rejected"])
    await produce(own_broker.bootstrap, settings.topics.messages, rejected)
    env = worker_env(database_url, settings, EDUPLAN_KAFKA_RELAY_BATCH_SIZE=str(params["batch"]),
                     EDUPLAN_KAFKA_BATCH_SIZE="20")
    rng = random.Random(params["seed"])
    trail = []
    for trial in range(params["trials"]):
        if await published(pool) >= total:
            break
        # A fresh consumer group per start: the relay only starts once the worker's consumer has joined,
        # and rejoining a group whose last member was just killed waits out its member timeout.
        group = {"EDUPLAN_KAFKA_GROUP": f"{settings.topics.prefix}group-{trial}"}
        worker = processes.eduplan(["worker"], {**env, **group}, name=f"worker-kill-{trial}")
        if trial % 4 == 0:
            await run_for(worker, rng.uniform(0.2, 4.0))  # anywhere, starting up included
            kill(worker)
        else:
            await _kill_after_progress(worker, pool, rng, total, within=60)
        trail.append(await published(pool))
    assert sum(1 for n in trail if 0 < n < total) >= 2, f"too few kills landed mid-backlog: {trail} of {total}"

    worker = processes.eduplan(["worker"], {**env, "EDUPLAN_KAFKA_GROUP": f"{settings.topics.prefix}group-final"},
                               name="worker-final")
    await wait_relay_at_head(pool, within=180, worker=worker)
    delivered = await read_events_topic(own_broker.bootstrap, settings.topics.events, at_least=total)
    logged = await events_after(pool, (0, 0))
    missing = logged.keys() - set(delivered.positions)
    assert not missing, f"{len(missing)} logged events never published, e.g. {sorted(missing)[:5]}"
    unknown = set(delivered.positions) - logged.keys()
    assert not unknown, f"published positions that are not in the log: {sorted(unknown)[:5]}"
    delivered.first_deliveries_in_version_order()
    repeats = len(delivered.positions) - len(set(delivered.positions))
    copies = await wait_dead_letters_cover(own_broker.bootstrap, settings.topics.dead_letters, rejected, within=60)
    assert await pool.fetchval("SELECT count(*) FROM events") == total, "a rejected message appended events"
    assert worker.running(), worker.output()
    kill(worker)
    print(f"\n{total} events, kills at {trail}; {repeats} repeated deliveries;"
          f" {copies} dead letters for {len(rejected)} rejected records")


async def test_relay_killed_at_random_points_publishes_every_event(
    processes: Processes, tmp_path: Path, database_url: str, pool: asyncpg.Pool, own_broker
) -> None:
    await _scenario(processes, tmp_path, database_url, pool, own_broker, NORMAL)


@pytest.mark.slow
async def test_relay_killed_at_random_points_publishes_every_event_large(
    processes: Processes, tmp_path: Path, database_url: str, pool: asyncpg.Pool, own_broker
) -> None:
    await _scenario(processes, tmp_path, database_url, pool, own_broker, LARGE)
