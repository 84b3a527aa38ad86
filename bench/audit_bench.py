"""Tamper evidence: what the hash chain costs the intake, and how fast `audit verify` reads a large tenant.

1. Intake rate with hashing vs without: ``Intake.submit`` of new bookings by 8 clients, in alternating
   rounds with the log's ``events_chain_hash`` trigger enabled and disabled (same database, same log
   size, so only the hashing differs). Goal: within 10 %. On a loaded machine the rounds swing more
   than that, so the trigger's own cost is also measured where client noise cannot hide it: the
   database time of single-row INSERTs into the log, run server-side, with and without it.
2. Verify rate vs the raw read of the same events: one tenant of EVENTS events (booking streams of four
   versions, written server-side through the trigger, with their outcomes) under one checkpoint;
   ``verify_tenant`` against (a) the events API's read (``EventStore.read_all`` pages, no decryption)
   and (b) a bare server-side cursor over the same rows with no processing at all. Goal: ≥ 50 % of (a).

    python -m bench.audit_bench [--url postgresql://…/postgres] [--events 100000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

import asyncpg

from bench.common import BENCH_TENANT, Server, register_employees
from bench.fill import _FILL_EVENTS, _FILL_OUTCOMES
from bench.intake_bench import EMPLOYEES, submit_rate
from infra.append_data import stream_lock_key

LARGE = "audit-large"
CHUNK = 100_000


async def intake_rates(url: str, seconds: float, rounds: int) -> tuple[float, float, float]:
    """Median rates with and without hashing, and the median of each round's ratio (rounds alternate
    which goes first, so a drift of the machine's load shows in both)."""
    from services.core.app import app_for_url

    app = await app_for_url(url, max_size=10)
    try:
        await register_employees(app.intake, BENCH_TENANT, EMPLOYEES)
        with_hash: list[float] = []
        without: list[float] = []
        for n in range(rounds):
            for hashing in (True, False) if n % 2 == 0 else (False, True):
                state = "ENABLE" if hashing else "DISABLE"
                await app.pool.execute(f"ALTER TABLE events {state} TRIGGER events_chain_hash")
                rate, _ = await submit_rate(app.intake, 8, seconds, f"{'h' if hashing else 'n'}{n}-")
                (with_hash if hashing else without).append(rate)
            print(f"  round {n + 1}: with hashing {with_hash[-1]:6.0f}, without {without[-1]:6.0f} messages/s"
                  f" ({100 * (with_hash[-1] / without[-1] - 1):+.1f} %)", flush=True)
        await app.pool.execute("ALTER TABLE events ENABLE TRIGGER events_chain_hash")
        ratios = [h / w for h, w in zip(with_hash, without, strict=True)]
        return statistics.median(with_hash), statistics.median(without), statistics.median(ratios)
    finally:
        await app.close()


_SINGLE_ROW_INSERTS = """
DO $$
BEGIN
    FOR i IN 1..{rows} LOOP
        INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data)
        VALUES ('trigger-cost', 'booking-t' || i, 1, 'CourseBooked', now(), 'trigger-' || i, 'hr-system:bench',
                '{{"booking_id": "t", "employee_id": "e-1", "booked_on": "2026-03-10", "starts_on": "2026-04-06",
                  "ends_on": "2026-04-10", "course": {{"title": "Welding, basic", "kind": "amu", "hours": 37}}}}');
    END LOOP;
END $$
"""


async def trigger_cost(url: str, rows: int = 2000, rounds: int = 5) -> tuple[float, float]:
    """Database time per single-row INSERT (µs, median of the rounds) with and without the hash trigger:
    ``rows`` statements run server-side (as the intake appends: one statement, here one event, at a time),
    rolled back afterwards."""
    conn = await asyncpg.connect(url)
    samples: dict[bool, list[float]] = {True: [], False: []}
    try:
        for n in range(rounds):
            for hashing in (True, False) if n % 2 == 0 else (False, True):
                await conn.execute(f"ALTER TABLE events {'ENABLE' if hashing else 'DISABLE'} TRIGGER events_chain_hash")
                tx = conn.transaction()
                await tx.start()
                await conn.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key("trigger", "cost"))
                begin = time.perf_counter()
                await conn.execute(_SINGLE_ROW_INSERTS.format(rows=rows))
                samples[hashing].append((time.perf_counter() - begin) / rows * 1e6)
                await tx.rollback()
        await conn.execute("ALTER TABLE events ENABLE TRIGGER events_chain_hash")
    finally:
        await conn.close()
    return statistics.median(samples[True]), statistics.median(samples[False])


async def fill_large(pool: asyncpg.Pool, events: int) -> None:
    fill_sql = _FILL_EVENTS.replace("'fill-' || ((g / 4) % 100)", f"'{LARGE}'")
    outcomes_sql = _FILL_OUTCOMES.replace("tenant LIKE 'fill-%'", f"tenant = '{LARGE}'")
    for start in range(0, events, CHUNK):
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key(LARGE, "bulk"))
            last = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
            await conn.execute(fill_sql, start, min(start + CHUNK, events))
            await conn.execute(outcomes_sql, last)
    await pool.execute("VACUUM ANALYZE events")
    await pool.execute("VACUUM ANALYZE outcomes")


async def read_rates(url: str, events: int) -> dict[str, float]:
    from services.core.app import app_for_url
    from services.core.audit import AuditKeys, verify_tenant, write_checkpoint

    app = await app_for_url(url, max_size=4)
    keys = AuditKeys(hmac_key=b"bench")
    try:
        begin = time.perf_counter()
        await fill_large(app.pool, events)
        print(f"  filled {events} events in {time.perf_counter() - begin:.1f} s", flush=True)
        begin = time.perf_counter()
        await write_checkpoint(app.pool, LARGE, keys)
        print(f"  first checkpoint over them in {time.perf_counter() - begin:.1f} s", flush=True)

        async def events_api() -> int:
            cursor, n = None, 0
            while True:
                page, cursor = await app.store.read_all(cursor, 1000, tenant=LARGE, decrypt=False)
                if not page:
                    return n
                n += len(page)

        async def bare_cursor() -> int:
            n = 0
            async with app.pool.acquire() as conn, conn.transaction(readonly=True):
                async for _ in conn.cursor(
                    "SELECT position, transaction_id::text, tenant, stream, version, type, occurred_at, recorded_at,"
                    " message_id, actor, data::text, schema_version, prev_hash, hash FROM events WHERE tenant = $1"
                    " ORDER BY transaction_id, position", LARGE, prefetch=5000):
                    n += 1
            return n

        async def verify() -> int:
            report = await verify_tenant(app.pool, LARGE, keys)
            assert report.as_json()["status"] == "intact", report.as_json()
            return report.events

        rates: dict[str, float] = {}
        for label, read in (("events API read", events_api), ("bare cursor read", bare_cursor), ("verify", verify)):
            samples = []
            for _ in range(2):
                begin = time.perf_counter()
                n = await read()
                samples.append(n / (time.perf_counter() - begin))
                assert n == events, (label, n)
            rates[label] = max(samples)
            print(f"  {label:17} {rates[label]:9.0f} events/s", flush=True)
        return rates
    finally:
        await app.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("EDUPLAN_BENCH_SERVER", "postgresql://postgres@127.0.0.1/postgres"),
                        help="a database on the server to use (a fresh database is made beside it, and dropped)")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from infra.logging import configure_logging

    configure_logging("WARNING")
    name = "audit_bench_" + uuid.uuid4().hex[:8]
    admin = await asyncpg.connect(args.url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = Server(args.url, "").url_for(name)
    try:
        print("1. intake with the hash chain vs without (8 clients, median of rounds)", flush=True)
        hashed, plain, ratio = await intake_rates(url, args.seconds, args.rounds)
        print(f"   with hashing {hashed:.0f} messages/s, without {plain:.0f} messages/s (medians);"
              f" median of the rounds' ratios {100 * (ratio - 1):+.1f} % (goal: within 10 %)")
        hashed_us, plain_us = await trigger_cost(url)
        print(f"   database time of a single-row INSERT into the log: {hashed_us:.1f} µs with the trigger,"
              f" {plain_us:.1f} µs without (+{hashed_us - plain_us:.1f} µs; the intake takes"
              f" {1e6 / plain:.0f} µs of wall time per message here, with 8 clients)")
        print(f"2. verify of one tenant with {args.events} events vs reading them", flush=True)
        rates = await read_rates(url, args.events)
        verify = rates["verify"]
        print(f"   verify {verify:.0f} events/s = {100 * verify / rates['events API read']:.0f} % of the events API"
              f" read, {100 * verify / rates['bare cursor read']:.0f} % of a bare cursor (goal: ≥ 50 % of the read)")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
