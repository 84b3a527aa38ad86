"""GET /: the leadership dashboard; its refusals (bad date, unknown tenant, figures behind) as pages.

A browser signs in once (``services.doors.http.signin``) and is then known by its session cookie. A token
for one tenant sees that tenant's page (also at ``/`` without ``?tenant=``); another tenant's page answers
as if that tenant had no message on record.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from services.core.reads import ProjectionsBehind, UnknownTenant, parse_day
from services.doors.http.access import Principal, requires
from services.doors.http.deps import core

router = APIRouter()


@router.get("/", response_class=HTMLResponse, summary="The leadership dashboard")
async def dashboard(
    request: Request,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    lang: str = Query("da", description="da or en"),
    tenant: str | None = Query(None, description="one company's page; none = all companies"),
    principal: Principal = requires("leadership", tenant="each", session=True),
) -> HTMLResponse:
    from services.doors.dashboard import render_dashboard
    from services.doors.dashboard.access_pages import viewer
    from services.doors.dashboard.html import render_notice, render_unknown_tenant
    from services.doors.dashboard.text import norm_lang, t

    viewer.set(principal)  # the page's access banner: open mode, or who is signed in
    tenant = (tenant or "").strip() or principal.tenant
    try:
        day = parse_day(as_of) if as_of else date.today()
    except ValueError:
        notice = t(norm_lang(lang), "bad_date", value=as_of)
        return HTMLResponse(render_notice(tenant, notice, as_of=date.today(), lang=lang), status_code=422)
    if tenant is not None and not principal.holds(tenant):
        return HTMLResponse(render_unknown_tenant(tenant, as_of=day, lang=lang), status_code=404)
    try:
        page = await render_dashboard(core(request).pool, as_of=day, lang=lang, tenant=tenant)
    except UnknownTenant:
        return HTMLResponse(render_unknown_tenant(tenant or "", as_of=day, lang=lang), status_code=404)
    except ProjectionsBehind as behind:
        notice = t(norm_lang(lang), "catching_up", seconds=behind.retry_after)
        return HTMLResponse(render_notice(tenant, notice, as_of=day, lang=lang, refresh=behind.retry_after),
                            status_code=503, headers={"Retry-After": str(behind.retry_after)})
    return HTMLResponse(page)
