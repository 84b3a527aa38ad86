"""PostgreSQL goes away in the middle of `eduplan ingest` and comes back: the ingest finishes by itself,
every message has exactly one outcome, and the log equals that of a clean run of the same feed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from fault_support import (
    Processes,
    Started,
    assert_log_invariants,
    assert_one_outcome_each,
    assert_same_log,
    count,
    eduplan_env,
    feed_keys,
    feed_lines,
    run_eduplan,
    wait_exit,
    write_feed,
)

FEED = dict(seed=51, tenants=6, employees=100, years=2)
LARGE_FEED = dict(seed=53, tenants=10, employees=200, years=3)


async def _create_database(server_url: str, name: str) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _wait_for_progress(url: str, at_least: int, within: float, ingest: Started) -> int:
    deadline = time.monotonic() + within
    while True:
        try:
            n = await count(url, "SELECT count(*) FROM outcomes")
        except (asyncpg.UndefinedTableError, OSError, asyncpg.PostgresError):
            n = 0
        if n >= at_least:
            return n
        assert ingest.running(), f"the ingest ended (exit {ingest.process.returncode}) at {n} outcomes:\n" + \
            ingest.output()
        assert time.monotonic() < deadline, f"the ingest stored only {n} outcomes in {within} s"
        await asyncio.sleep(0.05)


async def _scenario(processes: Processes, tmp_path: Path, own_postgres, clean_url: str, feed_kwargs: dict,
                    outages: list[tuple[str, float]]) -> None:
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, **feed_kwargs)
    lines = feed_lines(feed)
    keys, anonymous = feed_keys(lines)

    await run_eduplan(processes, ["ingest", str(feed)], eduplan_env(clean_url), within=300)

    url = own_postgres.database(await _create_database(own_postgres.url, "r_" + uuid.uuid4().hex[:10]))
    ingest = processes.eduplan(["ingest", str(feed)], eduplan_env(url), name="ingest-under-restarts")
    done_before = []
    for i, (mode, down_for) in enumerate(outages):
        # Let it get going (or get further) before each outage.
        done_before.append(
            await _wait_for_progress(url, (i + 1) * len(keys) // (len(outages) + 2), within=120, ingest=ingest))
        assert ingest.running(), f"the ingest ended before outage {i + 1}:\n{ingest.output()}"
        if mode == "restart":
            await asyncio.to_thread(own_postgres.restart)
        else:
            await asyncio.to_thread(own_postgres.stop, mode)
            await asyncio.sleep(down_for)
            await asyncio.to_thread(own_postgres.start)
    code = await wait_exit(ingest, 300)
    assert code == 0, f"the ingest did not survive the outages (exit {code}):\n{ingest.output()}"
    assert "accepted=" in ingest.output()
    assert all(n < len(keys) for n in done_before), f"an outage came after the ingest was done: {done_before}"

    conn = await asyncpg.connect(url)
    try:
        events = await assert_log_invariants(conn)
        await assert_one_outcome_each(conn, keys, anonymous)
    finally:
        await conn.close()
    assert await assert_same_log(url, clean_url) == events


@pytest.mark.parametrize(
    "outages",
    [
        pytest.param([("restart", 0.0)], id="pg_ctl-restart-fast"),
        pytest.param([("immediate", 3.0)], id="crash-immediate-3s-start"),
        pytest.param([("fast", 3.0)], id="stop-fast-3s-start", marks=pytest.mark.slow),
    ],
)
async def test_ingest_survives_a_postgres_restart(
    processes: Processes, tmp_path: Path, own_postgres, database_url: str, outages: list[tuple[str, float]]
) -> None:
    await _scenario(processes, tmp_path, own_postgres, database_url, FEED, outages)


@pytest.mark.slow
async def test_ingest_survives_repeated_postgres_outages(
    processes: Processes, tmp_path: Path, own_postgres, database_url: str,
    another_database: Callable[[], Awaitable[str]],
) -> None:
    outages = [("restart", 0.0), ("fast", 10.0), ("immediate", 5.0), ("fast", 30.0)]
    await _scenario(processes, tmp_path, own_postgres, database_url, LARGE_FEED, outages)


async def test_connection_lost_right_after_the_commit_does_not_fail_the_batch(database_url: str) -> None:
    """The database goes away between a batch's COMMIT and the NOTIFY that wakes the runners: the batch is
    stored, so the caller must get its outcomes (runners poll anyway), not an error that ends an ingest."""
    from services.core.app import app_for_url
    from services.core.intake import prepare

    app = await app_for_url(database_url, max_size=2)

    class NotifyFails:
        """The write pool, except that the NOTIFY after a commit finds the connection gone."""

        def __init__(self, pool: asyncpg.Pool) -> None:
            self._pool = pool

        def __getattr__(self, name: str):
            return getattr(self._pool, name)

        async def execute(self, query: str, *args, **kwargs):
            if query.startswith("NOTIFY"):
                raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
            return await self._pool.execute(query, *args, **kwargs)

    try:
        assert app.store.notifier is not None
        app.store.notifier.pool = NotifyFails(app.store.write_pool)  # type: ignore[assignment]
        message = {"message_id": "after-commit-1", "tenant": "acme", "type": "DepartmentRegistered",
                   "occurred_at": "2026-03-10T08:00:00Z", "data": {"department": "rd", "name": "R&D"}}
        outcomes = await app.intake.process([prepare(message)], "fault-test")
        assert [o["status"] for o in outcomes] == ["accepted"]
        assert await app.pool.fetchval("SELECT count(*) FROM events WHERE message_id = 'after-commit-1'") == 1
    finally:
        await app.close()
