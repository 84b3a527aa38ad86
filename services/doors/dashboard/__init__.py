"""The leadership dashboard: its pages, each read through ``services.core.reads`` and drawn by ``views``.

Every figure on a page is read from the projections — the KPI document (CONTRACT §4, §7: cycle status,
on-track rate, the last cycle's verdict, per department and per manager), the series, the competence
matrix, the greb views and the season facts (``projections.kpi.greb_read``), the funding report — through
the reads every door calls, so a page waits for (or is refused while) the projections catch up with what
was accepted, exactly like ``GET /v1/tenants/{t}/kpis``. Nothing here reads the event log. Answers are
kept in the read memory (``reads.ReadMemory``) while nothing of the tenant arrives, so a page asked again
costs the freshness gate and the rendering.

Pages (all as of a date, Danish or English; with ``known_at``, CONTRACT §6, as known at an instant: the KPI
document, the series, the competence matrix and the actions — the greb views, the season facts, funding and
the plan are not bitemporal and are shown as known now, which the page says):
- the overview of every company the reader may see, and a company's page around the report's four phases;
- a department's page (``?department=``), the managers and one manager's page;
- the competence matrix, the tools (greb) in detail, the leadership group's meeting paper, funding;
- what is to be followed up (the actions read, per company, department or manager) and the latest plan of the
  planning assistant (read only: the dashboard never proposes or accepts one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from services.core import reads
from services.doors.dashboard import pages
from services.doors.dashboard.season import month_end, months_ending
from services.doors.dashboard.views import CHARTS, UI, render

if TYPE_CHECKING:
    from services.core.app import App

__all__ = [
    "months_ending",
    "render_actions",
    "render_competences",
    "render_dashboard",
    "render_funding",
    "render_greb",
    "render_managers",
    "render_notice",
    "render_plan",
    "render_print",
    "render_unknown_tenant",
    "trend_request",
    "trend_series",
]

T = TypeVar("T")

OVERVIEW_CONCURRENCY = 4
"""How many KPI documents the overview reads at a time."""

SERIES_KEYS = ("agreement_completion_rate", *(key for key, _, _ in CHARTS))
SERIES_MONTHS = 36


def _series_start(as_of: date) -> date:
    return months_ending(as_of, SERIES_MONTHS)[0]


def _last_month_end(as_of: date) -> date:
    end = month_end(as_of.replace(day=1))
    return end if end <= as_of else as_of.replace(day=1) - timedelta(days=1)


def trend_request(as_of: date) -> Any:
    """The trend keys at the month ends of the 36 months up to ``as_of`` (the same for every day of a month)."""
    from projections import SeriesRequest

    start, end = _series_start(as_of), _last_month_end(as_of)
    return SeriesRequest.checked(start, max(start, end), "month", SERIES_KEYS)


async def trend_series(core: App, tenant: str, as_of: date, department: str | None = None, *,
                       known_at: datetime | None = None) -> dict[str, Any]:
    """The trend series of a page on ``as_of`` alone (as known at ``known_at``, when given)."""
    request = trend_request(as_of)
    return await _remembered(core, tenant, ("series", request.start, request.end, department, known_at),
                             lambda: reads.kpi_series(core, tenant, request, department, known_at=known_at))


def _remembered(core: App, tenant: str, key: tuple[Any, ...], read: Callable[[], Awaitable[T]]) -> Awaitable[T]:
    """A read answered from memory while the projections have not moved (``reads.ReadMemory``)."""
    return reads.memory(core).read(core, tenant, key, read)


def _document(core: App, tenant: str, as_of: date, department: str | None = None, *, by_manager: bool = False,
              known_at: datetime | None = None) -> Awaitable[dict[str, Any]]:
    return _remembered(core, tenant, ("doc", as_of, department, by_manager, known_at),
                       lambda: reads.kpi_document(core, tenant, as_of, department, by_manager=by_manager,
                                                  known_at=known_at))


def _actions(core: App, tenant: str, as_of: date, *, manager: str | None = None, department: str | None = None,
             known_at: datetime | None = None, lang: str = "en") -> Awaitable[dict[str, Any]]:
    """The actions read; ``lang`` is the language of their detail sentences."""
    return _remembered(core, tenant, ("actions", as_of, manager, department, known_at, lang),
                       lambda: reads.actions(core, tenant, as_of, manager, department, known_at=known_at,
                                             lang=lang))


def _greb(core: App, tenant: str, as_of: date, department: str | None = None) -> Awaitable[dict[str, Any]]:
    return _remembered(core, tenant, ("greb", as_of, department),
                       lambda: reads.greb_views(core, tenant, as_of, department))


async def _company_name(core: App, tenant: str) -> str:
    found = await _remembered(core, tenant, ("company",), lambda: reads.companies(core, tenant))
    return (found[0].get("name") if found else None) or tenant


async def _ui(core: App, tenant: str, as_of: date, lang: str, known_at: datetime | None = None) -> UI:
    name, names = await asyncio.gather(
        _company_name(core, tenant),
        _remembered(core, tenant, ("names",), lambda: reads.department_names(core, tenant)))
    return UI(lang, as_of, tenant, names=names, company_name=name, known_at=known_at)


async def render_dashboard(core: App, *, as_of: date, lang: str = "da", tenant: str | None = None,
                           department: str | None = None, known_at: datetime | None = None) -> str:
    """All companies without ``tenant``; else that company's page, or one department's with ``department``.

    Raises ``UnknownTenant`` for a tenant with no message on record, and ``ProjectionsBehind`` when the
    projections have not read what was accepted before the call: a page never shows figures that miss
    accepted messages.
    """
    tenant = (tenant or "").strip() or None
    if tenant is None:
        return await _overview(core, as_of, lang, known_at)
    department = (department or "").strip() or None
    ui = await _ui(core, tenant, as_of, lang, known_at)
    first, last = months_ending(as_of)[0], month_end(as_of.replace(day=1))
    request = trend_request(as_of)
    (doc, series), greb, facts, actions = await asyncio.gather(
        _remembered(core, tenant, ("doc+series", as_of, department),
                    lambda: reads.kpi_document_and_series(core, tenant, as_of, request, department))
        if known_at is None else _document_and_series(core, tenant, as_of, department, known_at),
        _greb(core, tenant, as_of, department),
        _remembered(core, tenant, ("season", as_of), lambda: reads.season_facts(core, tenant, as_of, first, last)),
        _actions(core, tenant, as_of, department=department, known_at=known_at),
    )
    return pages.company_page(ui, doc, series, greb, facts, department, actions=len(actions["actions"]))


async def _document_and_series(core: App, tenant: str, as_of: date, department: str | None, known_at: datetime
                               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The KPI document and the trend series as known at ``known_at`` (two reads: the one statement that reads
    both does not take an instant)."""
    doc, series = await asyncio.gather(_document(core, tenant, as_of, department, known_at=known_at),
                                       trend_series(core, tenant, as_of, department, known_at=known_at))
    return doc, series


async def _overview(core: App, as_of: date, lang: str, known_at: datetime | None = None) -> str:
    companies = await reads.companies(core)
    limit = asyncio.Semaphore(OVERVIEW_CONCURRENCY)

    async def one(company: dict[str, Any]) -> dict[str, Any]:
        async with limit:
            doc = await _document(core, company["tenant"], as_of, known_at=known_at)
        return {"tenant": company["tenant"], "name": company.get("name") or company["tenant"], "doc": doc}

    return pages.overview_page(UI(lang, as_of, known_at=known_at),
                               list(await asyncio.gather(*(one(c) for c in companies))))


async def render_managers(core: App, tenant: str, *, as_of: date, lang: str = "da", manager: str | None = None,
                          department: str | None = None, known_at: datetime | None = None) -> str:
    """Every manager's figures (the KPI document by manager), or one manager's page."""
    ui = await _ui(core, tenant, as_of, lang, known_at)
    doc = await _document(core, tenant, as_of, department, by_manager=True, known_at=known_at)
    if manager is None:
        return pages.managers_page(ui, doc, manager, department)
    actions = await _actions(core, tenant, as_of, manager=manager, department=department, known_at=known_at)
    return pages.managers_page(ui, doc, manager, department, actions=len(actions["actions"]))


async def render_competences(core: App, tenant: str, *, as_of: date, lang: str = "da",
                             department: str | None = None, known_at: datetime | None = None) -> str:
    """People × competences: each level (1–5) against the target of the open gaps."""
    ui = await _ui(core, tenant, as_of, lang, known_at)
    # large: not kept in the read memory
    matrix = await reads.competence_matrix(core, tenant, as_of, department, known_at=known_at)
    return pages.competences_page(ui, matrix, department)


async def render_greb(core: App, tenant: str, *, as_of: date, lang: str = "da", department: str | None = None,
                      known_at: datetime | None = None) -> str:
    """The tools (greb) in detail, phase by phase (the greb views as known now, the KPI figures as known at
    ``known_at``)."""
    ui = await _ui(core, tenant, as_of, lang, known_at)
    doc, greb = await asyncio.gather(_document(core, tenant, as_of, department, known_at=known_at),
                                     _greb(core, tenant, as_of, department))
    return pages.greb_page(ui, doc, greb, department)


async def render_print(core: App, tenant: str, *, as_of: date, lang: str = "da",
                       known_at: datetime | None = None) -> str:
    """The leadership group's meeting paper: every scope's figures phase by phase, on paper."""
    ui = await _ui(core, tenant, as_of, lang, known_at)
    doc, greb = await asyncio.gather(_document(core, tenant, as_of, known_at=known_at), _greb(core, tenant, as_of))
    return pages.print_page(ui, doc, greb)


async def render_funding(core: App, tenant: str, *, as_of: date, lang: str = "da", year: int | None = None,
                         known_at: datetime | None = None) -> str:
    """The funding report: totals per company and department, and every booking's claims (as known now)."""
    ui = await _ui(core, tenant, as_of, lang, known_at)
    return pages.funding_page(ui, await reads.funding_report(core, tenant, as_of, year), year)


async def render_actions(core: App, tenant: str, *, as_of: date, lang: str = "da", manager: str | None = None,
                         department: str | None = None, known_at: datetime | None = None) -> str:
    """What is to be followed up on ``as_of``: the actions read (CONTRACT §7), grouped by kind."""
    ui = await _ui(core, tenant, as_of, lang, known_at)
    document = await _actions(core, tenant, as_of, manager=manager, department=department, known_at=known_at,
                              lang=lang)
    return pages.actions_page(ui, document, manager, department)


async def render_plan(core: App, tenant: str, *, as_of: date, lang: str = "da", plan: str | None = None,
                      known_at: datetime | None = None) -> str:
    """The planning assistant's latest plan (or the one asked for by ``plan``), read only (as known now)."""
    ui = await _ui(core, tenant, as_of, lang, known_at)
    return pages.plan_page(ui, await reads.plan_view(core, tenant, plan), plan)


def render_unknown_tenant(tenant: str, *, as_of: date, lang: str = "da") -> str:
    """A tenant nobody has sent anything for (or one the reader may not see: the same page)."""
    ui = UI(lang, as_of)
    return render("notice.html", ui, heading=tenant, notice=ui.t("unknown_tenant", tenant=tenant))


def render_notice(tenant: str | None, notice: str, *, as_of: date, lang: str = "da", refresh: int | None = None) -> str:
    """A page that only says why there are no figures to show (``refresh``: seconds until it reloads)."""
    ui = UI(lang, as_of)
    return render("notice.html", ui, params={"tenant": tenant}, refresh=refresh,
                  heading=tenant if tenant is not None else ui.t("overview"), notice=notice)

