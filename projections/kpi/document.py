"""The KPI document of a tenant as of a business date (CONTRACT.md §4), read from the active version."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from projections.kpi.queries import DOCUMENT, FIGURES
from projections.model import in_schema
from projections.registry import ensure_schema

# Hash joins over a tenant's rows stay fast even when statistics lag behind a bulk fold, where a
# nested loop over a misestimated side would not; compiling would take longer than these queries run.
# Connection-level settings: the pool resets them when the connection goes back.
_ACTIVE_VERSION = """
SELECT set_config('enable_nestloop', 'off', false), set_config('jit', 'off', false), active_version
FROM projection_registry WHERE name = 'kpi'
"""


@dataclass
class Tally:
    """What one scope (a department, or the company) counts; every key is a ratio of two of these."""

    active: int = 0
    participants: int = 0
    hours: Decimal = Decimal(0)
    covered: int = 0
    education_items: int = 0
    open_gaps: int = 0
    closed_gaps: int = 0
    made: int = 0
    on_time: int = 0
    sharing_den: int = 0
    sharing_num: int = 0
    season_den: int = 0
    season_num: int = 0
    buddy_den: int = 0
    buddy_num: int = 0
    busy_den: int = 0
    busy_num: int = 0

    def counts_anything(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(t: Tally, target: float) -> dict[str, Any]:
    rate = _ratio(t.on_time, t.made)
    return {
        "active_employees": t.active,
        "agreements_made": t.made,
        "agreements_completed_on_time": t.on_time,
        "agreement_completion_rate": rate,
        "completion_target": target,
        "target_met": None if rate is None else rate >= target,
        "participation_rate_12m": _ratio(t.participants, t.active),
        "training_hours_per_employee_12m": float(t.hours / t.active) if t.active else 0.0,
        "mus_coverage": _ratio(t.covered, t.active),
        "mus_education_item_rate": _ratio(t.education_items, t.covered),
        "open_gaps": t.open_gaps,
        "gaps_closed_in_cycle": t.closed_gaps,
        "knowledge_sharing_rate": _ratio(t.sharing_num, t.sharing_den),
        "season_fit_rate": _ratio(t.season_num, t.season_den),
        "buddy_share": _ratio(t.buddy_num, t.buddy_den),
        "substitute_coverage_busy": _ratio(t.busy_num, t.busy_den),
    }


async def kpi_document(
    pool: asyncpg.Pool, tenant: str, as_of: date, department: str | None = None
) -> dict[str, Any]:
    """Exactly the §4 JSON; with ``department``, ``departments`` holds that one only (even when empty)."""
    for attempt in range(3):
        try:
            async with pool.acquire() as conn:
                row = await conn.fetchrow(_ACTIVE_VERSION)
                if row is None:
                    raise LookupError("the KPI projection is not set up")
                rows = await conn.fetch(in_schema(DOCUMENT, f"kpi_v{row['active_version']}"), tenant, as_of)
            return _document(rows, tenant, as_of, department)
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            # Not set up yet, or a version retired and dropped between the registry read and the
            # document query: set up if needed and read the registry again.
            if attempt == 2:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")


def _document(rows: list[asyncpg.Record], tenant: str, as_of: date, department: str | None) -> dict[str, Any]:
    tallies: dict[str | None, Tally] = {None: Tally()}
    window = next(row for row in rows if row["family"] == "window")
    for row in rows:
        if row["family"] == "window":
            continue
        scope = None if row["total"] else row["department"]
        tally = tallies.setdefault(scope, Tally())
        for name, value in zip(FIGURES[row["family"]], row["figures"], strict=True):
            setattr(tally, name, value if name == "hours" else int(value))
    target = window["target"]
    company = figures(tallies[None], target)
    company["committee_meetings_12m"] = int(window["figures"][0])
    if department is not None:
        listed = {department: tallies.get(department, Tally())}
    else:
        listed = {d: t for d, t in tallies.items() if d is not None and t.counts_anything()}
    return {
        "tenant": tenant,
        "as_of": as_of.isoformat(),
        "cycle": {"start": window["cycle_start"].isoformat(), "end": window["cycle_end"].isoformat()},
        "company": company,
        "departments": {d: figures(listed[d], target) for d in sorted(listed)},
    }
