"""The dashboard's figures come from the projections through ``services.core.reads``: no code of the
dashboard reads the event log (or any table) itself. Scans the source of every dashboard module and template."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = [
    *sorted((REPO / "services" / "doors").glob("dashboard*/**/*.py")),
    *sorted((REPO / "services" / "doors").glob("dashboard*/**/*.html")),
    REPO / "services" / "doors" / "http" / "dashboard.py",
]

# SQL that names the log, and any way of running SQL at all.
OVER_EVENTS = re.compile(r"\b(from|join|into|update|table)\s+(\w+\.)?\"?events\"?\b", re.IGNORECASE)
RUNS_SQL = re.compile(r"\.(fetch|fetchrow|fetchval|execute|executemany|copy_\w+|cursor)\s*\(|\bimport asyncpg\b"
                      r"|\bfrom asyncpg\b|\bSELECT\b.+\bFROM\b", re.IGNORECASE)


def test_the_scan_sees_every_dashboard_module():
    names = {path.name for path in DASHBOARD}
    assert {"__init__.py", "pages.py", "views.py", "season.py", "dashboard.py", "scope.html"} <= names


def test_no_sql_over_events_in_the_dashboard():
    found = [f"{path.relative_to(REPO)}:{n}: {line.strip()}"
             for path in DASHBOARD for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if OVER_EVENTS.search(line) or RUNS_SQL.search(line)]
    assert found == []


def test_the_scan_would_catch_a_query_over_events():
    assert OVER_EVENTS.search("SELECT data FROM events WHERE tenant = $1")
    assert OVER_EVENTS.search("  JOIN public.events e ON true")
    assert RUNS_SQL.search("rows = await pool.fetch(NAMES_SQL, tenant)")
    assert not OVER_EVENTS.search("the events of the log are read by the projections")
