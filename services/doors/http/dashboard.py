"""GET /: the leadership dashboard."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.doors.http.deps import core

router = APIRouter()


@router.get("/", response_class=HTMLResponse, summary="The leadership dashboard")
async def dashboard(request: Request, as_of: date | None = None, lang: str = "da", tenant: str | None = None) -> str:
    from services.doors.dashboard import render_dashboard

    return await render_dashboard(core(request).pool, as_of=as_of or date.today(), lang=lang, tenant=tenant)
