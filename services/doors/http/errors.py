"""How the read side's refusals answer over HTTP (CONTRACT §5, bad reads), for every JSON route.

The dashboard renders the same refusals as pages of its own (``services.doors.http.dashboard``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from services.core.reads import InvalidCursor, ProjectionsBehind, UnknownTenant


async def _unknown_tenant(request: Request, error: Exception) -> Response:
    if request.url.path.startswith("/dashboard/") and "text/html" in request.headers.get("accept", ""):
        from datetime import date

        from services.doors.dashboard import render_unknown_tenant

        assert isinstance(error, UnknownTenant)
        page = render_unknown_tenant(error.tenant, as_of=date.today(), lang=request.query_params.get("lang", "da"))
        return HTMLResponse(page, status_code=404)  # a browser on a dashboard page gets a page
    return JSONResponse({"detail": str(error)}, status_code=404)


async def _invalid_cursor(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=400)


async def _projections_behind(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProjectionsBehind)
    return JSONResponse({"detail": str(error)}, status_code=503,
                        headers={"Retry-After": str(error.retry_after)})


def install(api: FastAPI) -> None:
    api.add_exception_handler(UnknownTenant, _unknown_tenant)
    api.add_exception_handler(InvalidCursor, _invalid_cursor)
    api.add_exception_handler(ProjectionsBehind, _projections_behind)
