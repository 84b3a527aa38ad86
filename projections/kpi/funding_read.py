"""The funding facts of one tenant, read from the active KPI version in one snapshot: bookings with their course
kind and employee, and the reported funding rows. The funding reads compute amounts from these (and the rules
files), never from the event log.

Every fact but the employees' placements is read undated and kept per state of the projection for the tenant
(``FactsMemory``): a read on another date, or asked again, filters the kept rows by its date instead of reading
and decoding every booking of the tenant again. The state is the active version and the last event of the tenant
the projection has folded (read in the same snapshot as the facts), so a process keeps nothing past an event
another process appended and projected, nor across a rebuild.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import asyncpg

from infra.collector import leave_out
from projections.model import in_schema
from projections.registry import ensure_schema

_UNDATED = {
    "bookings": """
SELECT b.booking_id, b.employee_id, b.booked_on, b.starts_on, b.ends_on, b.hours, b.hours_attended, b.completed_on,
       b.cancelled_on, b.department, c.kind, c.title, e.hired_on, e.left_on, e.job_family
FROM {s}.bookings b
JOIN {s}.funding_courses c ON c.tenant = b.tenant AND c.booking_id = b.booking_id
LEFT JOIN {s}.employees e ON e.tenant = b.tenant AND e.employee_id = b.employee_id
WHERE b.tenant = $1 AND b.seq IS NOT NULL AND b.booked_on IS NOT NULL
ORDER BY b.booking_id""",
    "terms": "SELECT * FROM {s}.funding_terms WHERE tenant = $1 ORDER BY seq",
    "education": "SELECT * FROM {s}.funding_education WHERE tenant = $1 ORDER BY seq",
    "costs": "SELECT * FROM {s}.funding_costs WHERE tenant = $1 ORDER BY seq",
    "claims": "SELECT * FROM {s}.funding_claims WHERE tenant = $1 ORDER BY seq",
    "managers": """
SELECT m.employee_id, m.manager_id, coalesce(m.assigned_on, e.hired_on) AS assigned_on, m.seq
FROM {s}.funding_managers m
LEFT JOIN {s}.employees e ON e.tenant = m.tenant AND e.employee_id = m.employee_id
WHERE m.tenant = $1 AND coalesce(m.assigned_on, e.hired_on) IS NOT NULL
ORDER BY coalesce(m.assigned_on, e.hired_on), m.seq""",
}

_PLACED = """
SELECT e.employee_id, s.department, e.hired_on <= $2 AND (e.left_on IS NULL OR e.left_on > $2) AS active
FROM {s}.employees e
LEFT JOIN {s}.department_spells s
  ON s.tenant = e.tenant AND s.employee_id = e.employee_id AND s.valid_from <= $2 AND $2 < s.valid_to
WHERE e.tenant = $1 AND e.hired_on IS NOT NULL"""

_KNOWN = "SELECT EXISTS (SELECT FROM {s}.tenants WHERE tenant = $1)"

_STATE = """
SELECT r.active_version, current_database() AS db,
       (SELECT e.transaction_id::text || '/' || e.position FROM events e
        WHERE e.tenant = $1 AND (e.transaction_id, e.position) <= (c.transaction_id, c.position)
        ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1) AS folded
FROM projection_registry r
JOIN projection_checkpoints c ON c.name = r.name AND c.version = r.active_version
WHERE r.name = 'kpi'"""
"""The state of the projection for one tenant: the active version and the tenant's last event it has folded."""

SETTLE_AFTER = 1_000
"""Once reads have derived this many new values from kept facts (``KeptFacts.grown``), the next read leaves what is
kept out of the garbage collector's walks (``infra.collector.leave_out``), as it does facts just read."""

DERIVED_LIMIT = 100_000
"""At most this many values derived from one state's facts are kept (``KeptFacts.derive``); emptied when full."""

T = TypeVar("T")


@dataclass
class KeptFacts:
    """A tenant's undated funding facts in one state of the projection, and what reads derived from them."""

    state: tuple[Any, ...]
    known: bool
    bookings: list[asyncpg.Record]
    terms: list[asyncpg.Record]
    education: list[asyncpg.Record]
    costs: list[asyncpg.Record]
    claims: list[asyncpg.Record]
    managers: list[asyncpg.Record]
    derived: dict[Hashable, Any] = field(default_factory=dict)
    grown: int = 0
    """How many values reads derived from these facts since they were last left out of collections."""

    def derive(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, once per ``key`` while this state is kept: only what follows from these facts (and
        what the key names) may be kept here."""
        found = self.derived.get(key, _MISSING)
        if found is _MISSING:
            if len(self.derived) >= DERIVED_LIMIT:
                self.derived.clear()
            found = self.derived[key] = compute()
        return found  # type: ignore[no-any-return]


_MISSING = object()


class FactsMemory:
    """The kept facts of the last state read, per tenant; the least recently read tenants go first beyond
    ``tenants``."""

    def __init__(self, tenants: int = 4) -> None:
        self.tenants = tenants
        self._kept: OrderedDict[str, KeptFacts] = OrderedDict()

    def find(self, tenant: str, state: tuple[Any, ...]) -> KeptFacts | None:
        kept = self._kept.get(tenant)
        if kept is None or kept.state != state:
            return None
        self._kept.move_to_end(tenant)
        return kept

    def keep(self, tenant: str, kept: KeptFacts) -> None:
        self._kept[tenant] = kept
        self._kept.move_to_end(tenant)
        while len(self._kept) > self.tenants:
            self._kept.popitem(last=False)


_memories: dict[int, tuple[asyncpg.Pool, FactsMemory]] = {}


def facts_memory(pool: asyncpg.Pool) -> FactsMemory:
    """The facts memory of one pool (of one database)."""
    found = _memories.get(id(pool))
    if found is None or found[0] is not pool:
        if len(_memories) >= 8:
            _memories.pop(next(iter(_memories)))
        found = _memories[id(pool)] = (pool, FactsMemory())
    return found[1]


# The tables of the facts only a company that works with funding reports (the funding message types of
# docs/funding.md): terms, education levels, course costs and claims. Course kinds and managers come with every
# booking and assignment, so they say nothing of it.
_FUNDING_FACTS = ("funding_terms", "funding_education", "funding_costs", "funding_claims")
_USES_FUNDING = "SELECT " + " OR ".join(
    f"EXISTS (SELECT FROM {{s}}.{table} WHERE tenant = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2))"
    for table in _FUNDING_FACTS
)


async def uses_funding(pool: asyncpg.Pool, tenant: str, known_at: datetime | None = None) -> bool:
    """Whether the tenant has reported any funding fact (terms, an education level, course costs, a claim step) —
    with ``known_at``, one recorded by then: the workbench shows funding actions only to a company that works with
    funding, so one that sends only the contract's messages gets exactly the contract's actions."""
    for attempt in range(3):
        try:
            async with pool.acquire() as conn:
                version = await conn.fetchval("SELECT active_version FROM projection_registry WHERE name = 'kpi'")
                if version is None:
                    raise LookupError("the KPI projection is not set up")
                return bool(await conn.fetchval(in_schema(_USES_FUNDING, f"kpi_v{version}"), tenant, known_at))
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
    """ManagerAssigned in the order they take effect: by assigned_on (missing: hired_on), equal dates by seq."""
    placed: list[asyncpg.Record]
    kept: KeptFacts | None = None
    """The undated facts these were filtered from (None: facts given as they are)."""


def on_date(kept: KeptFacts, placed: list[asyncpg.Record], as_of: date) -> FundingFacts:
    """The facts dated on or before ``as_of`` (terms and education levels of any date: they are read on a course's
    first day, which may lie after it)."""
    return FundingFacts(
        known=kept.known,
        bookings=[b for b in kept.bookings if b["booked_on"] <= as_of],
        terms=kept.terms,
        education=kept.education,
        costs=[r for r in kept.costs if r["recorded_on"] <= as_of],
        claims=[r for r in kept.claims if r["on_date"] <= as_of],
        managers=[r for r in kept.managers if r["assigned_on"] <= as_of],
        placed=placed,
        kept=kept,
    )


async def _undated(conn: asyncpg.Connection, schema: str, tenant: str, state: tuple[Any, ...]) -> KeptFacts:
    rows = {name: list(await conn.fetch(in_schema(sql, schema), tenant)) for name, sql in _UNDATED.items()}
    known = bool(await conn.fetchval(in_schema(_KNOWN, schema), tenant))
    return KeptFacts(state, known, rows["bookings"], rows["terms"], rows["education"], rows["costs"],
                     rows["claims"], rows["managers"])


async def funding_facts(pool: asyncpg.Pool, tenant: str, as_of: date) -> FundingFacts:
    """Facts dated on or before ``as_of`` (terms and education levels of any date: they are read on a course's
    first day, which may lie after it)."""
    memory = facts_memory(pool)
    for attempt in range(3):
        try:
            async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                found = await conn.fetchrow(_STATE, tenant)
                if found is None:
                    raise LookupError("the KPI projection is not set up")
                state = tuple(found)
                schema = f"kpi_v{found['active_version']}"
                kept = memory.find(tenant, state)
                fresh = kept is None
                if kept is None:
                    kept = await _undated(conn, schema, tenant, state)
                placed = list(await conn.fetch(in_schema(_PLACED, schema), tenant, as_of))
            memory.keep(tenant, kept)
            if fresh or kept.grown >= SETTLE_AFTER:
                # Kept for many reads: not walked by every full collection (the pauses were most of the tail).
                # What a replaced state held is freed as before (nothing there refers back to itself).
                kept.grown = 0
                leave_out(again=fresh)
            return on_date(kept, placed, as_of)
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            if attempt == 2:
                raise
            await ensure_schema(pool)
    raise AssertionError("unreachable")
