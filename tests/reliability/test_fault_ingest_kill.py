"""kill -9 of `eduplan ingest` at random points, then a run to completion: the log and the outcomes are
exactly those of one clean run of the same feed."""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from fault_support import (
    Processes,
    assert_log_invariants,
    assert_one_outcome_each,
    assert_same_log,
    count,
    eduplan_env,
    feed_keys,
    feed_lines,
    kill,
    run_eduplan,
    run_for,
    wait_exit,
    write_feed,
)

NORMAL = {"feed": dict(seed=41, tenants=6, employees=100, years=2), "trials": 4, "seed": 20260301}
LARGE = {"feed": dict(seed=43, tenants=10, employees=200, years=3), "trials": 12, "seed": 20260302}


async def _kill_trials(
    processes: Processes, feed: Path, url: str, trials: int, rng: random.Random, clean_seconds: float
) -> list[int]:
    """Start ingest, SIGKILL it after a random delay, ``trials`` times; outcome counts after each kill."""
    env = eduplan_env(url)
    seen: list[int] = []
    for trial in range(trials):
        started = processes.eduplan(["ingest", str(feed)], env, name=f"ingest-kill-{trial}")
        delay = rng.uniform(0.1, 1.0) * clean_seconds
        if await run_for(started, delay):
            kill(started)
        else:  # it finished before the kill: fine, but it must have finished well
            assert await wait_exit(started, 1) == 0, started.output()
        try:
            seen.append(await count(url, "SELECT count(*) FROM outcomes"
                                         " WHERE tenant IS NOT NULL AND message_id IS NOT NULL"))
        except asyncpg.UndefinedTableError:  # killed before its first run had created the schema
            seen.append(0)
    return seen


async def _scenario(processes: Processes, tmp_path: Path, database_url: str,
                    another_database: Callable[[], Awaitable[str]], params: dict) -> None:
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, **params["feed"])
    lines = feed_lines(feed)
    keys, anonymous = feed_keys(lines)

    clean_url = await another_database()
    began = time.monotonic()
    await run_eduplan(processes, ["ingest", str(feed)], eduplan_env(clean_url), within=300)
    clean_seconds = time.monotonic() - began

    rng = random.Random(params["seed"])
    after_kills = await _kill_trials(processes, feed, database_url, params["trials"], rng, clean_seconds)
    # The kills landed mid-run at least once (else the test proved nothing).
    assert any(0 < n < len(keys) for n in after_kills), f"no kill hit a running ingest: {after_kills}"

    final = await run_eduplan(processes, ["ingest", str(feed)], eduplan_env(database_url), within=300)
    summary = final.output()
    assert "accepted=" in summary, summary

    conn = await asyncpg.connect(database_url)
    try:
        events = await assert_log_invariants(conn)
        await assert_one_outcome_each(conn, keys, anonymous)
    finally:
        await conn.close()
    assert events > 0.9 * len(keys)
    assert await assert_same_log(database_url, clean_url) == events


async def test_ingest_killed_at_random_points_ends_like_a_clean_run(
    processes: Processes, tmp_path: Path, database_url: str, another_database: Callable[[], Awaitable[str]]
) -> None:
    await _scenario(processes, tmp_path, database_url, another_database, NORMAL)


@pytest.mark.slow
async def test_ingest_killed_at_random_points_ends_like_a_clean_run_large(
    processes: Processes, tmp_path: Path, database_url: str, another_database: Callable[[], Awaitable[str]]
) -> None:
    await _scenario(processes, tmp_path, database_url, another_database, LARGE)
