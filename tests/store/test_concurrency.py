"""Concurrent writers on the same streams, and a follower reading the log while they write.

Guarantees under test (contract §1 and §3): every message exactly one outcome (the rest duplicates),
per stream versions 1..n without gaps, unique positions, and a cursor follower that sees every
committed event exactly once, each stream in version order, and the same order as a re-read.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from message_samples import check_in, company_with_bookings, envelope, knowledge_shared, read_everything, settled

from infra.append_data import stream_lock_key
from services.core.app import App, app_for_url
from services.core.intake import prepare

TENANT = "conc"
BOOKINGS = [f"b-{i}" for i in range(1, 6)]


def _repeatable(writer: int, index: int, message_id: str) -> dict[str, Any]:
    booking_id = BOOKINGS[(writer + index // 10) % len(BOOKINGS)]  # runs of ten on one booking
    day = f"2026-04-{1 + index % 28:02d}"
    if index % 97 == 13:  # a few rejections: a booking that does not exist
        return check_in("b-404", day, tenant=TENANT, message_id=message_id)
    if index % 2:
        return knowledge_shared(booking_id, day, tenant=TENANT, message_id=message_id)
    return check_in(booking_id, day, tenant=TENANT, message_id=message_id)


def _feeds(writers: int, per_writer: int, shared: int) -> list[list[dict[str, Any]]]:
    """Each writer's messages; every shared message id is sent by two different writers."""
    feeds = [[_repeatable(w, i, f"w{w}-{i}") for i in range(per_writer)] for w in range(writers)]
    for k in range(shared):
        msg = _repeatable(k, k, f"shared-{k}")
        for w in (k % writers, (k + 3) % writers):
            rng = random.Random(k * 31 + w)
            feeds[w].insert(rng.randrange(len(feeds[w]) + 1), dict(msg))
    return feeds


class Follower:
    """Reads the log with its cursor, checking each page as it comes."""

    def __init__(self, core: App, tenant: str | None = TENANT) -> None:
        self.core = core
        self.tenant = tenant
        self.order: list[int] = []
        self.positions: set[int] = set()
        self.versions: dict[str, int] = {}

    async def run(self, writers_done: asyncio.Event, expected: asyncio.Future[int], within: float = 90.0) -> None:
        cursor: str | None = None
        deadline = time.monotonic() + within
        while True:
            done = writers_done.is_set()
            page, cursor = await self.core.store.read_all(cursor, 250, tenant=self.tenant)
            for event in page:
                position, stream = event["position"], event["stream"]
                assert position not in self.positions, f"position {position} seen twice"
                self.positions.add(position)
                self.order.append(position)
                previous = self.versions.get(stream, 0)
                assert event["version"] == previous + 1, (
                    f"{stream}: version {event['version']} after {previous} (out of order or a gap)"
                )
                self.versions[stream] = event["version"]
            if not page:
                if done and expected.done() and len(self.order) >= expected.result():
                    return
                assert time.monotonic() < deadline, f"follower stuck at {len(self.order)} events"
                await asyncio.sleep(0.002)


async def _check_log(database_url: str) -> tuple[int, dict[str, int]]:
    """Per stream versions 1..n, unique positions; returns (events, versions per stream)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT stream, array_agg(version ORDER BY version) AS versions FROM events"
            " WHERE tenant = $1 GROUP BY stream",
            TENANT,
        )
        for row in rows:
            assert list(row["versions"]) == list(range(1, len(row["versions"]) + 1)), row["stream"]
        total = await conn.fetchval("SELECT count(*) FROM events WHERE tenant = $1", TENANT)
        assert await conn.fetchval("SELECT count(DISTINCT position) FROM events") == total
        per_id = await conn.fetch(
            "SELECT message_id, count(*) AS n FROM outcomes WHERE tenant = $1 GROUP BY message_id HAVING count(*) > 1",
            TENANT,
        )
        assert per_id == []
        return total, {row["stream"]: len(row["versions"]) for row in rows}
    finally:
        await conn.close()


def _check_outcomes(
    feeds: list[list[dict[str, Any]]], results: list[list[dict[str, Any]]]
) -> tuple[dict[str, dict[str, Any]], int]:
    """Every message exactly one outcome; per message id exactly one accepted-or-rejected."""
    firsts: dict[str, dict[str, Any]] = {}
    duplicates: list[dict[str, Any]] = []
    sent = Counter()
    for feed, outcomes in zip(feeds, results, strict=True):
        assert len(outcomes) == len(feed)
        for msg, outcome in zip(feed, outcomes, strict=True):
            sent[msg["message_id"]] += 1
            assert outcome["message_id"] == msg["message_id"]
            assert outcome["tenant"] == TENANT
            if outcome["status"] == "duplicate":
                duplicates.append(outcome)
            else:
                assert outcome["status"] in ("accepted", "rejected")
                assert msg["message_id"] not in firsts, f"{msg['message_id']} decided twice"
                # as stored: `line` is where this ingest run read it, not part of the outcome
                firsts[msg["message_id"]] = {k: v for k, v in outcome.items() if k != "line"}
    assert set(firsts) == set(sent)
    for dup in duplicates:
        assert dup["first"] == firsts[dup["message_id"]]
    assert len(duplicates) == sum(n - 1 for n in sent.values())
    for message_id, outcome in firsts.items():
        if outcome["status"] == "rejected":
            assert outcome["reason"] == "unknown_booking", (message_id, outcome)
    return firsts, len(duplicates)


async def _set_up(core: App) -> None:
    outcomes = await core.intake.submit_many(company_with_bookings(len(BOOKINGS), tenant=TENANT), door="test")
    assert {o["status"] for o in outcomes} == {"accepted"}


async def _final_checks(
    core: App, database_url: str, follower: Follower, firsts: dict[str, dict[str, Any]], duplicates: int
) -> None:
    total, per_stream = await _check_log(database_url)
    accepted = [o for o in firsts.values() if o["status"] == "accepted"]
    setup = 2 * len(BOOKINGS)
    assert total == setup + len(accepted)
    assert sum(per_stream[f"booking-{b}"] - 1 for b in BOOKINGS) == len(accepted)

    await settled(core)
    log = await read_everything(core, tenant=TENANT)
    assert follower.order == [e["position"] for e in log]  # the same set, in the same order
    assert len(follower.positions) == total
    assert follower.versions == per_stream

    by_message = {e["message_id"]: e for e in log}
    for outcome in accepted:
        [ref] = outcome["events"]
        event = by_message[outcome["message_id"]]
        assert ref == {"stream": event["stream"], "version": event["version"], "position": event["position"]}

    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM duplicates WHERE tenant = $1", TENANT) == duplicates
        assert await conn.fetchval("SELECT count(*) FROM outcomes WHERE tenant = $1", TENANT) == len(firsts) + setup
    finally:
        await conn.close()


async def test_eight_concurrent_writers_on_the_same_streams_with_a_follower(database_url: str) -> None:
    writers, per_writer, shared = 8, 350, 90
    feeds = _feeds(writers, per_writer, shared)
    assert sum(len(f) for f in feeds) == writers * per_writer + 2 * shared  # 2,980 messages

    reader = await app_for_url(database_url, max_size=3)
    cores = [await app_for_url(database_url, max_size=2) for _ in range(writers)]
    try:
        await _set_up(reader)
        writers_done = asyncio.Event()
        expected: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        follower = Follower(reader)
        follow = asyncio.create_task(follower.run(writers_done, expected))

        async def write(index: int) -> list[dict[str, Any]]:
            rng = random.Random(index)
            feed, out, at = feeds[index], [], 0
            while at < len(feed):
                size = rng.choice((1, 1, 2, 5, 10, 20))
                batch = [prepare(m) for m in feed[at:at + size]]
                out += await cores[index].intake.process(batch, door="test")
                at += size
            return out

        try:
            results = await asyncio.gather(*(write(i) for i in range(writers)))
        finally:
            writers_done.set()
        firsts, duplicates = _check_outcomes(feeds, results)
        accepted = sum(1 for o in firsts.values() if o["status"] == "accepted")
        expected.set_result(2 * len(BOOKINGS) + accepted)
        await follow
        await _final_checks(reader, database_url, follower, firsts, duplicates)
    finally:
        for core in cores:
            await core.close()
        await reader.close()


def _eduplan() -> list[str]:
    script = Path(sys.executable).with_name("eduplan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.doors.cli"]


async def test_concurrent_ingest_processes_with_a_follower(database_url: str, tmp_path: Path) -> None:
    processes, per_process, shared = 4, 300, 40
    feeds = _feeds(processes, per_process, shared)
    files = []
    for index, feed in enumerate(feeds):
        path = tmp_path / f"feed-{index}.jsonl"
        path.write_text("".join(json.dumps(m) + "\n" for m in feed), encoding="utf-8")
        files.append(path)

    reader = await app_for_url(database_url, max_size=3)
    try:
        await _set_up(reader)
        env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data")}
        writers_done = asyncio.Event()
        expected: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        follower = Follower(reader)
        follow = asyncio.create_task(follower.run(writers_done, expected, within=120.0))

        async def ingest(path: Path) -> list[dict[str, Any]]:
            proc = await asyncio.create_subprocess_exec(
                *_eduplan(), "ingest", "--json", "--batch-size", "15", str(path),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
            )
            out, err = await proc.communicate()
            assert proc.returncode == 0, err.decode()
            return [json.loads(line) for line in out.decode().splitlines()]

        try:
            results = await asyncio.gather(*(ingest(p) for p in files))
        finally:
            writers_done.set()
        firsts, duplicates = _check_outcomes(feeds, results)
        accepted = sum(1 for o in firsts.values() if o["status"] == "accepted")
        expected.set_result(2 * len(BOOKINGS) + accepted)
        await follow
        await _final_checks(reader, database_url, follower, firsts, duplicates)
    finally:
        await reader.close()


@pytest.mark.parametrize("kind", ["accepted", "other_stream", "rejected"])
async def test_the_same_message_id_from_two_tasks_at_once(database_url: str, kind: str) -> None:
    one = await app_for_url(database_url, max_size=2)
    two = await app_for_url(database_url, max_size=2)
    try:
        await one.intake.submit_many(company_with_bookings(2, tenant=TENANT), door="test")
        for round_ in range(25):
            message_id = f"race-{kind}-{round_}"
            if kind == "accepted":
                a = b = check_in("b-1", tenant=TENANT, message_id=message_id)
            elif kind == "other_stream":  # different locks: only the idempotency key collides
                a = check_in("b-1", tenant=TENANT, message_id=message_id)
                b = knowledge_shared("b-2", tenant=TENANT, message_id=message_id)
            else:
                a = b = check_in("b-404", tenant=TENANT, message_id=message_id)
            left, right = await asyncio.gather(one.intake.submit(a, door="test"), two.intake.submit(b, door="test"))
            statuses = sorted([left["status"], right["status"]])
            decided = "rejected" if kind == "rejected" else "accepted"
            assert statuses == sorted([decided, "duplicate"]), (left, right)
            first, dup = (left, right) if right["status"] == "duplicate" else (right, left)
            assert dup["first"] == first
        conn = await asyncpg.connect(database_url)
        try:
            appended = await conn.fetchval(
                "SELECT count(*) FROM events WHERE message_id LIKE 'race-%'"
            )
            assert appended == (0 if kind == "rejected" else 25)
            assert await conn.fetchval("SELECT count(*) FROM outcomes WHERE message_id LIKE 'race-%'") == 25
            assert await conn.fetchval("SELECT count(*) FROM duplicates WHERE message_id LIKE 'race-%'") == 25
        finally:
            await conn.close()
        for stream in ("booking-b-1", "booking-b-2"):
            versions = [e["version"] for e in await one.store.read_stream(TENANT, stream)]
            assert versions == list(range(1, len(versions) + 1))
    finally:
        await one.close()
        await two.close()


async def test_a_follower_never_passes_a_transaction_still_running(app: App, database_url: str) -> None:
    """An open transaction that took a position early must not be skipped when it commits late."""
    await app.intake.submit_many(company_with_bookings(1, tenant=TENANT), door="test")
    await settled(app)
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("BEGIN")
        await conn.execute("SELECT pg_advisory_xact_lock($1)", stream_lock_key(TENANT, "booking-late"))
        early = await conn.fetchval(
            "INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, data)"
            " VALUES ($1, 'booking-late', 1, 'ManagerCheckInHeld', now(), 'late-1', '{}'::jsonb) RETURNING position",
            TENANT,
        )
        done = await app.intake.submit(envelope("DepartmentRegistered", {"department": "x", "name": "X"},
                                                tenant=TENANT), door="test")
        assert done["events"][0]["position"] > early
        page, cursor = await app.store.read_all(None, 100, tenant=TENANT)
        assert early not in [e["position"] for e in page]
        assert done["events"][0]["position"] not in [e["position"] for e in page]  # held back behind it
        await conn.execute("COMMIT")
    finally:
        await conn.close()
    await settled(app)
    rest, _ = await app.store.read_all(cursor, 100, tenant=TENANT)
    assert [e["position"] for e in rest] == [early, done["events"][0]["position"]]


async def test_a_transaction_in_another_database_does_not_hold_back_readers(app: App, pg_server_url: str) -> None:
    """Readers of this log wait for writers of this log, not for unrelated work elsewhere on the server."""
    await settled(app)
    elsewhere = await asyncpg.connect(pg_server_url)
    try:
        await elsewhere.execute("BEGIN")
        await elsewhere.fetchval("SELECT pg_current_xact_id()")  # holds a transaction id, like any open write
        done = await app.intake.submit(envelope("DepartmentRegistered", {"department": "x", "name": "X"},
                                                tenant=TENANT), door="test")
        assert done["status"] == "accepted"
        page, _ = await app.store.read_all(None, 100, tenant=TENANT)
        assert [e["position"] for e in page] == [done["events"][0]["position"]], (
            "an accepted event is hidden from readers while a transaction in another database is open"
        )
    finally:
        await elsewhere.execute("ROLLBACK")
        await elsewhere.close()
