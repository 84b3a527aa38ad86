"""The leadership dashboard's pages; their refusals (bad date, unknown tenant, figures behind) as pages.

``GET /`` is the overview of every company the reader holds, or with ``?tenant=`` one company's page (with
``&department=`` one department's). The company's other pages live under ``/dashboard/{tenant}/``: the
managers (``?manager=`` one of them), the competence matrix, the tools in detail, the leadership group's
meeting paper, funding, what is to be followed up (``actions``) and the planning assistant's latest plan
(``plan``; read only). A browser signs in once (``services.doors.http.signin``) and is then known by its
session cookie. A token for one tenant sees that tenant's pages (also at ``/`` without ``?tenant=``);
another tenant's pages answer as if that tenant had no message on record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services.core.reads import ProjectionsBehind, UnknownTenant, day_of, parse_day, parse_instant
from services.doors.http.access import Principal, requires
from services.doors.http.deps import core

router = APIRouter()

_AS_OF = Query(None, description="YYYY-MM-DD; default today (the day of known_at)")
_KNOWN_AT = Query(None, description="as known at this instant (RFC 3339 with offset, CONTRACT §6); empty: now")
_LANG = Query("da", description="da (default) or en")
_PAGE = requires("leadership", session=True)


async def _answer(principal: Principal, tenant: str | None, as_of: str | None, lang: str,
                  page: Callable[[date, datetime | None], Awaitable[str]], known_at: str | None = None
                  ) -> HTMLResponse:
    """The page, or the page that says why there is none (422 bad date or instant, 404 unknown tenant, 503
    behind). ``known_at`` (the date bar's "as known at" field; empty: now) is parsed here."""
    from services.doors.dashboard import render_notice, render_unknown_tenant
    from services.doors.dashboard.access_pages import viewer
    from services.doors.dashboard.text import norm_lang, t

    viewer.set(principal)  # the page's access banner: open mode, or who is signed in
    known_text = _text(known_at)
    try:
        instant = parse_instant(known_text) if known_text else None
    except ValueError:
        notice = t(norm_lang(lang), "bad_known_at", value=known_text)
        return HTMLResponse(render_notice(tenant, notice, as_of=date.today(), lang=lang), status_code=422)
    try:
        day = parse_day(as_of) if as_of else day_of(instant)
    except ValueError:
        notice = t(norm_lang(lang), "bad_date", value=as_of)
        return HTMLResponse(render_notice(tenant, notice, as_of=date.today(), lang=lang), status_code=422)
    if tenant is not None and not principal.holds(tenant):
        return HTMLResponse(render_unknown_tenant(tenant, as_of=day, lang=lang), status_code=404)
    try:
        return HTMLResponse(await page(day, instant))
    except UnknownTenant:
        return HTMLResponse(render_unknown_tenant(tenant or "", as_of=day, lang=lang), status_code=404)
    except ProjectionsBehind as behind:
        notice = t(norm_lang(lang), "catching_up", seconds=behind.retry_after)
        return HTMLResponse(render_notice(tenant, notice, as_of=day, lang=lang, refresh=behind.retry_after),
                            status_code=503, headers={"Retry-After": str(behind.retry_after)})


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


@router.get("/", response_class=HTMLResponse, summary="The leadership dashboard")
async def dashboard(
    request: Request,
    as_of: str | None = _AS_OF,
    lang: str = _LANG,
    tenant: str | None = Query(None, description="one company's page; none = all companies"),
    department: str | None = Query(None, description="one department's page of the company"),
    principal: Principal = requires("leadership", tenant="each", session=True),
    known_at: str | None = _KNOWN_AT,
) -> HTMLResponse:
    from services.doors.dashboard import render_dashboard

    tenant = _text(tenant) or principal.tenant
    return await _answer(principal, tenant, as_of, lang, lambda day, instant: render_dashboard(
        core(request), as_of=day, lang=lang, tenant=tenant, department=_text(department), known_at=instant),
        known_at)


@router.get("/dashboard/{tenant}/managers", response_class=HTMLResponse, summary="The company's managers")
async def managers_page(request: Request, tenant: str,
        principal: Principal = _PAGE, as_of: str | None = _AS_OF, lang: str = _LANG,
        known_at: str | None = _KNOWN_AT,
                        manager: str | None = None, department: str | None = None) -> HTMLResponse:
    from services.doors.dashboard import render_managers

    return await _page(request, principal, tenant, as_of, lang, known_at, render_managers, manager=_text(manager),
                       department=_text(department))


@router.get("/dashboard/{tenant}/competences", response_class=HTMLResponse, summary="The competence matrix")
async def competences_page(request: Request, tenant: str,
        principal: Principal = _PAGE, as_of: str | None = _AS_OF, lang: str = _LANG,
        known_at: str | None = _KNOWN_AT,
                           department: str | None = None) -> HTMLResponse:
    from services.doors.dashboard import render_competences

    return await _page(request, principal, tenant, as_of, lang, known_at, render_competences,
                       department=_text(department))


@router.get("/dashboard/{tenant}/greb", response_class=HTMLResponse, summary="The tools (greb) in detail")
async def greb_page(request: Request, tenant: str,
        principal: Principal = _PAGE, as_of: str | None = _AS_OF, lang: str = _LANG,
        known_at: str | None = _KNOWN_AT,
                    department: str | None = None) -> HTMLResponse:
    from services.doors.dashboard import render_greb

    return await _page(request, principal, tenant, as_of, lang, known_at, render_greb, department=_text(department))


@router.get("/dashboard/{tenant}/print", response_class=HTMLResponse,
            summary="The leadership group's meeting paper (print-friendly)")
async def print_page(request: Request, tenant: str,
        principal: Principal = _PAGE, as_of: str | None = _AS_OF, lang: str = _LANG,
        known_at: str | None = _KNOWN_AT) -> HTMLResponse:
    from services.doors.dashboard import render_print

    return await _page(request, principal, tenant, as_of, lang, known_at, render_print)


@router.get("/dashboard/{tenant}/funding", response_class=HTMLResponse, summary="Funding: expected, claimed, lost")
async def funding_page(request: Request, tenant: str,
        principal: Principal = _PAGE, as_of: str | None = _AS_OF, lang: str = _LANG,
        known_at: str | None = _KNOWN_AT,
                       year: int | None = None) -> HTMLResponse:
    from services.doors.dashboard import render_funding

    return await _page(request, principal, tenant, as_of, lang, known_at, render_funding, year=year)


@router.get("/dashboard/{tenant}/actions", response_class=HTMLResponse,
            summary="What is to be followed up, per company, department (?department=) or manager (?manager=)")
async def actions_page(request: Request, tenant: str,
        principal: Principal = _PAGE, as_of: str | None = _AS_OF, lang: str = _LANG,
        known_at: str | None = _KNOWN_AT,
                       manager: str | None = None, department: str | None = None) -> HTMLResponse:
    from services.doors.dashboard import render_actions

    return await _page(request, principal, tenant, as_of, lang, known_at, render_actions, manager=_text(manager),
                       department=_text(department))


@router.get("/dashboard/{tenant}/plan", response_class=HTMLResponse,
            summary="The planning assistant's latest plan (?plan= another), read only")
async def plan_page(request: Request, tenant: str,
        principal: Principal = _PAGE, as_of: str | None = _AS_OF, lang: str = _LANG,
        known_at: str | None = _KNOWN_AT,
                    plan: str | None = None) -> HTMLResponse:
    from services.doors.dashboard import render_plan

    return await _page(request, principal, tenant, as_of, lang, known_at, render_plan, plan=_text(plan))


async def _page(request: Request, principal: Principal, tenant: str, as_of: str | None, lang: str,
                known_at: str | None, render: Callable[..., Awaitable[str]], **options: Any) -> HTMLResponse:
    return await _answer(principal, tenant, as_of, lang, lambda day, instant: render(
        core(request), tenant, as_of=day, lang=lang, known_at=instant, **options), known_at)
