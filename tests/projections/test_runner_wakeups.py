"""The live runner with its polling fallback out of the way (an hour): an event appended while a batch is folded,
or while the runner waits out the pause between drains, is folded on its NOTIFY alone — a drain that ends with
its first batch that is not full leaves nothing behind that only a poll would pick up."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date

import asyncpg
import kpi_facts as f

import projections.runner as runner
from projections import kpi_document, run_projections, wait_until_caught_up
from projections.model import Projection

T = "acme"
ON = date(2024, 2, 1)


@contextlib.asynccontextmanager
async def running(url: str):
    """A runner in its own pool, as another process would run it."""
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    stop = asyncio.Event()
    task = asyncio.create_task(run_projections(pool, stop, batch_size=1000))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await pool.close()


async def _active(pool: asyncpg.Pool) -> int:
    return (await kpi_document(pool, T, ON))["company"]["active_employees"]


async def test_an_event_appended_while_a_batch_is_folded_is_folded_on_its_notify(database_url, pool, log, monkeypatch):
    monkeypatch.setattr(runner, "POLL_SECONDS", 3600.0)
    original = Projection.apply
    sent = asyncio.Event()

    async def apply_then_append(self, conn, schema, batch):
        await original(self, conn, schema, batch)
        if not sent.is_set():
            # committed and announced while the runner's batch (not full: the drain ends with it) is still open
            await log.append(T, *f.hire("during", "ops", date(2024, 1, 1)))
            await pool.execute("NOTIFY eduplan_events")
            sent.set()

    monkeypatch.setattr(Projection, "apply", apply_then_append)
    async with running(database_url):
        await log.append(T, *f.hire("first", "rd", date(2024, 1, 1)))
        await pool.execute("NOTIFY eduplan_events")
        await asyncio.wait_for(sent.wait(), 30)
        assert await wait_until_caught_up(pool, T, timeout=30)
        assert await _active(pool) == 2


async def test_an_event_appended_during_the_pause_between_drains_is_folded_on_its_notify(
    database_url, pool, log, monkeypatch
):
    monkeypatch.setattr(runner, "POLL_SECONDS", 3600.0)
    monkeypatch.setattr(runner, "DRAIN_EVERY_SECONDS", 1.0)
    original = runner._sleep_until
    woken, paused = asyncio.Event(), asyncio.Event()

    async def sleeping(stop, seconds, wake=None):
        if wake is not None and not woken.is_set():
            # the runner waits for a wake-up right after a drain: one comes at once, so the pause follows
            woken.set()
            await log.append(T, *f.hire("first", "rd", date(2024, 1, 1)))
            await pool.execute("NOTIFY eduplan_events")
        elif wake is None and woken.is_set() and not paused.is_set():
            # in the pause before the next drain: a second event and its NOTIFY
            paused.set()
            await log.append(T, *f.hire("paused", "ops", date(2024, 1, 1)))
            await pool.execute("NOTIFY eduplan_events")
        await original(stop, seconds, wake)

    monkeypatch.setattr(runner, "_sleep_until", sleeping)
    async with running(database_url):
        await asyncio.wait_for(paused.wait(), 30)
        assert await wait_until_caught_up(pool, T, timeout=30)
        assert await _active(pool) == 2
