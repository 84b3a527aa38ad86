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

Every KPI read takes ``known_at`` (CONTRACT §6, as known at): an aware instant; only events recorded by then
count. Not given, or not in the past (a known_at in the future is now), the read is the ordinary one. Its
as-of date, when not given, is the day of known_at (what a read at that instant showed) — today without it.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from datetime import UTC, date, datetime
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar, cast

import asyncpg
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from domain.fields import Day, Instant
from infra.store import EventStore, InvalidCursor, parse_cursor
from services.core.audit import AuditKeys, Report, export_tenant, verify_tenant

if TYPE_CHECKING:
    from services.core.app import App

__all__ = [
    "READ_WAIT_SECONDS",
    "RETRY_AFTER_SECONDS",
    "InvalidCursor",
    "ReadMemory",
    "KnownAt",
    "KNOWN_AT_HELP",
    "ProjectionsBehind",
    "UnknownTenant",
    "actions",
    "audit_export",
    "audit_verify",
    "calendar",
    "kpi_document",
    "kpi_document_and_series",
    "memory",
    "plan_view",
    "parse_day",
    "parse_instant",
    "day_of",
    "read_events",
    "funding_report",
    "rejections",
    "kpi_series",
    "competence_matrix",
    "companies",
    "department_names",
    "greb_views",
    "season_facts",
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
T = TypeVar("T")


def parse_day(text: str) -> date:
    """A date as the contract writes it, exactly ``YYYY-MM-DD`` (not a number, not a week date)."""
    try:
        return _DAY.validate_python(text)
    except ValidationError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _offset_from_a_query(value: object) -> object:
    """A URL query decodes the ``+`` of an offset (``…T08:00:00+02:00``) to a space: read it back as ``+``."""
    if isinstance(value, str) and len(value) > 6 and value[-6] == " " and value[-3] == ":":
        return f"{value[:-6]}+{value[-5:]}"
    return value


# Before-validators run last declared first: the query's space is mended before the instant is read.
KnownAt = Annotated[Instant, BeforeValidator(_offset_from_a_query)]
"""The ``known_at`` of a read: an RFC 3339 instant with its offset (in a URL query, a ``+`` decoded to a space
is read as ``+``)."""

_INSTANT: TypeAdapter[datetime] = TypeAdapter(KnownAt)

KNOWN_AT_HELP = "an RFC 3339 instant with offset, e.g. 2026-03-10T08:00:00Z: only messages recorded by then count" \
    " (default: now)"


def parse_instant(text: str) -> datetime:
    """An instant as the contract writes it: RFC 3339 with an offset, e.g. ``2026-03-10T08:00:00Z``."""
    try:
        return _INSTANT.validate_python(text)
    except ValidationError:
        raise ValueError(f"{text!r} is not an RFC 3339 instant with an offset (e.g. 2026-03-10T08:00:00Z)") from None


def day_of(known_at: datetime | None) -> date:
    """The as-of date of a read that names none: the day of ``known_at`` (local time), today without it."""
    return date.today() if known_at is None else known_at.astimezone().date()


def _in_the_past(known_at: datetime | None) -> datetime | None:
    """The instant a read is known at, or None for the ordinary read (none given, or not in the past)."""
    if known_at is None or known_at >= datetime.now(UTC):
        return None
    return known_at


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
    catch_up_here: bool = False, wait: float | None = None, known_at: datetime | None = None,
) -> dict[str, Any]:
    """The KPI document (CONTRACT §4, §7) of a known tenant, from projections that are up to date; with
    ``known_at``, as known then."""
    from projections import kpi_document as document

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await document(core.pool, tenant, as_of, department, by_manager=by_manager,
                          known_at=_in_the_past(known_at))


async def kpi_series(
    core: App, tenant: str, request: Any, department: str | None = None, *, by_manager: bool = False,
    catch_up_here: bool = False, wait: float | None = None, known_at: datetime | None = None,
) -> dict[str, Any]:
    """Chosen KPIs at each month's (quarter's) last day (CONTRACT §7); ``request`` a checked SeriesRequest."""
    from projections import kpi_series as series

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await series(core.pool, tenant, request, department, by_manager=by_manager,
                        known_at=_in_the_past(known_at))


async def kpi_document_and_series(
    core: App, tenant: str, as_of: date, request: Any, department: str | None = None, *,
    wait: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The KPI document on ``as_of`` and a series (a checked SeriesRequest), read together in one statement."""
    from projections import document_and_series

    await require_fresh_tenant(core, tenant, wait=wait)
    return await document_and_series(core.pool, tenant, as_of, request, department)


async def competence_matrix(
    core: App, tenant: str, as_of: date, department: str | None = None, *, catch_up_here: bool = False,
    wait: float | None = None, known_at: datetime | None = None,
) -> dict[str, Any]:
    """Each active employee's competence levels and targets (CONTRACT §7)."""
    from projections import competence_matrix as matrix

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await matrix(core.pool, tenant, as_of, department, known_at=_in_the_past(known_at))


async def companies(core: App, tenant: str | None = None, *, catch_up_here: bool = False,
                    wait: float | None = None) -> list[dict[str, Any]]:
    """Companies with their display names (all, or the one ``tenant``, which must be on record)."""
    from projections import companies as listed

    if tenant is not None:
        await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    else:
        await require_fresh_projections(core.pool, None, wait=wait, catch_up_here=catch_up_here)
    return await listed(core.pool, tenant)


async def greb_views(core: App, tenant: str, as_of: date, department: str | None = None, *,
                     wait: float | None = None) -> dict[str, Any]:
    """The dashboard's views of the report's tools (``projections.kpi.greb_read``) of a known tenant."""
    from projections import greb_views as views

    await require_fresh_tenant(core, tenant, wait=wait)
    async with _while_rebuilding(tenant):
        return await views(core.pool, tenant, as_of, department)


async def season_facts(core: App, tenant: str, as_of: date, first: date, last: date, *,
                       wait: float | None = None) -> dict[str, Any]:
    """The wheels in force by ``as_of`` and the live course starts per month in [first, last]."""
    from projections import season_facts as facts

    await require_fresh_tenant(core, tenant, wait=wait)
    async with _while_rebuilding(tenant):
        return await facts(core.pool, tenant, as_of, first, last)


async def department_names(core: App, tenant: str, *, wait: float | None = None) -> dict[str, str]:
    """Department key -> display name (the registration accepted last) of a known tenant."""
    from projections import department_names as names

    await require_fresh_tenant(core, tenant, wait=wait)
    async with _while_rebuilding(tenant):
        return await names(core.pool, tenant)


@contextlib.asynccontextmanager
async def _while_rebuilding(tenant: str) -> AsyncIterator[None]:
    """A read of tables that the active projection version does not have yet (an upgrade's rebuild is still
    building the version that has them) answers like projections that are behind: try again shortly."""
    try:
        yield
    except asyncpg.UndefinedTableError:
        raise ProjectionsBehind(tenant, RETRY_AFTER_SECONDS * 6) from None


class ReadMemory:
    """Answers of projection reads, kept per state of the KPI projection for the tenant
    (``projections.state_token``: the active version and the tenant's last event): a read asked again while
    nothing of the tenant arrived is answered from memory — after the same freshness gate, so read-your-writes
    holds. The least recently used answers go first beyond ``size``."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = 0

    def clear(self) -> None:
        self._answers.clear()

    async def read(self, core: App, tenant: str, key: Hashable, read: Callable[[], Awaitable[T]], *,
                   wait: float | None = None) -> T:
        from projections import state_token

        await require_fresh_tenant(core, tenant, wait=wait)
        token = await state_token(core.pool, tenant)
        full = (tenant, key, token)
        if token is not None and full in self._answers:
            self._answers.move_to_end(full)
            self.hits += 1
            return cast(T, self._answers[full])
        answer = await read()
        if token is not None:  # an answer read after the token moved on is newer, never older: still true
            self._answers[full] = answer
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer


_memories: dict[int, tuple[asyncpg.Pool, ReadMemory]] = {}


def memory(core: App) -> ReadMemory:
    """The read memory of this app's database (one per pool)."""
    found = _memories.get(id(core.pool))
    if found is None or found[0] is not core.pool:
        if len(_memories) >= 8:
            _memories.pop(next(iter(_memories)))
        found = _memories[id(core.pool)] = (core.pool, ReadMemory())
    return found[1]


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
    catch_up_here: bool = False, wait: float | None = None, lang: str = "en", known_at: datetime | None = None,
) -> dict[str, Any]:
    """The HR manager's actions on ``as_of`` (CONTRACT §7), of the employees active then (of that manager and
    department on ``as_of``, when given); ``lang="da"``: their details in Danish; with ``known_at``, as known
    then."""
    from services.core.actions import actions_of

    await require_fresh_tenant(core, tenant, wait=wait, catch_up_here=catch_up_here)
    return await actions_of(core.pool, tenant, as_of, manager, department, lang=lang,
                            known_at=_in_the_past(known_at))


async def plan_view(core: App, tenant: str, plan_id: str | None = None, *, recent: int = 10) -> dict[str, Any]:
    """A plan of the planning assistant as a reader sees it (CONTRACT §8): ``plan`` (its document, or None: the
    tenant has none, or none by that id), ``made_at``, ``acceptances`` and the tenant's ``recent`` plans (newest
    first). The latest plan made without ``plan_id``. Plans are stored documents, not projections: only the
    tenant must be on record."""
    from infra.plans import PlanStore

    await require_tenant(core.store, tenant)
    store = PlanStore(core.pool)
    found = await (store.load(plan_id) if plan_id else store.latest(tenant))
    if found is not None and found.tenant != tenant:
        found = None
    listed = await store.recent(tenant, recent)
    if found is None:
        return {"tenant": tenant, "plan": None, "made_at": None, "acceptances": [], "recent": listed}
    return {"tenant": tenant, "plan": found.document, "made_at": await store.made_at(found.plan_id),
            "solver": {"name": found.solver, "version": found.solver_version},
            "acceptances": await store.acceptances(found.plan_id), "recent": listed}


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


async def audit_verify(core: App, tenant: str, keys: AuditKeys) -> Report:
    """The tenant's log against its hash chain and signed checkpoints (CONTRACT §6, docs/audit.md)."""
    await require_tenant(core.store, tenant)
    return await verify_tenant(core.pool, tenant, keys)


async def audit_export(core: App, tenant: str, out: IO[str], until: str | None) -> tuple[int, int]:
    """The tenant's events with hashes and its checkpoints as JSON Lines, up to ``until`` (a cursor)."""
    await require_tenant(core.store, tenant)
    if until is not None:
        await core.store.check_cursor(until, tenant)
    return await export_tenant(core.pool, tenant, out, None if until is None else parse_cursor(until))
