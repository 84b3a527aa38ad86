"""Shared tools of the fault-injection tests: eduplan processes to start and kill, and checks on the log.

Every process started here is recorded in a :class:`Processes` registry and killed (by its pid) at the
end of the test that started it, so a failing test never leaves a writer or runner behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from domain.decider import PERSONAL_FIELDS
from domain.errors import Reason
from services.core.intake import prepare

REASONS = frozenset(reason.value for reason in Reason)
STATUSES = frozenset({"accepted", "duplicate", "rejected"})


def eduplan_command() -> list[str]:
    """The installed ``eduplan`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("eduplan")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "services.doors.cli"]


def eduplan_env(database_url: str, **extra: str | None) -> dict[str, str]:
    """The environment of an eduplan process on ``database_url``: no terminal output, no Kafka unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDUPLAN_")}
    env["EDUPLAN_DATABASE_URL"] = database_url
    env["EDUPLAN_LOG_LEVEL"] = "WARNING"
    env["PYTHONUNBUFFERED"] = "1"
    for key, value in extra.items():
        if value is not None:
            env[key] = value
    return env


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self, limit: int = 4000) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return text[-limit:]


class Processes:
    """Starts eduplan commands (or any argv), remembers them, and ends them all at teardown."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[Started] = []
        self._count = 0

    def start(self, argv: Sequence[str], env: dict[str, str], name: str) -> Started:
        self._count += 1
        log = self.workdir / f"{self._count:03d}-{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(list(argv), env=env, stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT, cwd=str(self.workdir))
        started = Started(name, process, log)
        self.started.append(started)
        return started

    def eduplan(self, args: Sequence[str], env: dict[str, str], name: str | None = None) -> Started:
        return self.start([*eduplan_command(), *args], env, name or args[0])

    def end_all(self) -> None:
        for started in self.started:
            if started.running():
                kill(started)
            try:
                started.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def kill(started: Started) -> None:
    """SIGKILL, by the process's own pid."""
    try:
        os.kill(started.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    started.process.wait(timeout=10)


def terminate(started: Started, timeout: float = 20.0) -> int:
    """SIGTERM and wait; SIGKILL when it does not stop in time. The exit code."""
    if started.running():
        os.kill(started.pid, signal.SIGTERM)
    try:
        return started.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(started)
        raise AssertionError(f"{started.name} did not stop within {timeout} s of SIGTERM") from None


async def wait_exit(started: Started, within: float) -> int:
    """Wait (without blocking the event loop) for the process to end; fail after ``within`` s."""
    deadline = time.monotonic() + within
    while started.process.poll() is None:
        if time.monotonic() >= deadline:
            kill(started)
            raise AssertionError(f"{started.name} did not finish within {within} s:\n{started.output()}")
        await asyncio.sleep(0.05)
    return started.process.returncode


async def run_for(started: Started, seconds: float) -> bool:
    """Let the process run for ``seconds`` (or until it ends); whether it is still running."""
    deadline = time.monotonic() + seconds
    while started.running():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True
        await asyncio.sleep(min(0.01, remaining))
    return False


async def run_eduplan(processes: Processes, args: Sequence[str], env: dict[str, str], within: float) -> Started:
    """Run an eduplan command to its end; it must exit 0."""
    started = processes.eduplan(args, env)
    code = await wait_exit(started, within)
    assert code == 0, f"eduplan {' '.join(args)} exited {code}:\n{started.output()}"
    return started


# --- feeds ---------------------------------------------------------------------------------------


def write_feed(path: Path, **kwargs: Any) -> int:
    from services.simulator.demo_data import write_jsonl

    return write_jsonl(path, **kwargs)


def feed_lines(path: Path) -> list[bytes]:
    return [line.rstrip(b"\r\n") for line in path.read_bytes().splitlines() if line.strip()]


def feed_keys(lines: Iterable[bytes]) -> tuple[set[tuple[str, str]], int]:
    """The (tenant, message_id) pairs the intake can read, and the count of lines without one."""
    keys: set[tuple[str, str]] = set()
    anonymous = 0
    for line in lines:
        key = prepare(line).key
        if key is None:
            anonymous += 1
        else:
            keys.add(key)
    return keys, anonymous


# --- what is stored --------------------------------------------------------------------------------


def _without_personal(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    personal = PERSONAL_FIELDS.get(event_type, ())
    return {k: v for k, v in data.items() if k not in personal}


async def log_signature(conn: asyncpg.Connection) -> Counter[tuple[Any, ...]]:
    """The log as a multiset of (tenant, message_id, stream, version, type, occurred_at, actor, data
    without personal fields, schema_version); positions and record times are left out."""
    rows = await conn.fetch(
        "SELECT tenant, message_id, stream, version, type, occurred_at, actor, data::text AS data,"
        " schema_version FROM events"
    )
    return Counter(
        (r["tenant"], r["message_id"], r["stream"], r["version"], r["type"], r["occurred_at"], r["actor"],
         json.dumps(_without_personal(r["type"], json.loads(r["data"])), sort_keys=True), r["schema_version"])
        for r in rows
    )


async def outcome_signature(conn: asyncpg.Connection) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Per readable (tenant, message_id): status, reason, detail, type of its one stored outcome."""
    rows = await conn.fetch(
        "SELECT tenant, message_id, status, reason, detail, message_type FROM outcomes"
        " WHERE tenant IS NOT NULL AND message_id IS NOT NULL"
    )
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    for r in rows:
        key = (r["tenant"], r["message_id"])
        assert key not in found, f"two outcome rows for {key}"
        found[key] = (r["status"], r["reason"], r["detail"], r["message_type"])
    return found


async def assert_log_invariants(conn: asyncpg.Connection) -> int:
    """Contract §3 and §1 on what is stored; the number of events."""
    twice = await conn.fetch(
        "SELECT tenant, message_id, count(*) AS n FROM events GROUP BY 1, 2 HAVING count(*) > 1 LIMIT 5"
    )
    assert not twice, f"messages with more than one event: {[tuple(r) for r in twice]}"
    gaps = await conn.fetch(
        "SELECT tenant, stream, count(*) AS n, min(version) AS lo, max(version) AS hi FROM events"
        " GROUP BY 1, 2 HAVING min(version) <> 1 OR max(version) <> count(*) LIMIT 5"
    )
    assert not gaps, f"streams whose versions are not 1..n: {[tuple(r) for r in gaps]}"
    # An accepted outcome lists exactly the events of its message; a rejected one has none.
    mismatched = await conn.fetch(
        """
        WITH actual AS (
            SELECT tenant, message_id,
                   jsonb_agg(jsonb_build_object('stream', stream, 'version', version, 'position', position)
                             ORDER BY position) AS actual
            FROM events GROUP BY tenant, message_id
        ), listed AS (
            SELECT o.tenant, o.message_id, o.status, coalesce(a.actual, '[]'::jsonb) AS actual,
                   coalesce(o.events, '[]'::jsonb) AS claimed
            FROM outcomes o LEFT JOIN actual a ON a.tenant = o.tenant AND a.message_id = o.message_id
            WHERE o.tenant IS NOT NULL AND o.message_id IS NOT NULL
        )
        SELECT tenant, message_id, status, actual::text, claimed::text FROM listed
        WHERE (status = 'accepted' AND (actual <> claimed OR actual = '[]'::jsonb))
           OR (status = 'rejected' AND actual <> '[]'::jsonb)
        LIMIT 5
        """
    )
    assert not mismatched, f"outcomes that do not match the log: {[tuple(r) for r in mismatched]}"
    orphans = await conn.fetch(
        "SELECT e.tenant, e.message_id FROM events e LEFT JOIN outcomes o"
        " ON o.tenant = e.tenant AND o.message_id = e.message_id AND o.status = 'accepted'"
        " WHERE o.id IS NULL LIMIT 5"
    )
    assert not orphans, f"events without an accepted outcome: {[tuple(r) for r in orphans]}"
    return int(await conn.fetchval("SELECT count(*) FROM events"))


async def assert_one_outcome_each(conn: asyncpg.Connection, keys: set[tuple[str, str]], anonymous: int) -> None:
    """Every readable message id has exactly one outcome row; no outcome for an id not sent; lines
    without readable ids (no idempotency, contract §1) have at least one row each."""
    rows = await conn.fetch(
        "SELECT tenant, message_id, count(*) AS n FROM outcomes"
        " WHERE tenant IS NOT NULL AND message_id IS NOT NULL GROUP BY 1, 2"
    )
    counts = {(r["tenant"], r["message_id"]): r["n"] for r in rows}
    several = {k: n for k, n in counts.items() if n != 1}
    assert not several, f"message ids with more than one outcome: {list(several.items())[:5]}"
    missing = keys - counts.keys()
    assert not missing, f"{len(missing)} message ids without an outcome, e.g. {sorted(missing)[:5]}"
    extra = counts.keys() - keys
    assert not extra, f"outcomes for message ids never sent: {sorted(extra)[:5]}"
    unnamed = await conn.fetchval("SELECT count(*) FROM outcomes WHERE tenant IS NULL OR message_id IS NULL")
    assert unnamed >= anonymous, f"{anonymous} lines without readable ids, but only {unnamed} such outcomes"


async def assert_same_log(crashed_url: str, clean_url: str) -> int:
    """The log and the outcomes of ``crashed_url`` equal those of ``clean_url``; the number of events."""
    a = await asyncpg.connect(crashed_url)
    b = await asyncpg.connect(clean_url)
    try:
        log_a, log_b = await log_signature(a), await log_signature(b)
        only_a, only_b = log_a - log_b, log_b - log_a
        assert not only_a and not only_b, (
            f"logs differ: {sum(only_a.values())} events only after the faults (e.g. {list(only_a)[:3]}),"
            f" {sum(only_b.values())} only in the clean run (e.g. {list(only_b)[:3]})"
        )
        out_a, out_b = await outcome_signature(a), await outcome_signature(b)
        differing = [k for k in out_a.keys() | out_b.keys() if out_a.get(k) != out_b.get(k)]
        assert not differing, (
            f"{len(differing)} outcomes differ, e.g. "
            + "; ".join(f"{k}: {out_a.get(k)} vs clean {out_b.get(k)}" for k in sorted(differing)[:3])
        )
        return sum(log_a.values())
    finally:
        await a.close()
        await b.close()


async def count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()
