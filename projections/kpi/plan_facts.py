"""The facts a plan for [start, end] is made from (contract §8), read from the KPI tables in one snapshot.

Everything is as of the plan's first day ($2): employees active on it in their department on it; the
plannable agreements (open on it as §7 defines open, of an active employee, due on or after it, with no
live booking linked); the runs announced and not withdrawn on it that lie within the window ($2, $3); the
bookings live on it that touch the window or use one of those runs; the planning rules in force on it; and
every wheel definition (a wheel is a plan: the one in force on each day of the window applies).

``stale`` answers the question an acceptance asks: which of a plan's runs and agreements changed since.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import asyncpg

from domain.planning.facts import Agreement, AwayShares, Booking, Employee, PlanFacts, Run, Wheel
from domain.rules import DEFAULT_AWAY_SHARE
from projections.kpi.sql import STRATEGY_SPELLS, due_by, strategy_on_agreed
from projections.model import in_schema
from projections.registry import active_schema, ensure_schema

_ACTIVE = "e.hired_on <= $2 AND (e.left_on IS NULL OR e.left_on > $2)"

_EMPLOYEES = f"""
SELECT e.employee_id, s.department, e.job_family
FROM {{s}}.employees e
JOIN {{s}}.department_spells s
  ON s.tenant = e.tenant AND s.employee_id = e.employee_id AND $2 >= s.valid_from AND $2 < s.valid_to
WHERE e.tenant = $1 AND {_ACTIVE}
ORDER BY e.employee_id"""

_LIVE_ON_FIRST_DAY = "b.booked_on <= $2 AND (b.cancelled_on IS NULL OR b.cancelled_on > $2)"

_AGREEMENTS = f"""
WITH {STRATEGY_SPELLS}
SELECT * FROM (
    SELECT a.agreement_id, a.employee_id, c.title, c.course_code, c.gap_id, g.competence, {due_by("a")} AS due_by
    FROM {{s}}.agreements a
    JOIN {{s}}.agreement_courses c ON c.tenant = a.tenant AND c.agreement_id = a.agreement_id
    JOIN {{s}}.employees e ON e.tenant = a.tenant AND e.employee_id = a.employee_id
    LEFT JOIN {{s}}.gaps g ON g.tenant = c.tenant AND g.gap_id = c.gap_id
    {strategy_on_agreed("a")}
    WHERE a.tenant = $1 AND a.agreed_on <= $2 AND {_ACTIVE}
      AND (a.withdrawn_on IS NULL OR a.withdrawn_on > $2)
      AND (a.first_completed_on IS NULL OR a.first_completed_on > $2)
      AND NOT EXISTS (SELECT FROM {{s}}.bookings b WHERE b.tenant = a.tenant AND b.agreement_id = a.agreement_id
                      AND {_LIVE_ON_FIRST_DAY})
) AS open
WHERE due_by >= $2
ORDER BY agreement_id"""

_RUNS_IN_WINDOW = """
SELECT * FROM {s}.runs r
WHERE r.tenant = $1 AND r.seq IS NOT NULL AND (r.withdrawn_on IS NULL OR r.withdrawn_on > $2)
  AND r.starts_on >= $2 AND r.ends_on <= $3"""

_RUNS = _RUNS_IN_WINDOW + "\nORDER BY r.starts_on, r.run_id"

_BOOKINGS = f"""
SELECT b.booking_id, b.employee_id, b.run_id, b.starts_on, b.ends_on
FROM {{s}}.bookings b
WHERE b.tenant = $1 AND {_LIVE_ON_FIRST_DAY}
  AND ((b.starts_on <= $3 AND b.ends_on >= $2) OR b.run_id IN (SELECT run_id FROM ({_RUNS_IN_WINDOW}) AS r))
ORDER BY b.booking_id"""

_WHEELS = """
SELECT department, effective_from, seq, months FROM {s}.wheel_seasons WHERE tenant = $1 ORDER BY seq"""

_RULES = """
SELECT low, normal, busy FROM {s}.planning_rules
WHERE tenant = $1 AND effective_from <= $2
ORDER BY effective_from DESC, seq DESC
LIMIT 1"""

_CHECKPOINT = """
SELECT c.transaction_id::text || '-' || c.position::text
FROM projection_registry r JOIN projection_checkpoints c ON c.name = r.name AND c.version = r.active_version
WHERE r.name = 'kpi'"""


@dataclass(frozen=True)
class ReadFacts:
    facts: PlanFacts
    cutoff: str
    """The KPI projection's cursor in the log when the facts were read: they hold every event up to it."""


async def read_plan_facts(pool: asyncpg.Pool, tenant: str, start: date, end: date) -> ReadFacts:
    for attempt in range(2):
        try:
            async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                schema = await active_schema(conn, "kpi")
                return await _read(conn, schema, tenant, start, end)
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            if attempt:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")


async def _read(conn: asyncpg.Connection, schema: str, tenant: str, start: date, end: date) -> ReadFacts:
    window = (tenant, start, end)
    employees = await conn.fetch(in_schema(_EMPLOYEES, schema), tenant, start)
    agreements = await conn.fetch(in_schema(_AGREEMENTS, schema), tenant, start)
    runs = await conn.fetch(in_schema(_RUNS, schema), *window)
    bookings = await conn.fetch(in_schema(_BOOKINGS, schema), *window)
    wheels = await conn.fetch(in_schema(_WHEELS, schema), tenant)
    rules = await conn.fetchrow(in_schema(_RULES, schema), tenant, start)
    cutoff = await conn.fetchval(_CHECKPOINT)
    facts = PlanFacts(
        tenant=tenant,
        start=start,
        end=end,
        shares=_shares(rules),
        employees=tuple(Employee(r["employee_id"], r["department"], r["job_family"]) for r in employees),
        agreements=tuple(_agreement(r) for r in agreements),
        runs=tuple(_run(r) for r in runs),
        bookings=tuple(
            Booking(r["booking_id"], r["employee_id"], r["starts_on"], r["ends_on"], r["run_id"]) for r in bookings
        ),
        wheels=tuple(Wheel(r["department"], r["effective_from"], tuple(r["months"]), r["seq"]) for r in wheels),
    )
    return ReadFacts(facts, str(cutoff))


def _shares(row: asyncpg.Record | None) -> AwayShares:
    if row is None:
        return AwayShares(*(Decimal(str(DEFAULT_AWAY_SHARE[season])) for season in ("low", "normal", "busy")))
    return AwayShares(row["low"], row["normal"], row["busy"])


def _agreement(row: asyncpg.Record) -> Agreement:
    return Agreement(
        agreement_id=row["agreement_id"],
        employee_id=row["employee_id"],
        title=row["title"],
        due_by=row["due_by"],
        course_code=row["course_code"],
        gap_competence=row["competence"] if row["gap_id"] is not None else None,
    )


def _run(row: asyncpg.Record) -> Run:
    return Run(
        run_id=row["run_id"],
        title=row["title"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        seats=row["seats"],
        hours=row["hours"],
        kind=row["kind"],
        code=row["code"],
        competence=row["competence"],
        provider=row["provider"],
        fee=row["fee"],
    )


# --- what changed since a plan was made --------------------------------------------------------------------

_STALE_RUNS = """
SELECT run_id, withdrawn_on FROM {s}.runs
WHERE tenant = $1 AND run_id = ANY($2::text[]) AND withdrawn_on IS NOT NULL
ORDER BY run_id"""

_STALE_AGREEMENTS = """
SELECT a.agreement_id, a.employee_id, a.withdrawn_on, e.left_on,
       (SELECT min(b.booking_id) FROM {s}.bookings b
        WHERE b.tenant = a.tenant AND b.agreement_id = a.agreement_id AND b.cancelled_on IS NULL
          AND b.booked_on IS NOT NULL AND NOT (b.booking_id = ANY($3::text[]))) AS booking_id
FROM {s}.agreements a
LEFT JOIN {s}.employees e ON e.tenant = a.tenant AND e.employee_id = a.employee_id
WHERE a.tenant = $1 AND a.agreement_id = ANY($2::text[])
ORDER BY a.agreement_id"""


@dataclass(frozen=True)
class Change:
    """Something that happened since a plan was made that makes it wrong to accept."""

    kind: str
    """``run_withdrawn``, ``agreement_withdrawn``, ``agreement_booked`` or ``employee_left``."""
    ref: str
    detail: str


async def stale(
    pool: asyncpg.Pool, tenant: str, run_ids: Iterable[str], agreement_ids: Iterable[str],
    own_bookings: Sequence[str],
) -> list[Change]:
    """What makes a plan's runs or agreements unfit now: a run withdrawn; an agreement withdrawn, booked (not
    by this plan's own bookings ``own_bookings``, and not cancelled), or whose employee left."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        schema = await active_schema(conn, "kpi")
        runs = await conn.fetch(in_schema(_STALE_RUNS, schema), tenant, sorted(set(run_ids)))
        agreements = await conn.fetch(in_schema(_STALE_AGREEMENTS, schema), tenant, sorted(set(agreement_ids)),
                                      list(own_bookings))
    changes = [Change("run_withdrawn", r["run_id"], f"run {r['run_id']} was withdrawn on {r['withdrawn_on']}")
               for r in runs]
    for r in agreements:
        agreement = r["agreement_id"]
        if r["withdrawn_on"] is not None:
            changes.append(Change("agreement_withdrawn", agreement,
                                  f"agreement {agreement} was withdrawn on {r['withdrawn_on']}"))
        if r["booking_id"] is not None:
            changes.append(Change("agreement_booked", agreement,
                                  f"agreement {agreement} was booked since (booking {r['booking_id']})"))
        if r["left_on"] is not None:
            changes.append(Change("employee_left", agreement,
                                  f"employee {r['employee_id']} of agreement {agreement} left on {r['left_on']}"))
    return changes
