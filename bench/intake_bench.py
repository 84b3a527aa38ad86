"""Benchmark 1: messages/s through Intake.submit, beside raw asyncpg and the ``eventsourcing`` library.

All three append one event per message to a new stream, on the same server, in the same run:

- eduplan: ``Intake.submit`` of a CourseBooked for a registered employee (parse, validate, idempotency
  lookup, load the employee and booking streams, decide, append the event and the outcome, commit).
- raw asyncpg: per message one transaction that reads the stream's current version and INSERTs one
  row with the next version into a table with a unique (tenant, stream, version) constraint.
- eventsourcing: an ``Application`` on ``eventsourcing.postgres`` (PostgresApplicationRecorder)
  saving a new aggregate with one event carrying the same data; threads, as the library is synchronous.

The eduplan log already holds PREFILL events of other tenants (bench.fill, then VACUUM ANALYZE): the
steady state of a service in use. On a brand-new database the planner's choices for the intake's
lookup differ (see the growth benchmark's empty-log row and the profile's sequential-scan count).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import datetime
from typing import Any, Protocol

import asyncpg

from bench.common import (
    BENCH_TENANT,
    FreshDatabase,
    Row,
    Server,
    course_booked,
    encode,
    ratio_goal,
    register_employees,
    run_clients,
)
from bench.fill import fill

EMPLOYEES = 200
PREFILL = 100_000
POOL_SIZE = 10  # ≥ 9: eight clients, and the occasional NOTIFY

RAW_TABLE = """
CREATE TABLE raw_events (
    position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant       text        NOT NULL,
    stream       text        NOT NULL,
    version      integer     NOT NULL,
    type         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    message_id   text        NOT NULL,
    actor        text,
    data         jsonb       NOT NULL,
    UNIQUE (tenant, stream, version)
)
"""


class Contender(Protocol):
    label: str

    async def open(self) -> None: ...

    async def rate(self, clients: int, seconds: float) -> tuple[float, int]: ...

    async def close(self) -> None: ...


class Eduplan:
    """Intake.submit through the app's own pool."""

    label = "eduplan"

    def __init__(self, url: str) -> None:
        self.url = url
        self.round = 0

    async def open(self) -> None:
        from services.core.app import app_for_url

        self.app = await app_for_url(self.url, max_size=POOL_SIZE)
        await fill(self.app.pool, PREFILL)
        await register_employees(self.app.intake, BENCH_TENANT, EMPLOYEES)

    async def rate(self, clients: int, seconds: float) -> tuple[float, int]:
        self.round += 1
        return await submit_rate(self.app.intake, clients, seconds, f"i{self.round}-")

    async def close(self) -> None:
        await self.app.close()


async def submit_rate(intake: Any, clients: int, seconds: float, prefix: str) -> tuple[float, int]:
    """Messages/s of Intake.submit, ``clients`` tasks each submitting one new booking after the other."""
    refused: list[dict[str, Any]] = []

    async def one(client: int, n: int) -> None:
        outcome = await intake.submit(encode(course_booked(BENCH_TENANT, client, n, EMPLOYEES, prefix)), "bench")
        if outcome["status"] != "accepted":
            refused.append(outcome)

    count, elapsed = await run_clients(clients, seconds, one)
    if refused:
        raise RuntimeError(f"{len(refused)} benchmark messages were not accepted, e.g. {refused[0]}")
    return count / elapsed, count


class RawAsyncpg:
    """Per message: one transaction that reads the stream's version and inserts the next one."""

    label = "raw asyncpg"

    def __init__(self, url: str) -> None:
        self.url = url
        self.round = 0

    async def open(self) -> None:
        pool = await asyncpg.create_pool(self.url, min_size=POOL_SIZE, max_size=POOL_SIZE)
        assert pool is not None
        self.pool = pool
        await pool.execute(RAW_TABLE)

    async def rate(self, clients: int, seconds: float) -> tuple[float, int]:
        self.round += 1
        prefix = f"r{self.round}-"
        pool = self.pool

        async def one(client: int, n: int) -> None:
            message = json.loads(encode(course_booked(BENCH_TENANT, client, n, EMPLOYEES, prefix)))
            stream = f"booking-{message['data']['booking_id']}"
            async with pool.acquire() as conn, conn.transaction():
                current = await conn.fetchval(
                    "SELECT coalesce(max(version), 0) FROM raw_events WHERE tenant = $1 AND stream = $2",
                    message["tenant"], stream,
                )
                await conn.execute(
                    "INSERT INTO raw_events (tenant, stream, version, type, occurred_at, message_id, actor, data)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
                    message["tenant"], stream, current + 1, message["type"],
                    datetime.fromisoformat(message["occurred_at"]), message["message_id"], message["actor"],
                    json.dumps(message["data"]),
                )

        count, elapsed = await run_clients(clients, seconds, one)
        return count / elapsed, count

    async def close(self) -> None:
        await self.pool.close()


# --- the eventsourcing library ----------------------------------------------------------------------

def _es_classes() -> tuple[type, type]:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Booking(Aggregate):
        @event("Booked")
        def __init__(self, tenant: str, message_id: str, booking_id: str, employee_id: str, booked_on: str,
                     course: dict[str, Any], starts_on: str, ends_on: str) -> None:
            self.tenant = tenant
            self.message_id = message_id
            self.booking_id = booking_id
            self.employee_id = employee_id
            self.booked_on = booked_on
            self.course = course
            self.starts_on = starts_on
            self.ends_on = ends_on

    class Bookings(Application):  # type: ignore[type-arg]
        def book(self, raw: bytes) -> None:
            message = json.loads(raw)
            data = message["data"]
            self.save(Booking(tenant=message["tenant"], message_id=message["message_id"],
                              booking_id=data["booking_id"], employee_id=data["employee_id"],
                              booked_on=data["booked_on"], course=data["course"], starts_on=data["starts_on"],
                              ends_on=data["ends_on"]))

    return Booking, Bookings


_ES = None


def es_env(server: Server, dbname: str) -> dict[str, str]:
    parts = server.libpq_parts(dbname)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts["dbname"],
        "POSTGRES_HOST": parts["host"],
        "POSTGRES_PORT": parts["port"],
        "POSTGRES_USER": parts["user"],
        "POSTGRES_PASSWORD": parts["password"],
        "POSTGRES_POOL_SIZE": str(POOL_SIZE),
        "POSTGRES_MAX_OVERFLOW": "0",
        "CREATE_TABLE": "y",
    }


class EventSourcingLibrary:
    """An eventsourcing Application saving one new aggregate (one event) per message, in threads."""

    label = "eventsourcing"

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.round = 0

    async def open(self) -> None:
        global _ES
        if _ES is None:
            _ES = _es_classes()
        self.app = await asyncio.to_thread(_ES[1], env=self.env)

    async def rate(self, clients: int, seconds: float) -> tuple[float, int]:
        self.round += 1
        return await asyncio.to_thread(self._rate, clients, seconds, f"s{self.round}-")

    def _rate(self, clients: int, seconds: float, prefix: str, warmup: int = 20) -> tuple[float, int]:
        app = self.app
        counted = [0] * clients
        barrier = threading.Barrier(clients + 1)
        go = threading.Event()
        deadline = [0.0]
        errors: list[BaseException] = []

        def client(index: int) -> None:
            try:
                n = 0
                for _ in range(warmup):
                    app.book(encode(course_booked(BENCH_TENANT, index, n, EMPLOYEES, prefix)))
                    n += 1
                barrier.wait()
                go.wait()
                while time.perf_counter() < deadline[0]:
                    app.book(encode(course_booked(BENCH_TENANT, index, n, EMPLOYEES, prefix)))
                    n += 1
                    counted[index] += 1
            except BaseException as error:  # noqa: BLE001 - re-raised below
                errors.append(error)
                barrier.abort()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        begin = time.perf_counter()
        deadline[0] = begin + seconds
        go.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - begin
        if errors:
            raise errors[0]
        return sum(counted) / elapsed, sum(counted)

    async def close(self) -> None:
        await asyncio.to_thread(self.app.close)


async def compare(server: Server, name: str, clients: int, seconds: float, rounds: int,
                  *, durable: bool = True) -> dict[str, tuple[float, int, list[float]]]:
    """Rates of the three contenders on one fresh database, in alternating rounds (load drifts on a shared box)."""
    async with FreshDatabase(server, name) as url:
        dbname = url.rsplit("/", 1)[-1].split("?", 1)[0]
        if not durable:
            admin = await asyncpg.connect(server.url)
            try:
                await admin.execute(f"ALTER DATABASE {dbname} SET synchronous_commit = off")
            finally:
                await admin.close()
        contenders: list[Contender] = [Eduplan(url), RawAsyncpg(url), EventSourcingLibrary(es_env(server, dbname))]
        for c in contenders:
            await c.open()
        counted: dict[str, int] = {c.label: 0 for c in contenders}
        per_round: dict[str, list[float]] = {c.label: [] for c in contenders}
        try:
            for _ in range(rounds):
                for c in contenders:
                    rate, count = await c.rate(clients, seconds / rounds)
                    counted[c.label] += count
                    per_round[c.label].append(round(rate, 1))
        finally:
            for c in contenders:
                await c.close()
    # the rate over all rounds: messages counted / seconds measured
    return {label: (count / seconds, count, per_round[label]) for label, count in counted.items()}


async def run(server: Server, *, quick: bool, **_: Any) -> list[Row]:
    seconds, rounds = (4.0, 2) if quick else (12.0, 4)
    rows: list[Row] = []
    for durable in (True, False):
        for clients in (1, 8):
            got = await compare(server, f"intake{clients}{'' if durable else 'async'}", clients, seconds, rounds,
                                durable=durable)
            ours, raw, es = got["eduplan"], got["raw asyncpg"], got["eventsourcing"]
            who = f"{clients} client{'s' if clients > 1 else ''}"
            extra = {"messages": {k: v[1] for k, v in got.items()}, "seconds": seconds, "rounds": rounds,
                     "rates_per_round": {k: v[2] for k, v in got.items()}, "eduplan_log_prefilled_events": PREFILL,
                     "synchronous_commit": "on" if durable else "off"}
            if durable:
                rows.append(ratio_goal(Row(
                    benchmark=f"intake {who} vs raw asyncpg", figure=ours[0], unit="msg/s", reference=raw[0],
                    reference_label="raw asyncpg", goal="≥ 50 % of raw", extra=extra), 0.5))
                rows.append(ratio_goal(Row(
                    benchmark=f"intake {who} vs eventsourcing", figure=ours[0], unit="msg/s", reference=es[0],
                    reference_label="eventsourcing", goal="≥ 3× eventsourcing", extra=extra), 3.0))
            else:
                note = "diagnostic: synchronous_commit=off on this database only, so CPU, not WAL flush, bounds"
                rows.append(Row(benchmark=f"intake {who} vs raw, async commit", figure=ours[0], unit="msg/s",
                                reference=raw[0], reference_label="raw asyncpg", goal="(diagnostic)",
                                note=note, extra=extra))
                rows.append(Row(benchmark=f"intake {who} vs eventsourcing, async commit", figure=ours[0],
                                unit="msg/s", reference=es[0], reference_label="eventsourcing",
                                goal="(diagnostic)", note=note, extra=extra))
    return rows
