"""A KPI read in parts (``reading.fetch_active_parts``): the parts give exactly the rows of the one statement
they split, in every variant; the second connection reads the first one's snapshot, so a message committed
between them counts in neither; and with no second connection free, the parts run one after the other."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from datetime import date as D
from typing import Any

import asyncpg
import kpi_facts as f
import pytest
from kpi_eventlog import EventLog

from projections import catch_up, kpi_document
from projections.kpi.queries import kpi_figure_parts, kpi_figures
from projections.kpi.reading import fetch_active, fetch_active_parts

T = "parts"


async def _history(log: EventLog) -> None:
    await log.append_many([(T, kind, data) for kind, data in (
        f.strategy(D(2024, 1, 1), month=7),
        f.hire("e1", "rd", D(2024, 1, 31)),
        f.hire("e2", "ops", D(2024, 2, 29)),
        f.hire("e3", "ops", D(2024, 3, 1)),
        f.manager("e2", "e1"),
        f.review("e1", D(2024, 3, 31)),
        f.agree("a1", "e2", D(2024, 7, 1), due=D(2024, 9, 30)),
        f.agree("a2", "e3", D(2024, 8, 1)),
        f.book("b1", "e2", D(2024, 7, 2), D(2024, 9, 1), agreement="a1"),
        f.complete("b1", D(2024, 9, 30), hours=12),
        f.book("b2", "e3", D(2024, 8, 2), D(2025, 2, 1), agreement="a2"),
        f.move("e2", "rd", D(2024, 12, 31)),
        f.leave("e1", D(2025, 3, 31)),
        f.meeting(D(2024, 6, 30)),
    )])
    await catch_up(log.pool)


def _rows(rows: list[asyncpg.Record]) -> list[tuple[str, ...]]:
    return sorted(tuple(repr(value) for value in row.values()) for row in rows)


@pytest.mark.parametrize("last_cycles", [True, False])
@pytest.mark.parametrize("by_manager", [True, False])
@pytest.mark.parametrize("known", [True, False])
async def test_the_parts_give_exactly_the_rows_of_the_whole_statement(pool, log, last_cycles, by_manager, known):
    await _history(log)
    dates = [D(2024, 3, 31), D(2024, 9, 30), D(2024, 12, 31), D(2025, 6, 30)]
    extra = (datetime.now(UTC),) if known else ()
    whole = await fetch_active(pool, kpi_figures(last_cycles=last_cycles, by_manager=by_manager, known=known),
                               T, dates, *extra, hashed=known)
    parts = await fetch_active_parts(pool, kpi_figure_parts(last_cycles=last_cycles, by_manager=by_manager,
                                                            known=known), T, dates, *extra, hashed=known)
    assert any(row["family"] != "window" for row in whole)
    assert _rows(parts) == _rows(whole)


class _PoolProbe:
    """The pool, with something done just before the read takes its second connection."""

    def __init__(self, pool: asyncpg.Pool, before_second: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.pool = pool
        self.before_second = before_second
        self.acquired = 0
        self.seconds = 0

    def acquire(self, *, timeout: float | None = None) -> Any:
        self.acquired += 1
        if self.acquired == 1:  # the read's first connection
            return self.pool.acquire(timeout=timeout)
        return self._second(wait=timeout)

    async def _second(self, *, wait: float | None) -> asyncpg.Connection:
        self.seconds += 1
        await self.before_second()
        return await self.pool.acquire(timeout=wait)

    async def release(self, conn: asyncpg.Connection) -> None:
        await self.pool.release(conn)

    def __getattr__(self, name: str) -> Any:  # the pool's sizes
        return getattr(self.pool, name)


async def test_the_second_connection_reads_the_first_ones_snapshot(pool, log):
    await _history(log)
    await pool.execute("CREATE TABLE parts_probe (n int)")
    await pool.execute("INSERT INTO parts_probe VALUES (1)")

    async def commit_a_row() -> None:
        await pool.execute("INSERT INTO parts_probe VALUES (2)")  # another connection, committed

    probe = _PoolProbe(pool, commit_a_row)
    rows = await fetch_active_parts(probe, ["SELECT 'first' AS part, count(*) AS n FROM parts_probe",  # type: ignore[arg-type]
                                            "SELECT 'second' AS part, count(*) AS n FROM parts_probe"])
    assert probe.seconds == 1
    assert sorted((row["part"], row["n"]) for row in rows) == [("first", 1), ("second", 1)]
    assert await pool.fetchval("SELECT count(*) FROM parts_probe") == 2


async def test_with_no_second_connection_free_the_parts_run_on_the_first(database_url, log):
    await _history(log)
    whole = await kpi_document(log.pool, T, D(2024, 12, 31), by_manager=True)
    lone = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert lone is not None
    try:
        assert await kpi_document(lone, T, D(2024, 12, 31), by_manager=True) == whole
    finally:
        await lone.close()
