"""The leadership dashboard (``GET /``): an overview of all companies, or one company's page.

The KPI figures come from the KPI projection (``projections.kpi_document``, exactly CONTRACT.md §4).
The season strip — the annual wheel's busy/normal/low months over the 12 months ending at the as-of
date, with the course starts in each month — is read here with a few SQL queries over the tenant's
events (jsonb extraction), under the same as-of rules as the KPIs:

- the wheel of a month, per scope (the company: ``department`` null; or one department), is the
  ``AnnualWheelDefined`` with the latest ``effective_from`` on or before the month's last day (and on
  or before the as-of date); equal dates: the one accepted last, i.e. later in (transaction_id,
  position) order; a department without a wheel of its own in a month shows the company's;
- a course start is a ``CourseBooked`` with ``starts_on`` in the month and ``booked_on`` ≤ the as-of
  date, not cancelled as of it (no ``CourseCancelled`` with ``cancelled_on`` ≤ the as-of date); it
  counts for the employee's department on ``booked_on`` (the latest of registration and moves dated
  on or before it; before the hire, the registered department).

The HTML itself is built by the pure functions in ``services.doors.dashboard.html``.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import asyncpg

from services.doors.dashboard.html import render_overview, render_tenant_page
from services.doors.dashboard.svg import SeasonRow, SeasonStrip
from services.doors.dashboard.text import norm_lang

__all__ = ["months_ending", "render_dashboard", "season_strip", "department_names"]

OVERVIEW_CONCURRENCY = 4
"""How many KPI documents the overview reads at a time."""

WHEELS_SQL = """
WITH months AS (
    SELECT m::date AS month_start,
           least((m + interval '1 month' - interval '1 day')::date, $3::date) AS cutoff
    FROM generate_series($2::date, $4::date, interval '1 month') AS m
), wheels AS MATERIALIZED (
    SELECT data->>'department' AS department,
           (data->>'effective_from')::date AS effective_from,
           data->'months' AS months,
           data->>'kind' AS kind,
           data->'focus_areas' AS focus_areas,
           transaction_id, position
    FROM events
    WHERE tenant = $1 AND type = 'AnnualWheelDefined' AND (data->>'effective_from')::date <= $3::date
), scopes AS (
    SELECT DISTINCT department FROM wheels
)
SELECT s.department, m.month_start,
       w.months ->> extract(month FROM m.month_start)::int::text AS season,
       w.kind, w.focus_areas
FROM scopes s
CROSS JOIN months m
LEFT JOIN LATERAL (
    SELECT w.months, w.kind, w.focus_areas FROM wheels w
    WHERE w.department IS NOT DISTINCT FROM s.department AND w.effective_from <= m.cutoff
    ORDER BY w.effective_from DESC, w.transaction_id DESC, w.position DESC
    LIMIT 1
) w ON true
ORDER BY s.department NULLS FIRST, m.month_start
"""

STARTS_SQL = """
WITH bookings AS MATERIALIZED (
    SELECT position AS booking_position,
           data->>'booking_id' AS booking_id,
           data->>'employee_id' AS employee_id,
           (data->>'booked_on')::date AS booked_on,
           (data->>'starts_on')::date AS starts_on
    FROM events
    WHERE tenant = $1 AND type = 'CourseBooked'
      AND (data->>'booked_on')::date <= $3::date
      AND (data->>'starts_on')::date BETWEEN $2::date AND $4::date
), cancelled AS MATERIALIZED (
    SELECT DISTINCT data->>'booking_id' AS booking_id
    FROM events
    WHERE tenant = $1 AND type = 'CourseCancelled' AND (data->>'cancelled_on')::date <= $3::date
), placements AS MATERIALIZED (
    SELECT data->>'employee_id' AS employee_id,
           data->>'department' AS department,
           CASE WHEN type = 'EmployeeRegistered' THEN (data->>'hired_on')::date
                ELSE (data->>'moved_on')::date END AS placed_on,
           type = 'EmployeeRegistered' AS registered,
           transaction_id, position
    FROM events
    WHERE tenant = $1 AND type IN ('EmployeeRegistered', 'EmployeeMoved')
), placed AS (
    SELECT DISTINCT ON (b.booking_position)
           b.booking_position, b.starts_on, p.department
    FROM bookings b
    LEFT JOIN placements p ON p.employee_id = b.employee_id
    WHERE b.booking_id NOT IN (SELECT booking_id FROM cancelled WHERE booking_id IS NOT NULL)
    ORDER BY b.booking_position,
             CASE WHEN p.placed_on <= b.booked_on THEN 0 WHEN p.registered THEN 1 ELSE 2 END,
             p.placed_on DESC, p.transaction_id DESC, p.position DESC
)
SELECT date_trunc('month', starts_on)::date AS month_start, department, count(*)::int AS starts
FROM placed
GROUP BY 1, 2
"""

NAMES_SQL = """
SELECT DISTINCT ON (data->>'department') data->>'department' AS department, data->>'name' AS name
FROM events
WHERE tenant = $1 AND type = 'DepartmentRegistered'
ORDER BY data->>'department', transaction_id DESC, position DESC
"""


def months_ending(as_of: date, n: int = 12) -> tuple[date, ...]:
    """The first days of the ``n`` calendar months ending with the month of ``as_of``, oldest first."""
    index = as_of.year * 12 + as_of.month - 1
    first = max(index - (n - 1), 12)  # never before year 1
    return tuple(date(i // 12, i % 12 + 1, 1) for i in range(first, index + 1))


def _month_end(month_start: date) -> date:
    index = month_start.year * 12 + month_start.month
    if index // 12 > 9999:
        return date(9999, 12, 31)
    return date.fromordinal(date(index // 12, index % 12 + 1, 1).toordinal() - 1)


def _focus(raw: Any) -> tuple[tuple[int, str], ...]:
    if isinstance(raw, str):
        raw = json.loads(raw)
    found: list[tuple[int, str]] = []
    for item in raw or []:
        if isinstance(item, dict) and "quarter" in item and "title" in item:
            found.append((int(item["quarter"]), str(item["title"])))
    return tuple(sorted(found))


async def season_strip(pool: asyncpg.Pool, tenant: str, as_of: date,
                       departments: list[str] | None = None) -> SeasonStrip:
    """The company's and each department's wheel and course starts, month by month (see the module doc)."""
    months = months_ending(as_of)
    index = {m: i for i, m in enumerate(months)}
    first, last = months[0], months[-1]
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        wheel_rows = await conn.fetch(WHEELS_SQL, tenant, first, as_of, last)
        start_rows = await conn.fetch(STARTS_SQL, tenant, first, as_of, _month_end(last))

    seasons: dict[str | None, list[str | None]] = {}
    kinds: dict[str | None, str | None] = {}
    focus: tuple[tuple[int, str], ...] = ()
    for row in wheel_rows:
        scope = row["department"]
        seasons.setdefault(scope, [None] * len(months))[index[row["month_start"]]] = row["season"]
        if row["month_start"] == last:
            kinds[scope] = row["kind"]
            if scope is None:
                focus = _focus(row["focus_areas"])

    company_starts = [0] * len(months)
    dept_starts: dict[str, list[int]] = {}
    for row in start_rows:
        i = index.get(row["month_start"])
        if i is None:
            continue
        company_starts[i] += row["starts"]
        if row["department"] is not None:
            dept_starts.setdefault(row["department"], [0] * len(months))[i] += row["starts"]

    company_seasons = tuple(seasons.get(None) or [None] * len(months))
    company = SeasonRow(company_seasons, tuple(company_starts), own_wheel=True, kind=kinds.get(None))
    wanted = set(departments if departments is not None else dept_starts) | {s for s in seasons if s is not None}
    rows: dict[str, SeasonRow] = {}
    for key in sorted(wanted):
        own = key in seasons
        # Before a department's first wheel, the company wheel applies (as for the season fit KPI).
        row_seasons = tuple(
            mine if mine is not None else company
            for mine, company in zip(seasons.get(key) or [None] * len(months), company_seasons, strict=True)
        )
        rows[key] = SeasonRow(
            row_seasons,
            tuple(dept_starts.get(key) or [0] * len(months)),
            own_wheel=own,
            kind=(kinds.get(key) or kinds.get(None)) if own else kinds.get(None),
        )
    return SeasonStrip(months=months, company=company, departments=rows, focus_areas=focus)


async def department_names(pool: asyncpg.Pool, tenant: str) -> dict[str, str]:
    """Department key -> its registered name (the latest registration)."""
    return {row["department"]: row["name"] for row in await pool.fetch(NAMES_SQL, tenant) if row["name"]}


async def render_dashboard(pool: asyncpg.Pool, *, as_of: date, lang: str = "da", tenant: str | None = None) -> str:
    """The dashboard page as HTML: all companies without ``tenant``, else that company's page.

    Raises ``UnknownTenant`` for a tenant with no message on record, and ``ProjectionsBehind`` when the
    projections have not read what was accepted before the call (``services.core.reads``): a page never
    shows figures that miss accepted messages.
    """
    from infra.store import EventStore
    from projections import kpi_document, tenants
    from services.core.reads import require_fresh_projections, require_tenant

    lang = norm_lang(lang)
    tenant = (tenant or "").strip() or None
    if tenant is None:
        await require_fresh_projections(pool, None)
        limit = asyncio.Semaphore(OVERVIEW_CONCURRENCY)

        async def one(name: str) -> dict[str, Any]:
            async with limit:
                return await kpi_document(pool, name, as_of)

        docs = await asyncio.gather(*(one(name) for name in await tenants(pool)))
        return render_overview(docs, as_of=as_of, lang=lang)
    await require_tenant(EventStore(pool), tenant)
    await require_fresh_projections(pool, tenant)
    doc = await kpi_document(pool, tenant, as_of)
    strip = await season_strip(pool, tenant, as_of, list(doc.get("departments") or {}))
    names = await department_names(pool, tenant)
    return render_tenant_page(doc, strip, lang, names=names)
