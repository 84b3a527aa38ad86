"""8 writer processes append to the same streams while a follower reads the log with its cursor: the
follower sees every committed event exactly once, each stream in version order, and re-reading from the
start gives the same order (contract §3)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fault_support import Processes, wait_exit

from services.core.app import App, app_for_url
from services.core.intake import prepare

TENANT = "shared"
WRITER = Path(__file__).with_name("fault_writer.py")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Load:
    writers: int
    messages_each: int
    batch: int
    streams: int
    write_seconds: float  # each writer stops after this long, even short of messages_each
    at_least: int  # events the writers must have appended together


# 100 k events in the normal suite: 8 × 12,500 messages, 50 per intake call (small batches keep the
# writers' transactions interleaving on the shared streams). Two cores need 13-25 s when quiet and
# 20-50 s at a load average of 3-8; the time cap is only a safety net against a stuck writer, and
# falling short of 100 k fails the test.
NORMAL = Load(writers=8, messages_each=12_500, batch=50, streams=2_000, write_seconds=75, at_least=100_000)
LARGE = Load(writers=8, messages_each=125_000, batch=100, streams=20_000, write_seconds=3_600,
             at_least=1_000_000)


@dataclass
class Follower:
    order: list[int] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    versions: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    empty_pages: int = 0
    position_went_back: int = 0

    def take(self, events: list[dict]) -> None:
        for event in events:
            position = event["position"]
            assert position not in self.seen, f"event at position {position} delivered twice"
            self.seen.add(position)
            if self.order and position < self.order[-1]:
                self.position_went_back += 1
            self.order.append(position)
            stream = event["stream"]
            expected = self.versions.get(stream, 0) + 1
            assert event["version"] == expected, (
                f"stream {stream}: version {event['version']} came when {expected} was due")
            self.versions[stream] = event["version"]


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    core = await app_for_url(database_url, max_size=4)
    try:
        yield core
    finally:
        await core.close()


async def _set_up(app: App, streams: int) -> int:
    """Employees e-0.. and bookings b-0.. (booking b-k of employee e-k); the number of events."""
    setup = [
        {"message_id": f"setup-e-{k}", "tenant": TENANT, "type": "EmployeeRegistered",
         "occurred_at": "2026-01-01T08:00:00Z",
         "data": {"employee_id": f"e-{k}", "name": f"Person {k}", "department": "rd", "job_family": "skilled",
                  "hired_on": "2020-01-01"}}
        for k in range(streams)
    ] + [
        {"message_id": f"setup-b-{k}", "tenant": TENANT, "type": "CourseBooked",
         "occurred_at": "2026-01-02T08:00:00Z",
         "data": {"booking_id": f"b-{k}", "employee_id": f"e-{k}", "booked_on": "2026-01-02",
                  "course": {"title": "Forklift", "kind": "amu", "hours": 37},
                  "starts_on": "2026-02-02", "ends_on": "2026-12-18"}}
        for k in range(streams)
    ]
    for start in range(0, len(setup), 500):
        outcomes = await app.intake.process([prepare(m) for m in setup[start:start + 500]], "fault-test")
        assert all(o["status"] == "accepted" for o in outcomes)
    return len(setup)


async def _scenario(app: App, database_url: str, processes: Processes, load: Load, seed: int) -> None:
    setup_events = await _set_up(app, load.streams)
    follower = Follower()
    cursor: str | None = None
    env = {**os.environ, "PYTHONPATH": str(ROOT), "EDUPLAN_LOG_LEVEL": "WARNING"}
    began = time.monotonic()
    writers = [
        processes.start([sys.executable, str(WRITER), database_url, TENANT, str(i), str(load.messages_each),
                         str(load.batch), str(load.streams), str(seed), str(load.write_seconds)],
                        env, name=f"writer-{i}")
        for i in range(load.writers)
    ]
    deadline = began + load.write_seconds + 120
    # Follow while the writers run: pages of at most 2000, as a consumer would.
    while any(w.running() for w in writers):
        assert time.monotonic() < deadline, "the writers did not finish in time"
        events, cursor = await app.store.read_all(cursor, 2000, decrypt=False)
        follower.pages += 1
        follower.take(events)
        if not events:
            follower.empty_pages += 1
            await asyncio.sleep(0.02)
    accepted = 0
    for w in writers:
        code = await wait_exit(w, 5)
        assert code == 0, f"{w.name} failed:\n{w.output()}"
        report = json.loads(w.output().strip().splitlines()[-1])
        assert not report["other"], f"{w.name}: not everything was accepted: {report}"
        accepted += report["accepted"]
    assert accepted <= load.writers * load.messages_each
    assert accepted >= load.at_least, (
        f"the writers appended only {accepted} events in {time.monotonic() - began:.0f} s"
        f" (at most {load.write_seconds:.0f} s of writing); {load.at_least} are required")
    # Drain what is left after the last commit.
    while True:
        events, cursor = await app.store.read_all(cursor, 5000, decrypt=False)
        if not events:
            break
        follower.take(events)
    total = await app.pool.fetchval("SELECT count(*) FROM events")
    assert total == setup_events + accepted
    assert len(follower.seen) == total, f"the follower saw {len(follower.seen)} of {total} events"
    streams_written = await app.pool.fetchval("SELECT count(DISTINCT stream) FROM events")
    assert len(follower.versions) == streams_written
    # Re-reading from the start gives the same order.
    again: list[int] = []
    cursor = None
    while True:
        events, cursor = await app.store.read_all(cursor, 10_000, decrypt=False)
        if not events:
            break
        again += [e["position"] for e in events]
    assert again == follower.order, "re-reading from the start gave another order"
    elapsed = time.monotonic() - began
    print(f"\n{total} events by {load.writers} writers on {2 * load.streams} shared streams in {elapsed:.1f} s;"
          f" follower pages={follower.pages} (empty {follower.empty_pages});"
          f" position decreased {follower.position_went_back} times in log order")


async def test_follower_sees_every_event_once_in_stream_order(
    app: App, database_url: str, processes: Processes
) -> None:
    await _scenario(app, database_url, processes, NORMAL, seed=7)


@pytest.mark.slow
async def test_follower_sees_every_event_once_in_stream_order_million(
    app: App, database_url: str, processes: Processes
) -> None:
    await _scenario(app, database_url, processes, LARGE, seed=8)
