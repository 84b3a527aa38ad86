"""kill -9 of the projection runner (`eduplan project`) at random points of its catch-up, many times, then
a restart: the KPI documents equal those of a clean replay of the same feed in a fresh database."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fault_support import Processes, eduplan_env, kill, run_eduplan, run_for, terminate, write_feed

from projections import catch_up, ensure_schema, kpi_document, status, tenants, wait_until_caught_up
from projections.registry import LOCK_CLASS

AS_OF = [date(2025, 3, 31), date(2025, 12, 31), date(2026, 6, 30), date(2026, 11, 20), date(2027, 2, 28)]

NORMAL = {"feed": dict(seed=61, tenants=6, employees=200, years=2), "trials": 12, "seed": 20260401}
LARGE = {"feed": dict(seed=63, tenants=12, employees=250, years=3), "trials": 60, "seed": 20260402}


@pytest.fixture
async def pools() -> AsyncIterator[Callable[[str], Awaitable[asyncpg.Pool]]]:
    opened: list[asyncpg.Pool] = []

    async def open_pool(url: str) -> asyncpg.Pool:
        pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
        assert pool is not None
        opened.append(pool)
        return pool

    try:
        yield open_pool
    finally:
        for pool in opened:
            await pool.close()


async def documents(pool: asyncpg.Pool) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for tenant in await tenants(pool):
        for as_of in AS_OF:
            found[(tenant, as_of.isoformat())] = await kpi_document(pool, tenant, as_of)
    return found


async def _checkpoint(pool: asyncpg.Pool) -> int:
    """Events the active KPI version has read (0 before the runner created its schema)."""
    try:
        rows = await pool.fetch(
            "SELECT c.applied FROM projection_registry r JOIN projection_checkpoints c"
            " ON c.name = r.name AND c.version = r.active_version"
        )
    except asyncpg.UndefinedTableError:
        return 0
    return min((r["applied"] for r in rows), default=0)


async def _applier_since(pool: asyncpg.Pool, started_at: Any) -> bool:
    """Whether a connection opened after ``started_at`` holds a projection applier lock."""
    return bool(await pool.fetchval(
        "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND a.backend_start > $2",
        LOCK_CLASS, started_at))


async def _kill_when(started, pool: asyncpg.Pool, target: int, extra: float, within: float) -> bool:
    """Kill the runner ``extra`` s after its checkpoint passed ``target`` events; False if it never did."""
    deadline = time.monotonic() + within
    while await _checkpoint(pool) < target:
        if time.monotonic() > deadline or not started.running():
            return False
        await asyncio.sleep(0.005)
    await run_for(started, extra)
    kill(started)
    return True


async def _scenario(processes: Processes, tmp_path: Path, database_url: str,
                    another_database: Callable[[], Awaitable[str]],
                    pools: Callable[[str], Awaitable[asyncpg.Pool]], params: dict) -> None:
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, **params["feed"])
    clean_url = await another_database()
    # The same feed in both databases (test_fault_ingest_kill shows the two logs are equal).
    await run_eduplan(processes, ["ingest", str(feed)], eduplan_env(database_url), within=300)
    await run_eduplan(processes, ["ingest", str(feed)], eduplan_env(clean_url), within=300)

    # The clean replay: one uninterrupted catch-up.
    clean = await pools(clean_url)
    await ensure_schema(clean)
    began = time.monotonic()
    await catch_up(clean)
    replay_seconds = time.monotonic() - began
    expected = await documents(clean)
    assert expected, "the clean replay knows no tenant"

    pool = await pools(database_url)
    total = await pool.fetchval("SELECT count(*) FROM events")
    rng = random.Random(params["seed"])
    env = eduplan_env(database_url)
    kills_mid_catch_up = 0
    trail = []
    for trial in range(params["trials"]):
        done = await _checkpoint(pool)
        if done >= total:
            break
        runner = processes.eduplan(["project"], env, name=f"project-kill-{trial}")
        if trial % 4 == 3:
            # Anywhere: while starting, creating the schema, or folding (a catch-up takes about
            # replay_seconds once the process is up).
            await run_for(runner, rng.uniform(0.05, 0.5 + replay_seconds))
            kill(runner)
        else:
            # In the middle of a batch or between two, a little further into the catch-up each time.
            target = min(total, done + rng.randint(1, max(1, total // 8)))
            if not await _kill_when(runner, pool, target, rng.uniform(0.0, 0.05), within=60):
                kill(runner)
        after = await _checkpoint(pool)
        trail.append(after)
        if 0 < after < total:
            kills_mid_catch_up += 1
    assert kills_mid_catch_up >= 2, f"too few kills landed mid catch-up: checkpoints {trail} of {total}"

    started_at = await pool.fetchval("SELECT clock_timestamp()")
    runner = processes.eduplan(["project"], env, name="project-final")
    ready = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        # Caught up, and the new runner is the applier (it holds the version's lock), so it is up.
        if await wait_until_caught_up(pool, timeout=1.0) and await _applier_since(pool, started_at):
            ready = True
            break
        assert runner.running(), f"the restarted runner stopped:\n{runner.output()}"
        await asyncio.sleep(0.1)
    if not ready:
        locks = await pool.fetch(
            "SELECT l.classid, l.objid, l.granted, a.pid, a.backend_start, a.state, a.query FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'")
        raise AssertionError(f"the restarted runner did not catch up (checkpoints {trail}); started {started_at};"
                             f" locks {[tuple(r) for r in locks]}; status {await status(pool)}:\n{runner.output()}")
    code = await asyncio.to_thread(terminate, runner)
    assert code == 0, f"the runner did not stop cleanly on SIGTERM (exit {code}):\n{runner.output()}"

    [kpi] = [s for s in await status(pool) if s["name"] == "kpi"]
    assert kpi["lag"] == 0
    assert kpi["applied"] == total, f"the runner read {kpi['applied']} events for a log of {total}"
    got = await documents(pool)
    assert got.keys() == expected.keys()
    differing = [k for k in expected if got[k] != expected[k]]
    assert not differing, (
        f"{len(differing)} KPI documents differ from the clean replay, e.g. {differing[0]}:\n"
        f"after kills: {got[differing[0]]}\nclean:       {expected[differing[0]]}"
    )


async def test_projection_runner_killed_during_catch_up_ends_like_a_clean_replay(
    processes: Processes, tmp_path: Path, database_url: str, another_database, pools
) -> None:
    await _scenario(processes, tmp_path, database_url, another_database, pools, NORMAL)


@pytest.mark.slow
async def test_projection_runner_killed_during_catch_up_ends_like_a_clean_replay_large(
    processes: Processes, tmp_path: Path, database_url: str, another_database, pools
) -> None:
    await _scenario(processes, tmp_path, database_url, another_database, pools, LARGE)
