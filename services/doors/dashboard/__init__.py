"""The leadership dashboard: its pages, each read through ``services.core.reads`` and drawn by ``views``.

Every figure on a page is read from the projections — the KPI document (CONTRACT §4, §7: cycle status,
on-track rate, the last cycle's verdict, per department and per manager), the series, the competence
matrix, the greb views and the season facts (``projections.kpi.greb_read``), the funding report — through
the reads every door calls, so a page waits for (or is refused while) the projections catch up with what
was accepted, exactly like ``GET /v1/tenants/{t}/kpis``. Nothing here reads the event log.

Pages (all as of a date, Danish or English):
- the overview of every company the reader may see, and a company's page around the report's four phases;
- a department's page (``?department=``), the managers and one manager's page;
- the competence matrix, the tools (greb) in detail, the leadership group's meeting paper, funding.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING, Any

from services.core import reads
from services.doors.dashboard.season import months_ending, season_strip
from services.doors.dashboard.views import CHARTS, UI, charts, render

if TYPE_CHECKING:
    from services.core.app import App

__all__ = [
    "months_ending",
    "render_competences",
    "render_dashboard",
    "render_funding",
    "render_greb",
    "render_managers",
    "render_notice",
    "render_print",
    "render_unknown_tenant",
]

OVERVIEW_CONCURRENCY = 4
"""How many KPI documents the overview reads at a time."""

SERIES_KEYS = ("agreement_completion_rate", *(key for key, _, _ in CHARTS))
SERIES_MONTHS = 36


def _series_start(as_of: date) -> date:
    return months_ending(as_of, SERIES_MONTHS)[0]


async def _series(core: App, tenant: str, as_of: date, department: str | None = None) -> dict[str, Any]:
    from projections import SeriesRequest

    request = SeriesRequest.checked(_series_start(as_of), as_of, "month", SERIES_KEYS)
    return await reads.kpi_series(core, tenant, request, department)


async def _company_name(core: App, tenant: str) -> str:
    found = await reads.companies(core, tenant)
    return (found[0].get("name") if found else None) or tenant


async def _ui(core: App, tenant: str, as_of: date, lang: str) -> UI:
    name, names = await asyncio.gather(_company_name(core, tenant), reads.department_names(core, tenant))
    return UI(lang, as_of, tenant, names=names, company_name=name)


def _chart_titles(ui: UI, drawn: int) -> list[str]:
    titles = [ui.t("chart_completion_cycles"), ui.t("chart_completion_month"), *(ui.t(t) for _, t, _ in CHARTS)]
    return titles[len(titles) - drawn:]


async def render_dashboard(core: App, *, as_of: date, lang: str = "da", tenant: str | None = None,
                           department: str | None = None) -> str:
    """All companies without ``tenant``; else that company's page, or one department's with ``department``.

    Raises ``UnknownTenant`` for a tenant with no message on record, and ``ProjectionsBehind`` when the
    projections have not read what was accepted before the call: a page never shows figures that miss
    accepted messages.
    """
    tenant = (tenant or "").strip() or None
    if tenant is None:
        return await _overview(core, as_of, lang)
    department = (department or "").strip() or None
    ui = await _ui(core, tenant, as_of, lang)
    doc, series, greb, facts = await asyncio.gather(
        reads.kpi_document(core, tenant, as_of, department),
        _series(core, tenant, as_of, department),
        reads.greb_views(core, tenant, as_of, department),
        reads.season_facts(core, tenant, as_of, months_ending(as_of)[0], _month_last(as_of)),
    )
    departments = list(doc.get("departments") or {})
    strip = season_strip(facts, as_of, departments)
    cycle_start = date.fromisoformat(doc["cycle"]["start"]) if doc.get("cycle") else None
    last = doc.get("last_cycle")
    if department is None:
        figures = doc["company"]
        scope = None
        strip_rows = [(ui.t("company"), strip.company, True, figures.get("season_fit_rate"))]
        strip_rows += [(ui.dept(k), strip.row_for(k), False, f.get("season_fit_rate"))
                       for k, f in doc["departments"].items()]
        rows = [(k, ui.dept(k), ui.url("/", tenant=tenant, department=k), f) for k, f in doc["departments"].items()]
        last_rows = [("company", ui.t("company"), last["company"])] if last else []
        last_rows += [(k, ui.dept(k), f) for k, f in (last or {}).get("departments", {}).items()]
        heading, kind = ui.company_name or tenant, "company"
    else:
        figures = doc["departments"].get(department) or {}
        scope = ("departments", department)
        strip_rows = [(ui.dept(department), strip.row_for(department), False, figures.get("season_fit_rate"))]
        rows = []
        last_rows = [(department, ui.dept(department), f) for k, f in (last or {}).get("departments", {}).items()
                     if k == department]
        heading, kind = ui.dept(department), "department"
    drawn = charts(ui, series, cycle_start, figures.get("completion_target"), scope)
    return render(
        "scope.html", ui, path="/", params={"tenant": tenant, "department": department},
        tenant_nav=True, kind=kind, heading=heading, department=department, doc=doc, figures=figures, greb=greb,
        strip=strip, strip_rows=strip_rows, charts=drawn, chart_titles=_chart_titles(ui, len(drawn)),
        last_cycle=last, last_rows=last_rows, rows=rows, rows_title=ui.t("departments"),
        rows_head=ui.t("department"),
    )


def _month_last(as_of: date) -> date:
    from services.doors.dashboard.season import month_end

    return month_end(as_of.replace(day=1))


async def _overview(core: App, as_of: date, lang: str) -> str:
    companies = await reads.companies(core)
    limit = asyncio.Semaphore(OVERVIEW_CONCURRENCY)

    async def one(company: dict[str, Any]) -> dict[str, Any]:
        async with limit:
            doc = await reads.kpi_document(core, company["tenant"], as_of)
        return {"tenant": company["tenant"], "name": company.get("name") or company["tenant"], "doc": doc}

    shown = await asyncio.gather(*(one(c) for c in companies))
    ui = UI(lang, as_of)
    return render("overview.html", ui, path="/", companies=shown)


async def render_managers(core: App, tenant: str, *, as_of: date, lang: str = "da", manager: str | None = None,
                          department: str | None = None) -> str:
    """Every manager's figures (the KPI document by manager), or one manager's page."""
    ui = await _ui(core, tenant, as_of, lang)
    doc = await reads.kpi_document(core, tenant, as_of, department, by_manager=True)
    managers = doc.get("managers") or {}
    path = f"/dashboard/{tenant}/managers"
    if manager is None:
        rows = [(m, m, ui.page("managers", manager=m), f) for m, f in managers.items()]
        return render("scope_list.html", ui, path=path, params={"department": department}, tenant_nav=True,
                      heading=ui.t("managers_title"), rows=rows, rows_head=ui.t("manager"), doc=doc)
    figures = managers.get(manager) or {}
    last = doc.get("last_cycle") or {}
    last_rows = [(m, m, f) for m, f in (last.get("managers") or {}).items() if m == manager]
    return render(
        "scope.html", ui, path=path, params={"manager": manager, "department": department}, tenant_nav=True,
        kind="manager", heading=ui.t("manager_title", manager=manager), department=None, doc=doc,
        figures=figures, greb=None, strip=None, strip_rows=[], charts=[], chart_titles=[],
        last_cycle=doc.get("last_cycle"), last_rows=last_rows, rows=[], rows_title="", rows_head="",
    )


async def render_competences(core: App, tenant: str, *, as_of: date, lang: str = "da",
                             department: str | None = None) -> str:
    """People × competences: each level (1–5) against the target of the open gaps."""
    ui = await _ui(core, tenant, as_of, lang)
    matrix = await reads.competence_matrix(core, tenant, as_of, department)
    names = sorted({name for e in matrix["employees"] for name in e["competences"]})
    return render("competences.html", ui, path=f"/dashboard/{tenant}/competences",
                  params={"department": department}, tenant_nav=True, matrix=matrix, competences=names,
                  department=department)


async def render_greb(core: App, tenant: str, *, as_of: date, lang: str = "da", department: str | None = None) -> str:
    """The tools (greb) in detail, phase by phase."""
    ui = await _ui(core, tenant, as_of, lang)
    doc, greb = await asyncio.gather(reads.kpi_document(core, tenant, as_of, department),
                                     reads.greb_views(core, tenant, as_of, department))
    figures = doc["company"] if department is None else (doc["departments"].get(department) or {})
    return render("greb.html", ui, path=f"/dashboard/{tenant}/greb", params={"department": department},
                  tenant_nav=True, greb=greb, figures=figures, doc=doc, department=department)


async def render_print(core: App, tenant: str, *, as_of: date, lang: str = "da") -> str:
    """The leadership group's meeting paper: every scope's figures phase by phase, on paper."""
    ui = await _ui(core, tenant, as_of, lang)
    doc, greb = await asyncio.gather(reads.kpi_document(core, tenant, as_of), reads.greb_views(core, tenant, as_of))
    scopes = [("company", ui.t("company"), doc["company"])]
    scopes += [(k, ui.dept(k), f) for k, f in doc["departments"].items()]
    return render("print.html", ui, path=f"/dashboard/{tenant}/print", tenant_nav=False, doc=doc, greb=greb,
                  scopes=scopes)


async def render_funding(core: App, tenant: str, *, as_of: date, lang: str = "da", year: int | None = None) -> str:
    """The funding report: totals per company and department, and every booking's claims."""
    ui = await _ui(core, tenant, as_of, lang)
    report = await reads.funding_report(core, tenant, as_of, year)
    return render("funding.html", ui, path=f"/dashboard/{tenant}/funding", params={"year": year}, tenant_nav=True,
                  report=report)


def render_unknown_tenant(tenant: str, *, as_of: date, lang: str = "da") -> str:
    """A tenant nobody has sent anything for (or one the reader may not see: the same page)."""
    ui = UI(lang, as_of)
    return render("notice.html", ui, heading=tenant, notice=ui.t("unknown_tenant", tenant=tenant))


def render_notice(tenant: str | None, notice: str, *, as_of: date, lang: str = "da", refresh: int | None = None) -> str:
    """A page that only says why there are no figures to show (``refresh``: seconds until it reloads)."""
    ui = UI(lang, as_of)
    return render("notice.html", ui, params={"tenant": tenant}, refresh=refresh,
                  heading=tenant if tenant is not None else ui.t("overview"), notice=notice)

