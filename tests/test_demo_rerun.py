"""`eduplan demo` run again on a later day, on the same database: the history already loaded is extended,
not contradicted — the earlier messages come again as duplicates, only the new days' messages are applied,
and no valid message is rejected."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import asyncpg

from services.simulator.demo_data import DEMO_START, generate

REPO = Path(__file__).resolve().parents[1]
FIRST_RUN = date(2026, 12, 3)
SECOND_RUN = FIRST_RUN + timedelta(days=14)
VALID_ID = re.compile(r".+-\d{7}")


def _demo(url: str, as_of: date) -> str:
    env = {**os.environ, "EDUPLAN_DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "services.doors.cli", "demo", "--no-serve", "--as-of", as_of.isoformat()],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


async def test_a_later_run_extends_the_history_already_loaded(database_url: str) -> None:
    _demo(database_url, FIRST_RUN)
    out = _demo(database_url, SECOND_RUN)
    assert f"Headline KPIs as of {SECOND_RUN.isoformat()}" in out

    valid = {(item["tenant"], item["message_id"]) for item in generate(start=DEMO_START, end=SECOND_RUN)
             if isinstance(item, dict) and VALID_ID.fullmatch(item["message_id"])}
    connection = await asyncpg.connect(database_url)
    try:
        events = await connection.fetchval("SELECT count(*) FROM events")
        valid_rejected = await connection.fetch(
            "SELECT tenant, message_id, reason, detail FROM outcomes"
            " WHERE status = 'rejected' AND message_id ~ '-[0-9]{7}$'")
        last = await connection.fetchval("SELECT max((occurred_at AT TIME ZONE 'UTC')::date) FROM events")
    finally:
        await connection.close()
    assert [dict(r) for r in valid_rejected] == []
    assert events == len(valid)  # each valid message of the longer history once, one event each
    assert last == SECOND_RUN
