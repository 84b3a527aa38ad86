"""A small signed history, and tampering with it the way someone with database access would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
from message_samples import TENANT, booking, completed, department, employee, envelope, review

from services.core.app import App, app_for_url
from services.core.audit import AuditKeys, write_checkpoint

KEY = AuditKeys(hmac_key=b"the audit key of acme")


def history() -> list[dict[str, Any]]:
    return [
        department("rd"),
        employee("e-1", name="Karoline Østergaard-Hansen"),
        employee("e-2"),
        employee("e-3"),
        review("e-1", notes="Wants refrigeration"),
        booking("b-1", "e-1"),
        booking("b-2", "e-2"),
        completed("b-1"),
        envelope("ManagerCheckInHeld", {"booking_id": "b-2", "held_on": "2026-04-08"}),
        review("e-2", notes="Forklift"),
        envelope("CourseBooked", {"booking_id": "b-3", "employee_id": "e-3", "booked_on": "2026-03-10",
                                   "course": {"title": "Kølemontør – \"grundlæggende\"\tdel 1 ✓", "kind": "amu",
                                              "hours": 37.5},
                                   "starts_on": "2026-04-06", "ends_on": "2026-04-10"}),
        completed("b-2"),
    ]


async def signed_log(url: str, keys: AuditKeys = KEY) -> App:
    """An app whose tenant has the history above, all of it under one checkpoint."""
    app = await app_for_url(url)
    for message in history():  # one append (one transaction) each
        outcome = await app.intake.submit(message, door="test")
        assert outcome["status"] == "accepted", outcome
    assert await write_checkpoint(app.pool, TENANT, keys) is not None
    return app


async def rows(url: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch("SELECT * FROM events WHERE tenant = $1 ORDER BY transaction_id, position", TENANT)
    finally:
        await conn.close()


async def tamper(url: str, *statements: str, args: tuple[Any, ...] = ()) -> None:
    """Run statements past every trigger, as a superuser could (the triggers do not fire for replicas).
    ``args`` go to every statement that has parameters."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for statement in statements:
                await conn.execute(statement, *args) if "$" in statement else await conn.execute(statement)
    finally:
        await conn.close()


_COLUMNS = ("tenant, stream, version, type, occurred_at, recorded_at, message_id, actor, data, schema_version,"
            " prev_hash, hash")


async def swap(url: str, first: int, second: int, *, transaction_ids_stay: bool = False,
               hashes_stay: bool = False) -> None:
    """Exchange two rows of the log: each one's content now stands at the other's position (with its own
    transaction id, or with the one of the place it moved to; with its own hashes, or the place's)."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute(
                "CREATE TEMP TABLE moved ON COMMIT DROP AS SELECT position AS was, * FROM events"
                " WHERE position IN ($1, $2)", first, second)
            await conn.execute("DELETE FROM events WHERE position IN ($1, $2)", first, second)
            await conn.execute(
                f"INSERT INTO events (position, transaction_id, {_COLUMNS}) OVERRIDING SYSTEM VALUE"
                f" SELECT CASE was WHEN $1 THEN $2::bigint ELSE $1::bigint END,"
                f" CASE WHEN $3 THEN (SELECT o.transaction_id FROM moved AS o WHERE o.was <> m.was)"
                f" ELSE m.transaction_id END, {_COLUMNS} FROM moved AS m",
                first, second, transaction_ids_stay or hashes_stay)
            if hashes_stay:
                await conn.execute(
                    "UPDATE events AS e SET prev_hash = m.prev_hash, hash = m.hash FROM moved AS m"
                    " WHERE e.position = m.was")
    finally:
        await conn.close()


def run(database_url: str, tmp_path: Path, *args: str, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """The `eduplan` command in its own process, without any audit key unless ``env`` gives one."""
    script = Path(sys.executable).with_name("eduplan")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "services.doors.cli"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("EDUPLAN_AUDIT_", "EDUPLAN_KAFKA_"))}
    environment.update({"EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data"),
                        "COLUMNS": "200", **(env or {})})
    return subprocess.run([*command, *args], capture_output=True, env=environment, timeout=timeout, check=False)
