"""Benchmark 7: how soon readers of the log see an appended event, with and without a rebuild running.

A probe submits one new booking every PERIOD seconds through ``Intake.submit``; two readers follow the log:

- the outbox relay (``infra.kafka.relay.OutboxRelay``: its lease, LISTEN/NOTIFY wake-ups and checkpoint) with a
  sink that records when each event arrives instead of sending it to a broker;
- a client of ``GET /v1/tenants/{t}/events`` that polls every POLL seconds with its cursor, through
  ``EventStore.read_all(cursor, tenant=...)``, the call that endpoint makes.

The delay of an event is from ``Intake.submit`` returning (the event is committed) to the reader first holding
it. Two phases on the same database: idle, and while ``projections.rebuild`` builds a new version of the KPI
projection from a log of N events (filled server-side, ``bench.fill``; quick: 250 k, full: 1 M), whose
catch-up grows its batches up to 256,000 events. The probes of the second phase run until the rebuild ends.

    python -m bench --only visibility [--quick] [--database-url URL]
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from bench.common import BENCH_TENANT, FreshDatabase, Row, Server, course_booked, encode, percentile, register_employees
from bench.fill import analyze_when_due, checkpoint, fill

# Above the intake's 50 ms between NOTIFYs (services.core.intake), so each probe wakes the relay at once
# rather than at the next delayed NOTIFY.
PERIOD = 0.075
POLL = 0.02
IDLE_PROBES = 60
EMPLOYEES = 50


class Arrivals:
    """When each probe was committed, and when each reader first held it (perf_counter seconds)."""

    def __init__(self) -> None:
        self.committed: dict[str, float] = {}
        self.seen: dict[str, dict[str, float]] = {"relay": {}, "events": {}}

    def saw(self, reader: str, events: Sequence[dict[str, Any]]) -> None:
        now = time.perf_counter()
        for event in events:
            if event["tenant"] == BENCH_TENANT and event["type"] == "CourseBooked":
                self.seen[reader].setdefault(event["message_id"], now)

    def delays_ms(self, reader: str, probes: Sequence[str]) -> list[float]:
        seen = self.seen[reader]
        return [(seen[p] - self.committed[p]) * 1000 for p in probes if p in seen]


class RecordingSink:
    """The relay's sink: every event acknowledged at once, its arrival recorded."""

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    async def publish(self, events: Sequence[dict[str, Any]]) -> None:
        self.arrivals.saw("relay", events)


async def follow_events_endpoint(store: Any, arrivals: Arrivals, stop: asyncio.Event) -> None:
    cursor = await store.head(BENCH_TENANT)
    while not stop.is_set():
        events, cursor = await store.read_all(cursor, 1000, tenant=BENCH_TENANT, decrypt=False)
        arrivals.saw("events", events)
        if not events:
            await asyncio.sleep(POLL)


async def probe(intake: Any, arrivals: Arrivals, phase: str, until: Any) -> list[str]:
    """Submit one booking every PERIOD until ``until()`` is true; the message ids."""
    sent: list[str] = []
    while not until(len(sent)):
        message = course_booked(BENCH_TENANT, 0, len(arrivals.committed), EMPLOYEES, prefix=f"{phase}-")
        outcome = await intake.submit(encode(message), "bench")
        arrivals.committed[message["message_id"]] = time.perf_counter()
        if outcome["status"] != "accepted":
            raise RuntimeError(f"probe not accepted: {outcome}")
        sent.append(message["message_id"])
        await asyncio.sleep(PERIOD)
    await asyncio.sleep(1.0)  # the last probes' way to the readers
    return sent


def rows_for(arrivals: Arrivals, phases: dict[str, list[str]], extra: dict[str, Any]) -> list[Row]:
    rows = []
    for reader, label in (("relay", "outbox relay"), ("events", "GET /events client (polls every 20 ms)")):
        idle = arrivals.delays_ms(reader, phases["idle"])
        busy = arrivals.delays_ms(reader, phases["rebuild"])
        info = {**extra, "probes": {k: len(v) for k, v in phases.items()},
                "seen": {"idle": len(idle), "rebuild": len(busy)}}
        for name, samples in (("idle", idle), ("rebuild", busy)):
            info[f"{name}_ms"] = {"p50": round(percentile(samples, 50), 1), "p95": round(percentile(samples, 95), 1),
                                  "max": round(max(samples, default=float("nan")), 1)}
        for p in (50, 95):
            rows.append(Row(
                benchmark=f"append → visible to the {label}, p{p}, during a rebuild", figure=percentile(busy, p),
                unit="ms", reference=percentile(idle, p), reference_label="no rebuild running", extra=info,
            ))
        rows.append(Row(benchmark=f"append → visible to the {label}, max, during a rebuild",
                        figure=max(busy, default=float("nan")), unit="ms",
                        reference=max(idle, default=float("nan")), reference_label="no rebuild running", extra=info))
    return rows


async def run(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    from infra.kafka.relay import OutboxRelay
    from projections import catch_up, ensure_schema, rebuild
    from services.core.app import app_for_url

    events = 250_000 if quick else 1_000_000
    async with FreshDatabase(server, "visibility") as url:
        app = await app_for_url(url, max_size=6)
        try:
            filled = await fill(app.pool, events)
            await register_employees(app.intake, BENCH_TENANT, EMPLOYEES)
            await ensure_schema(app.pool)
            await catch_up(app.pool)
            await analyze_when_due(app.pool)
            await checkpoint(app.pool)
            arrivals = Arrivals()
            relay = OutboxRelay(app.store, RecordingSink(arrivals), name="bench")
            await app.pool.execute(
                "INSERT INTO relay_checkpoints (name, cursor) VALUES ('bench', $1)", await app.store.head()
            )
            stop = asyncio.Event()
            readers = [asyncio.create_task(relay.run()), asyncio.create_task(
                follow_events_endpoint(app.store, arrivals, stop))]
            try:
                phases = {"idle": await probe(app.intake, arrivals, "idle", lambda n: n >= IDLE_PROBES)}
                started = time.perf_counter()
                building = asyncio.create_task(rebuild(app.pool, "kpi"))
                phases["rebuild"] = await probe(app.intake, arrivals, "rebuild", lambda _: building.done())
                await building
                rebuild_seconds = time.perf_counter() - started
            finally:
                stop.set()
                readers[0].cancel()
                await asyncio.gather(*readers, return_exceptions=True)
        finally:
            await app.close()
    extra = {"events_in_log": events, "fill_seconds": round(filled, 1), "rebuild_seconds": round(rebuild_seconds, 1),
             "probe_period_s": PERIOD}
    return rows_for(arrivals, phases, extra)
