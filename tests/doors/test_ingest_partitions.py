"""`eduplan ingest` with its tenants shared among processes (services/core/ingest_partitions.py), on a real
PostgreSQL: the same outcomes and the same log as one process, and no process left behind."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import psutil
import pytest

from infra.settings import Settings
from services.core.app import app_for_url
from services.core.checks import prepare
from services.core.ingest import IngestCounts, ingest_stream
from services.core.ingest_partitions import partition_of
from services.simulator.demo_data import generate

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _feed() -> bytes:
    """Several tenants interleaved, the generator's bad messages, repeated messages (duplicates, one of them
    sent twice in a row), lines that are no message, and blank lines."""
    lines = [item if isinstance(item, str) else _dumps(item)
             for item in generate(seed=5, tenants=5, employees=12, years=1)]
    assert len({json.loads(line)["tenant"] for line in lines if line.startswith("{\"")}) >= 4
    lines[40:40] = [lines[10], lines[10], "not json at all", "", "[1, 2]", '{"tenant": "ok-tenant"}', "   "]
    lines += lines[100:160]
    return ("\n".join(lines) + "\n").encode()


def _without_positions(outcome: dict[str, Any]) -> dict[str, Any]:
    """Positions in the log are handed out in commit order, which concurrent appends make a matter of timing."""
    same = dict(outcome)
    if "events" in same:
        same["events"] = [{k: v for k, v in ref.items() if k != "position"} for ref in same["events"]]
    if "first" in same:
        same["first"] = _without_positions(same["first"])
    return same


async def _ingest(url: str, feed: bytes, processes: int, **kwargs: Any) -> tuple[IngestCounts, list[dict[str, Any]]]:
    app = await app_for_url(url, max_size=6)
    outcomes: list[dict[str, Any]] = []
    try:
        settings = dataclasses.replace(app.settings, database_url=url)
        counts = await ingest_stream(app.intake, io.BytesIO(feed), processes=processes, settings=settings,
                                     small_input_lines=0, batch_size=20, on_outcome=outcomes.append, **kwargs)
    finally:
        await app.close()
    return counts, outcomes


def _unsealed(data: str) -> dict[str, Any]:
    """An event's data with the ciphertext of its personal fields left out (sealed under fresh keys and nonces)."""
    return {key: ({k: v for k, v in value.items() if k != "ct"} if isinstance(value, dict) and "$enc" in value
                  else value) for key, value in json.loads(data).items()}


async def _log(url: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tenant, stream, version, type, message_id, data::text FROM events"
                                " ORDER BY tenant, stream, version")
        outcomes = await conn.fetch("SELECT tenant, message_id, status, reason, detail FROM outcomes"
                                    " ORDER BY tenant NULLS FIRST, message_id NULLS FIRST, status, detail")
    finally:
        await conn.close()
    return [(*row[:-1], _unsealed(row[-1])) for row in rows] + [tuple(row) for row in outcomes]


async def test_outcomes_and_log_are_those_of_one_process(
    database_url: str, another_database: Callable[[], Awaitable[str]]
) -> None:
    feed = _feed()
    alone_url = await another_database()
    alone_counts, alone = await _ingest(alone_url, feed, processes=1)
    shared_counts, shared = await _ingest(database_url, feed, processes=3)

    assert [_without_positions(o) for o in shared] == [_without_positions(o) for o in alone]
    assert [o["line"] for o in shared] == sorted(o["line"] for o in shared)
    assert {"accepted", "duplicate", "rejected"} <= {o["status"] for o in shared}
    assert any(o["status"] == "rejected" and o["tenant"] is None for o in shared)
    assert (shared_counts.summary(), shared_counts.by_tenant) == (alone_counts.summary(), alone_counts.by_tenant)
    assert await _log(database_url) == await _log(alone_url)
    # the feed really was shared: more than one partition got tenants
    tenants = {o["tenant"] for o in shared if o["tenant"]}
    assert len({partition_of(f'{{"tenant":"{t}"}}'.encode(), 3) for t in tenants}) > 1


def test_a_line_goes_to_the_partition_of_the_tenant_the_intake_reads() -> None:
    lines = [b'{"tenant": "acme", "tenant": "acme-2", "message_id": "m"}',  # the last one counts, as in json
             b'\xef\xbb\xbf{"tenant": "acme-2"}',  # a byte order mark: json reads it, orjson does not
             b'{"tenant": "acme-2", "n": NaN}', b'{"tenant": "acme-2", "n": 123456789012345678901234567890}',
             b'{"tenant": "Not-Valid"}', b'{"tenant": "acme-2", "x": "\\ud800"}', b"[]", b"{", b"\xff"]
    for line in lines:
        expected = prepare(line).tenant
        read_as = _dumps({"tenant": expected}).encode() if expected else b""
        assert partition_of(line, 7) == partition_of(read_as, 7), line


def _children() -> list[psutil.Process]:
    """This process's children but multiprocessing's resource tracker (started once, it lives as long as we do)."""
    return [child for child in psutil.Process().children(recursive=True) if not _is_resource_tracker(child)]


def _is_resource_tracker(process: psutil.Process) -> bool:
    try:
        return "resource_tracker" in " ".join(process.cmdline())
    except psutil.Error:  # already gone, or a zombie
        return False


async def test_no_process_is_left_after_an_ingest_or_after_an_error(database_url: str) -> None:
    feed = _feed()
    seen: set[int] = set()
    counts, outcomes = await _ingest(database_url, feed, processes=2,
                                     on_progress=lambda size: seen.update(p.pid for p in _children()))
    assert counts.total == len(outcomes) > 0
    assert seen, "no partition process was started"
    assert not [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]

    class Closed(Exception):
        pass

    def closed_pipe(outcome: dict[str, Any]) -> None:
        seen.update(p.pid for p in _children())
        if outcome["line"] > 50:
            raise Closed

    seen.clear()
    app = await app_for_url(database_url, max_size=6)
    try:
        settings = dataclasses.replace(app.settings, database_url=database_url)
        with pytest.raises(Closed):
            await ingest_stream(app.intake, io.BytesIO(feed), processes=2, settings=settings, small_input_lines=0,
                                batch_size=20, on_outcome=closed_pipe)
    finally:
        await app.close()
    assert seen
    assert not [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]


async def test_a_lost_database_in_a_partition_process_ends_the_ingest_with_its_error(database_url: str) -> None:
    app = await app_for_url(database_url, max_size=6)
    try:
        unreachable = dataclasses.replace(Settings.from_env(), database_url="postgresql://nobody@127.0.0.1:9/none")
        with pytest.raises(RuntimeError, match="ingest process 1 failed"):
            await ingest_stream(app.intake, io.BytesIO(_feed()), processes=2, settings=unreachable,
                                small_input_lines=0)
    finally:
        await app.close()
    assert not [p for p in _children() if p.status() != "zombie"]


_KILLED_SCRIPT = """
import asyncio, dataclasses, io, sys
from services.core.app import app_for_url
from services.core.ingest import ingest_stream

async def main(url, path):
    app = await app_for_url(url, max_size=6)
    settings = dataclasses.replace(app.settings, database_url=url)
    lines = open(path, "rb").read() * 50
    def started(outcome):
        print("running", flush=True)
    await ingest_stream(app.intake, io.BytesIO(lines), processes=3, settings=settings, small_input_lines=0,
                        batch_size=20, on_outcome=started)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_partition_processes_die_with_a_killed_ingest(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(_feed())
    command = subprocess.Popen([sys.executable, "-c", _KILLED_SCRIPT, database_url, str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env={**os.environ, "EDUPLAN_LOG_LEVEL": "WARNING"})
    try:
        assert command.stdout is not None
        line = command.stdout.readline()
        while line and line != b"running\n":  # the log of the schema's migrations comes first
            line = command.stdout.readline()
        assert line == b"running\n"
        partitions = psutil.Process(command.pid).children(recursive=True)
        assert len(partitions) >= 2
        os.kill(command.pid, signal.SIGKILL)
        command.wait()
        gone, alive = psutil.wait_procs(partitions, timeout=20)
        assert alive == [], f"left running after the ingest was killed: {alive}"
    finally:
        if command.poll() is None:
            command.kill()
        command.wait()
