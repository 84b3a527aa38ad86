"""A decision that reads another stream holds when another process writes that stream.

Two OS processes (each with its own intake, caches and connections) write concurrently; afterwards the
log, read in the order readers see it — (transaction_id, position) — must be one that the deciders
themselves would have produced: replaying them over it accepts exactly the accepted messages and
rejects exactly the rejected ones, for the same reasons.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from message_samples import department, employee
from skew_feed import decisions, replay

from services.core.app import App

TENANT = "skew"
WRITER = str(Path(__file__).with_name("skew_writer.py"))


async def _start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, WRITER, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "EDUPLAN_LOG_LEVEL": "WARNING"},
    )


async def _line(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    if not line:
        assert proc.stderr is not None
        raise AssertionError(f"writer ended early: {(await proc.stderr.read()).decode()[-2000:]}")
    return line.decode().strip()


async def _log_order(app: App) -> list[dict[str, Any]]:
    rows = await app.pool.fetch(
        "SELECT message_id, stream, version, type FROM events WHERE tenant = $1 ORDER BY transaction_id, position",
        TENANT)
    return [dict(row) for row in rows]


async def test_a_departure_and_a_booking_racing_never_land_with_the_booking_after_the_departure(
    app: App, database_url: str,
) -> None:
    employees = 80
    setup = [department("rd", tenant=TENANT)] + [employee(f"e-{i}", tenant=TENANT) for i in range(1, employees + 1)]
    assert {o["status"] for o in await app.intake.submit_many(setup, door="test")} == {"accepted"}
    leaver = await _start("race", database_url, TENANT, "leave", str(employees))
    booker = await _start("race", database_url, TENANT, "book", str(employees))
    try:
        assert [await _line(leaver), await _line(booker)] == ["ready", "ready"]
        statuses: list[tuple[str, str]] = []
        for _ in range(employees):
            for proc in (leaver, booker):
                assert proc.stdin is not None
                proc.stdin.write(b"go\n")
            await asyncio.gather(leaver.stdin.drain(), booker.stdin.drain())  # type: ignore[union-attr]
            left, booked = await asyncio.gather(_line(leaver), _line(booker))
            statuses.append((left, booked))
    finally:
        for proc in (leaver, booker):
            if proc.stdin is not None:
                proc.stdin.close()
            await proc.wait()
    assert all(left == "accepted" for left, _ in statuses), statuses  # nothing stops a departure

    order = {row["message_id"]: index for index, row in enumerate(await _log_order(app))}
    after_departure = [i for i in range(1, employees + 1)
                       if f"booked-{i}" in order and order[f"booked-{i}"] > order[f"left-{i}"]]
    assert after_departure == [], f"bookings accepted after their employee left, in log order: {after_departure}"
    rejected = [i for i, (_, booked) in enumerate(statuses, 1) if booked == "rejected"]
    assert [i for i in range(1, employees + 1) if f"booked-{i}" not in order] == rejected


@pytest.mark.parametrize("mode", ["", "look"])
async def test_replaying_the_deciders_over_the_log_gives_back_every_outcome(app: App, database_url: str,
                                                                            mode: str) -> None:
    # "look": the writers' batches look first (as a bulk ingest's do) and their caches hold 3 streams, so most
    # streams are read in a look, without locks, while the other writer moves them.
    setup = [department("rd", tenant=TENANT)] + [employee(f"e-{i}", tenant=TENANT) for i in range(3)]
    outcomes = await app.intake.submit_many(setup, door="test")
    batches: list[dict[str, Any]] = [{"messages": setup, "statuses": [o["status"] for o in outcomes]}]

    deadlocks_before = await _deadlocks(app)
    writers = [await _start("feed", database_url, TENANT, f"p{n}", "4", "200", str(n + 1), *([mode] if mode else []))
               for n in range(2)]
    for proc, (out, err) in zip(writers, await asyncio.gather(*(w.communicate() for w in writers)), strict=True):
        assert proc.returncode == 0, err.decode()[-3000:]
        batches += [json.loads(line) for line in out.decode().splitlines()]
    assert sum(len(b["messages"]) for b in batches) == len(setup) + 2 * 4 * 200

    rows = await app.pool.fetch(
        "SELECT message_id, status, reason, transaction_id::text AS xid FROM outcomes WHERE tenant = $1", TENANT)
    stored = {row["message_id"]: (row["status"], row["reason"], int(row["xid"])) for row in rows}
    decided = decisions(batches, stored)
    assert len(decided) == len(stored)
    statuses = {d.status for d in decided}
    assert statuses == {"accepted", "rejected"}, statuses

    mismatches, appended = replay(decided)
    assert mismatches == [], f"{len(mismatches)} outcomes differ from a replay in log order:\n" + "\n".join(
        mismatches[:10])
    log = [(row["message_id"], row["stream"], row["version"]) for row in await _log_order(app)]
    assert appended == log
    await asyncio.sleep(1.0)  # the writers' sessions report their statistics as they end
    assert await _deadlocks(app) == deadlocks_before, "batches waited for each other's locks in a cycle"


async def _deadlocks(app: App) -> int:
    async with app.pool.acquire() as conn:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(await conn.fetchval("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))
