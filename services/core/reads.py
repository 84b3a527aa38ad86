"""The reads every door calls (CLI, HTTP, dashboard), and the checks a read passes before it answers.

CONTRACT §5, bad reads; the doors translate the errors raised here into their own terms:

- a tenant with no message on record (accepted or rejected) is unknown: :class:`UnknownTenant`;
- a cursor this service could not have given out (malformed, or at no event of the tenant's log):
  :class:`infra.store.InvalidCursor`;
- a read of a projection answers only once the projections have read every event the tenant had
  committed when the read began (read-your-writes). When they have not within
  :data:`READ_WAIT_SECONDS`, the read fails with :class:`ProjectionsBehind` rather than answer with
  figures that miss accepted messages. :func:`require_fresh_projections` is that gate; every read
  of a projection goes through it.

Dates are checked where they are parsed (``domain.fields.Day``: exactly ``YYYY-MM-DD``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import asyncpg
from pydantic import TypeAdapter, ValidationError

from domain.fields import Day
from infra.store import EventStore, InvalidCursor, parse_cursor

if TYPE_CHECKING:
    from services.core.app import App

__all__ = [
    "READ_WAIT_SECONDS",
    "RETRY_AFTER_SECONDS",
    "InvalidCursor",
    "ProjectionsBehind",
    "UnknownTenant",
    "actions",
    "calendar",
    "kpi_document",
    "parse_day",
    "read_events",
    "funding_report",
    "rejections",
    "kpi_series",
    "competence_matrix",
    "companies",
    "require_fresh_tenant",
    "require_fresh_projections",
    "require_tenant",
    "unattributed_rejections",
]

READ_WAIT_SECONDS = 5.0
"""How long a read waits for the projections to read what was committed before it."""

RETRY_AFTER_SECONDS = 5
"""When a reader turned away by :class:`ProjectionsBehind` should try again."""


class UnknownTenant(LookupError):
    def __init__(self, tenant: str) -> None:
        super().__init__(f"there is no message on record for the tenant {tenant!r}")
        self.tenant = tenant


class ProjectionsBehind(RuntimeError):
    """The projections have not yet read every event committed before the read began."""

    def __init__(self, tenant: str | None, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        whose = f"the tenant {tenant!r}" if tenant is not None else "the log"
        super().__init__(f"the figures have not yet caught up with the messages accepted for {whose};"
                         f" try again in {retry_after} s")
        self.tenant = tenant
        self.retry_after = retry_after


_DAY = TypeAdapter(Day)


def parse_day(text: str) -> date:
    """A date as the contract writes it, exactly ``YYYY-MM-DD`` (not a number, not a week date)."""
    try:
        return _DAY.validate_python(text)
    except ValidationError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


async def require_tenant(store: EventStore, tenant: str) -> None:
    if not await store.tenant_on_record(tenant):
        raise UnknownTenant(tenant)


async def require_fresh_projections(
    pool: asyncpg.Pool, tenant: str | None, *, wait: float | None = None, catch_up_here: bool = False
) -> None:
    """Return once the projections have read every event of ``tenant`` (of all, if None) committed now.

    ``catch_up_here``: when no runner has done it within ``wait``, fold the projections in this process
    (a CLI read with no server running). Raises :class:`ProjectionsBehind` when they are still behind.
    """
    from projections import catch_up, ensure_schema, wait_until_caught_up

    if catch_up_here:
        await ensure_schema(pool)  # a fresh database: nothing may have created the projections yet
    budget = READ_WAIT_SECONDS if wait is None else wait
    if await wait_until_caught_up(pool, tenant=tenant, timeout=budget):
        return
    if catch_up_here:
        await catch_up(pool)
        if await wait_until_caught_up(pool, tenant=tenant, timeout=1.0):
            return
    raise ProjectionsBehind(tenant)


async def kpi_document(
    core: App, tenant: str, as_of: date, department: str | None = None, *, by_manager: bool = False,
    catch_up_here: bool = False, wait: float | None = None,
) -> dict[str, Any]:
    """The KPI document (CONTRACT §4, §7) of a known tenant, from projections that are up to date."""
    from projections import kpi_document as document

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await document(core.pool, tenant, as_of, department, by_manager=by_manager)


async def kpi_series(
    core: App, tenant: str, request: Any, department: str | None = None, *, by_manager: bool = False,
    catch_up_here: bool = False, wait: float | None = None,
) -> dict[str, Any]:
    """Chosen KPIs at each month's (quarter's) last day (CONTRACT §7); ``request`` a checked SeriesRequest."""
    from projections import kpi_series as series

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await series(core.pool, tenant, request, department, by_manager=by_manager)


async def competence_matrix(
    core: App, tenant: str, as_of: date, department: str | None = None, *, catch_up_here: bool = False,
    wait: float | None = None,
) -> dict[str, Any]:
    """Each active employee's competence levels and targets (CONTRACT §7)."""
    from projections import competence_matrix as matrix

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await matrix(core.pool, tenant, as_of, department)


async def companies(core: App, tenant: str | None = None, *, catch_up_here: bool = False,
                    wait: float | None = None) -> list[dict[str, Any]]:
    """Companies with their display names (all, or the one ``tenant``, which must be on record)."""
    from projections import companies as listed

    if tenant is not None:
        await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    else:
        await require_fresh_projections(core.pool, None, wait=wait, catch_up_here=catch_up_here)
    return await listed(core.pool, tenant)


async def department_names(core: App, tenant: str, *, catch_up_here: bool = False,
                           wait: float | None = None) -> dict[str, str]:
    """The display names of a known tenant's registered departments, by department key."""
    from projections import department_names as named

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await named(core.pool, tenant)


async def require_fresh_tenant(core: App, tenant: str, *, wait: float | None = None,
                               catch_up_here: bool = False) -> None:
    """The gate of every projection read of one tenant: on record, and the projections up to date."""
    await require_tenant(core.store, tenant)
    await require_fresh_projections(core.pool, tenant, wait=wait, catch_up_here=catch_up_here)


async def funding_report(
    core: App, tenant: str, as_of: date, year: int | None = None, *, catch_up_here: bool = False,
    wait: float | None = None,
) -> dict[str, Any]:
    """The funding read (expected, claimed and lost amounts per booking) of a known tenant."""
    from services.core.funding.report import funding_report as report

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await report(core.pool, tenant, as_of, year)


async def actions(
    core: App, tenant: str, as_of: date, manager: str | None = None, department: str | None = None, *,
    catch_up_here: bool = False, wait: float | None = None, lang: str = "en",
) -> dict[str, Any]:
    """The HR manager's actions on ``as_of`` (CONTRACT §7), of the employees active then (of that manager and
    department on ``as_of``, when given); ``lang="da"``: their details in Danish."""
    from services.core.actions import actions_of

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await actions_of(core.pool, tenant, as_of, manager, department, lang=lang)


async def calendar(
    core: App, tenant: str, on: date, manager: str | None = None, *, wait: float | None = None,
) -> bytes:
    """The calendar feed (RFC 5545) of a tenant, of the employees whose manager on ``on`` is ``manager``."""
    from services.core.calendar import calendar_of

    await require_fresh_tenant(core, tenant, wait=wait)
    return await calendar_of(core.pool, tenant, on, manager)


async def read_events(core: App, tenant: str, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str]:
    """A page of the tenant's event log after ``after``, and the cursor to continue from."""
    parse_cursor(after)  # its form first: a malformed cursor is refused whatever the tenant
    await require_tenant(core.store, tenant)
    await core.store.check_cursor(after, tenant)
    return await core.store.read_all(after, limit, tenant=tenant)


async def rejections(core: App, tenant: str, limit: int) -> list[dict[str, Any]]:
    await require_tenant(core.store, tenant)
    return await core.store.rejections(tenant, limit=limit)


async def unattributed_rejections(core: App, limit: int) -> list[dict[str, Any]]:
    """Rejected messages whose tenant could not be read (too large, not JSON, no valid tenant …)."""
    return await core.store.rejections(None, limit=limit)
