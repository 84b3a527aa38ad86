"""Shared pieces of the benchmarks: the server and its throw-away databases, result rows, message builders."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import asyncpg

ENV_URL = "EDUPLAN_BENCH_DATABASE_URL"


# --- result rows ----------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a figure beside its reference measured in the same run."""

    benchmark: str
    figure: float | None
    unit: str
    reference: float | None = None
    reference_label: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.figure is None or not self.reference:
            return None
        return self.figure / self.reference

    def as_json(self) -> dict[str, Any]:
        body = asdict(self)
        body["ratio"] = self.ratio
        return body


def not_available(benchmark: str, why: str) -> Row:
    return Row(benchmark=benchmark, figure=None, unit="", goal="", met=None, note=f"not available: {why}")


def ratio_goal(row: Row, at_least: float) -> Row:
    """Mark ``row`` met when figure / reference ≥ at_least."""
    ratio = row.ratio
    row.met = None if ratio is None else ratio >= at_least
    return row


# --- the database server --------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server the benchmarks create their databases on (``url`` names its admin database)."""

    url: str
    label: str

    def url_for(self, dbname: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path="/" + dbname))

    def libpq_parts(self, dbname: str) -> dict[str, str]:
        """host, port, user, password and dbname, as separate settings (for psycopg-based references)."""
        parts = urlsplit(self.url)
        query = parse_qs(parts.query)
        host = parts.hostname or (query.get("host") or [""])[0] or "127.0.0.1"
        return {
            "host": unquote(host),
            "port": str(parts.port or (query.get("port") or ["5432"])[0]),
            "user": unquote(parts.username or (query.get("user") or ["postgres"])[0]),
            "password": unquote(parts.password or ""),
            "dbname": dbname,
        }

    async def version(self) -> str:
        conn = await asyncpg.connect(self.url)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()


def open_server(explicit: str | None, keep_dir: list[tempfile.TemporaryDirectory[str]]) -> Server:
    """--database-url, else $EDUPLAN_BENCH_DATABASE_URL, else an embedded PostgreSQL under a temp dir."""
    url = explicit or os.environ.get(ENV_URL)
    if url:
        return Server(url=url, label="given server")
    from infra.db import embedded_url
    from infra.settings import Settings

    tmp = tempfile.TemporaryDirectory(prefix="eduplan-bench-pg-")
    keep_dir.append(tmp)
    settings = replace(Settings.from_env(), database_url=None, data_dir=Path(tmp.name))
    return Server(url=embedded_url(settings), label=f"embedded PostgreSQL under {tmp.name}")


class FreshDatabase:
    """``async with FreshDatabase(server, "intake") as url:`` — CREATE DATABASE bench_intake_<random>, dropped after."""

    def __init__(self, server: Server, name: str, *, template: str | None = None, keep: bool = False) -> None:
        self.server = server
        self.dbname = f"bench_{name}_{secrets.token_hex(4)}"
        self.template = template
        self.keep = keep

    async def __aenter__(self) -> str:
        conn = await asyncpg.connect(self.server.url)
        try:
            template = ""
            if self.template:
                template = f" TEMPLATE {self.template}"
                if int(await conn.fetchval("SHOW server_version_num")) >= 150000:
                    template += " STRATEGY FILE_COPY"  # a file copy: much faster than WAL-logging every block
            await conn.execute(f"CREATE DATABASE {self.dbname}{template}")
        finally:
            await conn.close()
        return self.server.url_for(self.dbname)

    async def __aexit__(self, *exc: object) -> None:
        if not self.keep:
            await drop_database(self.server, self.dbname)


async def drop_database(server: Server, dbname: str) -> None:
    conn = await asyncpg.connect(server.url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    finally:
        await conn.close()


# --- timing ---------------------------------------------------------------------------------------


async def run_clients(
    clients: int, seconds: float, one: Callable[[int, int], Awaitable[None]], warmup: int = 20
) -> tuple[int, float]:
    """``clients`` tasks, each calling ``one(client, n)`` sequentially until ``seconds`` have passed.

    Each task first does ``warmup`` calls that are not counted. Returns (calls counted, elapsed seconds).
    """
    counted = [0] * clients
    ready = asyncio.Event()
    started = asyncio.Barrier(clients + 1)
    deadline = 0.0

    async def client(index: int) -> None:
        n = 0
        for _ in range(warmup):
            await one(index, n)
            n += 1
        await started.wait()
        await ready.wait()
        while time.perf_counter() < deadline:
            await one(index, n)
            n += 1
            counted[index] += 1

    tasks = [asyncio.create_task(client(i)) for i in range(clients)]
    try:
        await started.wait()
        begin = time.perf_counter()
        deadline = begin + seconds
        ready.set()
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    return sum(counted), time.perf_counter() - begin


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- messages -------------------------------------------------------------------------------------

BENCH_TENANT = "bench"


def employee_registered(tenant: str, index: int) -> dict[str, Any]:
    return {
        "message_id": f"reg-{index}",
        "tenant": tenant,
        "type": "EmployeeRegistered",
        "occurred_at": "2025-01-06T08:00:00Z",
        "actor": "hr-system:bench",
        "data": {
            "employee_id": f"e{index}",
            "name": f"Employee {index}",
            "department": f"d{index % 8}",
            "job_family": ("unskilled", "skilled", "professional", "manager")[index % 4],
            "hired_on": "2020-01-01",
        },
    }


def course_booked(tenant: str, client: int, n: int, employees: int, prefix: str = "b") -> dict[str, Any]:
    """A new booking for an existing employee: one message, one event on a new stream."""
    booking = f"{prefix}{client}-{n}"
    return {
        "message_id": f"msg-{booking}",
        "tenant": tenant,
        "type": "CourseBooked",
        "occurred_at": "2026-03-10T08:00:00Z",
        "actor": "hr-system:bench",
        "data": {
            "booking_id": booking,
            "employee_id": f"e{(client * 7919 + n) % employees}",
            "booked_on": "2026-03-10",
            "course": {"title": "Forklift certificate", "kind": "amu", "hours": 37, "code": "AMU-4711"},
            "starts_on": "2026-04-06",
            "ends_on": "2026-04-10",
        },
    }


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode()


async def register_employees(intake: Any, tenant: str, employees: int) -> None:
    for start in range(0, employees, 500):
        outcomes = await intake.submit_many(
            [encode(employee_registered(tenant, i)) for i in range(start, min(start + 500, employees))], "bench"
        )
        bad = [o for o in outcomes if o["status"] != "accepted"]
        if bad:
            raise RuntimeError(f"registering employees failed: {bad[0]}")
