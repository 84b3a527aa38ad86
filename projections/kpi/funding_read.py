"""The funding facts of one tenant, read from the active KPI version in one snapshot: bookings with their course
kind and employee, and the reported funding rows. The funding reads compute amounts from these (and the rules
files), never from the event log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from projections.model import in_schema
from projections.registry import ensure_schema

_QUERIES = {
    "bookings": """
SELECT b.booking_id, b.employee_id, b.booked_on, b.starts_on, b.ends_on, b.hours, b.hours_attended, b.completed_on,
       b.cancelled_on, b.department, c.kind, c.title, e.hired_on, e.left_on, e.job_family
FROM {s}.bookings b
JOIN {s}.funding_courses c ON c.tenant = b.tenant AND c.booking_id = b.booking_id
LEFT JOIN {s}.employees e ON e.tenant = b.tenant AND e.employee_id = b.employee_id
WHERE b.tenant = $1 AND b.seq IS NOT NULL AND b.booked_on <= $2
ORDER BY b.booking_id""",
    "terms": "SELECT * FROM {s}.funding_terms WHERE tenant = $1 AND $2::date IS NOT NULL ORDER BY seq",
    "education": "SELECT * FROM {s}.funding_education WHERE tenant = $1 AND $2::date IS NOT NULL ORDER BY seq",
    "costs": "SELECT * FROM {s}.funding_costs WHERE tenant = $1 AND recorded_on <= $2 ORDER BY seq",
    "claims": "SELECT * FROM {s}.funding_claims WHERE tenant = $1 AND on_date <= $2 ORDER BY seq",
    "managers": """
SELECT m.employee_id, m.manager_id, coalesce(m.assigned_on, e.hired_on) AS assigned_on, m.seq
FROM {s}.funding_managers m
LEFT JOIN {s}.employees e ON e.tenant = m.tenant AND e.employee_id = m.employee_id
WHERE m.tenant = $1 AND coalesce(m.assigned_on, e.hired_on) <= $2 ORDER BY m.seq""",
    "placed": """
SELECT e.employee_id, s.department, e.hired_on <= $2 AND (e.left_on IS NULL OR e.left_on > $2) AS active
FROM {s}.employees e
LEFT JOIN {s}.department_spells s
  ON s.tenant = e.tenant AND s.employee_id = e.employee_id AND s.valid_from <= $2 AND $2 < s.valid_to
WHERE e.tenant = $1 AND e.hired_on IS NOT NULL""",
    "known": "SELECT EXISTS (SELECT FROM {s}.tenants WHERE tenant = $1) AND $2::date IS NOT NULL AS known",
}


# The tables of the facts only a company that works with funding reports (the funding message types of
# docs/funding.md): terms, education levels, course costs and claims. Course kinds and managers come with every
# booking and assignment, so they say nothing of it.
_FUNDING_FACTS = ("funding_terms", "funding_education", "funding_costs", "funding_claims")
_USES_FUNDING = "SELECT " + " OR ".join(
    f"EXISTS (SELECT FROM {{s}}.{table} WHERE tenant = $1)" for table in _FUNDING_FACTS
)


async def uses_funding(pool: asyncpg.Pool, tenant: str) -> bool:
    """Whether the tenant has reported any funding fact (terms, an education level, course costs, a claim step):
    the workbench shows funding actions only to a company that works with funding, so one that sends only the
    contract's messages gets exactly the contract's actions."""
    for attempt in range(3):
        try:
            async with pool.acquire() as conn:
                version = await conn.fetchval("SELECT active_version FROM projection_registry WHERE name = 'kpi'")
                if version is None:
                    raise LookupError("the KPI projection is not set up")
                return bool(await conn.fetchval(in_schema(_USES_FUNDING, f"kpi_v{version}"), tenant))
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            if attempt == 2:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class FundingFacts:
    known: bool
    bookings: list[asyncpg.Record]
    terms: list[asyncpg.Record]
    education: list[asyncpg.Record]
    costs: list[asyncpg.Record]
    claims: list[asyncpg.Record]
    managers: list[asyncpg.Record]
    placed: list[asyncpg.Record]


async def funding_facts(pool: asyncpg.Pool, tenant: str, as_of: date) -> FundingFacts:
    """Facts dated on or before ``as_of`` (terms and education levels of any date: they are read on a course's
    first day, which may lie after it)."""
    for attempt in range(3):
        try:
            async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                version = await conn.fetchval("SELECT active_version FROM projection_registry WHERE name = 'kpi'")
                if version is None:
                    raise LookupError("the KPI projection is not set up")
                schema = f"kpi_v{version}"
                rows = {name: await conn.fetch(in_schema(sql, schema), tenant, as_of) for name, sql in _QUERIES.items()}
            known = bool(rows.pop("known")[0]["known"])
            return FundingFacts(known=known, **rows)
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            if attempt == 2:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")
