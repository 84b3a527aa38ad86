"""The leadership dashboard's views of the report's tools (greb), read from the KPI tables and the greb
facts (``greb_tables``) on the active version, in one snapshot.

Every view is as of a business date D (facts dated after D do not count) and, with ``department``, cut to
one department: people by their department on D, bookings by the employee's department on booked_on (their
completions on completed_on), like the KPIs. "The last 12 months" are the 365 days ending on D.

- ``strategy``: the strategy in force on D (latest adopted_on <= D; equal dates: accepted last), or None;
- ``ambassadors``: employees active on D appointed (appointed_on <= D, or undated) as shop steward or
  education ambassador, with their department on D;
- ``gaps_by_source``: gaps identified on or before D per source and competence: identified, open on D,
  closed on or before D (closed as the KPIs close them);
- ``committee``: the meetings of the last 12 months, oldest first, with composition and topics;
- ``collective``: live collective bookings starting in the last 12 months or later, per course and start;
- ``practice``: completions of the last 12 months, how many had a practice follow-up by D and how many of
  those (the latest follow-up) found the knowledge applied;
- ``check_ins``: live bookings of at least 4 days (ends_on − starts_on) that started in the last 12 months,
  and how many had a manager check-in by D;
- ``cancellations``: bookings cancelled in the last 12 months, per month, beside the bookings made then;
- ``sharing``: knowledge sharing of the last 12 months per format (occasions and audience).

``season_facts`` gives the wheels (every definition in force by D, with its twelve month kinds and focus
areas) and the live course starts per month and department; ``department_names`` the display names.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg

from projections.kpi.sql import active_on, covers, gap_open_on
from projections.model import in_schema
from projections.registry import ensure_schema

_YEAR = "($2::date - 364)"  # the first day of the 365 days ending on $2
_LIVE = "(b.booked_on <= $2 AND (b.cancelled_on IS NULL OR b.cancelled_on > $2))"

STRATEGY = """
SELECT adopted_on, formality, vision FROM {s}.greb_strategies
WHERE tenant = $1 AND adopted_on <= $2
ORDER BY adopted_on DESC, seq DESC LIMIT 1
"""

AMBASSADORS = f"""
SELECT DISTINCT ON (a.employee_id, a.role) a.employee_id, a.role, a.appointed_on, s.department
FROM {{s}}.greb_ambassadors a
JOIN {{s}}.employees e ON e.tenant = a.tenant AND e.employee_id = a.employee_id
LEFT JOIN {{s}}.department_spells s ON s.tenant = a.tenant AND s.employee_id = a.employee_id AND {covers("s", "$2")}
WHERE a.tenant = $1 AND (a.appointed_on IS NULL OR a.appointed_on <= $2) AND {active_on("e", "$2")}
  AND ($3::text IS NULL OR s.department = $3)
ORDER BY a.employee_id, a.role, a.appointed_on NULLS FIRST, a.seq
"""

GAPS_BY_SOURCE = f"""
SELECT src.source, g.competence, count(*)::int AS identified,
       count(*) FILTER (WHERE {gap_open_on("g", "$2")})::int AS open,
       count(*) FILTER (WHERE g.closed_effective_on <= $2)::int AS closed
FROM {{s}}.gaps g
JOIN {{s}}.greb_gap_sources src ON src.tenant = g.tenant AND src.gap_id = g.gap_id
LEFT JOIN {{s}}.department_spells s ON s.tenant = g.tenant AND s.employee_id = g.employee_id AND {covers("s", "$2")}
WHERE g.tenant = $1 AND g.identified_on <= $2 AND ($3::text IS NULL OR s.department = $3)
GROUP BY src.source, g.competence
ORDER BY src.source, g.competence
"""

COMMITTEE = f"""
SELECT held_on, management_reps, employee_reps, topics FROM {{s}}.greb_committee
WHERE tenant = $1 AND held_on BETWEEN {_YEAR} AND $2
ORDER BY held_on, seq
"""

COLLECTIVE = f"""
SELECT c.title, b.starts_on, b.ends_on, count(*)::int AS participants,
       count(*) FILTER (WHERE b.completed_on <= $2)::int AS completed,
       array_agg(DISTINCT b.department) FILTER (WHERE b.department IS NOT NULL) AS departments
FROM {{s}}.bookings b
LEFT JOIN LATERAL (
    SELECT title FROM {{s}}.funding_courses c WHERE c.tenant = b.tenant AND c.booking_id = b.booking_id
    ORDER BY seq LIMIT 1
) c ON true
WHERE b.tenant = $1 AND b.collective AND {_LIVE} AND b.starts_on >= {_YEAR}
  AND ($3::text IS NULL OR b.department = $3)
GROUP BY c.title, b.starts_on, b.ends_on
ORDER BY b.starts_on DESC, c.title
LIMIT 50
"""

PRACTICE = f"""
WITH done AS (
    SELECT b.booking_id FROM {{s}}.bookings b
    WHERE b.tenant = $1 AND b.completed_on BETWEEN {_YEAR} AND $2
      AND ($3::text IS NULL OR b.completed_department = $3)
), followed AS (
    SELECT DISTINCT ON (p.booking_id) p.booking_id, p.applied
    FROM {{s}}.greb_practice p JOIN done USING (booking_id)
    WHERE p.tenant = $1 AND p.held_on <= $2
    ORDER BY p.booking_id, p.held_on DESC, p.seq DESC
)
SELECT (SELECT count(*) FROM done)::int AS completions, count(*)::int AS followed_up,
       count(*) FILTER (WHERE applied)::int AS applied
FROM followed
"""

CHECK_INS = f"""
SELECT count(*)::int AS long_courses,
       count(*) FILTER (WHERE EXISTS (
           SELECT FROM {{s}}.check_ins c
           WHERE c.tenant = b.tenant AND c.booking_id = b.booking_id AND c.held_on <= $2))::int AS checked_in
FROM {{s}}.bookings b
WHERE b.tenant = $1 AND {_LIVE} AND b.ends_on - b.starts_on >= 4 AND b.starts_on BETWEEN {_YEAR} AND $2
  AND ($3::text IS NULL OR b.department = $3)
"""

CANCELLATIONS = f"""
SELECT date_trunc('month', b.cancelled_on)::date AS month, count(*)::int AS cancelled
FROM {{s}}.bookings b
WHERE b.tenant = $1 AND b.cancelled_on BETWEEN {_YEAR} AND $2 AND b.booked_on <= $2
  AND ($3::text IS NULL OR b.department = $3)
GROUP BY 1 ORDER BY 1
"""

BOOKED = f"""
SELECT count(*)::int AS booked FROM {{s}}.bookings b
WHERE b.tenant = $1 AND b.booked_on BETWEEN {_YEAR} AND $2 AND ($3::text IS NULL OR b.department = $3)
"""

SHARING = f"""
SELECT k.format, count(*)::int AS occasions, coalesce(sum(k.audience), 0)::int AS audience
FROM {{s}}.greb_shares k
JOIN {{s}}.bookings b ON b.tenant = k.tenant AND b.booking_id = k.booking_id
WHERE k.tenant = $1 AND k.shared_on BETWEEN {_YEAR} AND $2
  AND ($3::text IS NULL OR coalesce(b.completed_department, b.department) = $3)
GROUP BY k.format ORDER BY k.format
"""

WHEELS = """
SELECT w.seq, w.department, w.effective_from, w.kind, ws.months, f.focus_areas
FROM {s}.wheels w
LEFT JOIN {s}.wheel_seasons ws ON ws.tenant = w.tenant AND ws.seq = w.seq
LEFT JOIN {s}.greb_wheel_focus f ON f.tenant = w.tenant AND f.seq = w.seq
WHERE w.tenant = $1 AND w.effective_from <= $2
ORDER BY w.effective_from, w.seq
"""

STARTS = f"""
SELECT date_trunc('month', b.starts_on)::date AS month, b.department, count(*)::int AS starts
FROM {{s}}.bookings b
WHERE b.tenant = $1 AND {_LIVE} AND b.starts_on BETWEEN $3::date AND $4::date
GROUP BY 1, 2
"""

NAMES = """
SELECT DISTINCT ON (department) department, name FROM {s}.greb_department_names
WHERE tenant = $1 ORDER BY department, seq DESC
"""

_ACTIVE = "SELECT active_version FROM projection_registry WHERE name = 'kpi'"


async def _snapshot(pool: asyncpg.Pool, statements: list[tuple[str, tuple[Any, ...]]]) -> list[list[asyncpg.Record]]:
    """The rows of each statement, all in one repeatable-read snapshot of the active version."""
    for attempt in range(3):
        try:
            async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                version = await conn.fetchval(_ACTIVE)
                if version is None:
                    raise LookupError("the KPI projection is not set up")
                schema = f"kpi_v{version}"
                return [list(await conn.fetch(in_schema(sql, schema), *args)) for sql, args in statements]
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            if attempt == 2:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")


def _focus(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        raw = json.loads(raw)
    found = [{"quarter": int(item["quarter"]), "title": str(item["title"])}
             for item in raw or [] if isinstance(item, dict) and "quarter" in item and "title" in item]
    return sorted(found, key=lambda item: (item["quarter"], item["title"]))


async def greb_views(pool: asyncpg.Pool, tenant: str, as_of: date, department: str | None = None) -> dict[str, Any]:
    """The views of the module doc, as plain JSON-able data."""
    company = (tenant, as_of)  # the strategy and the committee are the company's
    scoped = (tenant, as_of, department)
    (strategy, committee, ambassadors, gaps, collective, practice, check_ins, cancellations, booked,
     sharing) = await _snapshot(pool, [(STRATEGY, company), (COMMITTEE, company)] + [(sql, scoped) for sql in (
         AMBASSADORS, GAPS_BY_SOURCE, COLLECTIVE, PRACTICE, CHECK_INS, CANCELLATIONS, BOOKED, SHARING)])
    found = strategy[0] if strategy else None
    return {
        "tenant": tenant,
        "as_of": as_of.isoformat(),
        "department": department,
        "strategy": None if found is None else {
            "adopted_on": found["adopted_on"].isoformat(), "formality": found["formality"], "vision": found["vision"],
        },
        "ambassadors": [
            {"employee_id": r["employee_id"], "role": r["role"], "department": r["department"],
             "appointed_on": None if r["appointed_on"] is None else r["appointed_on"].isoformat()}
            for r in ambassadors
        ],
        "gaps_by_source": [dict(r) for r in gaps],
        "committee": [
            {"held_on": r["held_on"].isoformat(), "management_reps": r["management_reps"],
             "employee_reps": r["employee_reps"], "topics": list(r["topics"])}
            for r in committee
        ],
        "collective": [
            {"title": r["title"], "starts_on": r["starts_on"].isoformat(), "ends_on": r["ends_on"].isoformat(),
             "participants": r["participants"], "completed": r["completed"],
             "departments": sorted(r["departments"] or [])}
            for r in collective
        ],
        "practice": dict(practice[0]),
        "check_ins": dict(check_ins[0]),
        "cancellations": {
            "by_month": [{"month": r["month"].isoformat()[:7], "cancelled": r["cancelled"]} for r in cancellations],
            "cancelled": sum(r["cancelled"] for r in cancellations),
            "booked": booked[0]["booked"],
        },
        "sharing": [dict(r) for r in sharing],
    }


async def season_facts(pool: asyncpg.Pool, tenant: str, as_of: date, first: date, last: date) -> dict[str, Any]:
    """The wheels defined with effective_from <= ``as_of`` (oldest first) and the live course starts
    (booked on or before ``as_of``, not cancelled as of it) with starts_on in [first, last], per month
    and department (on booked_on)."""
    wheels, starts = await _snapshot(pool, [(WHEELS, (tenant, as_of)), (STARTS, (tenant, as_of, first, last))])
    return {
        "wheels": [
            {"seq": r["seq"], "department": r["department"], "effective_from": r["effective_from"],
             "kind": r["kind"], "months": list(r["months"] or []), "focus_areas": _focus(r["focus_areas"])}
            for r in wheels
        ],
        "starts": [(r["month"], r["department"], r["starts"]) for r in starts],
    }


async def department_names(pool: asyncpg.Pool, tenant: str) -> dict[str, str]:
    """Department key -> its display name (the registration accepted last)."""
    (rows,) = await _snapshot(pool, [(NAMES, (tenant,))])
    return {r["department"]: r["name"] for r in rows if r["name"]}
