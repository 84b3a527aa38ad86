"""How the read side's refusals answer over HTTP (CONTRACT §5, bad reads), for every JSON route.

The dashboard renders the same refusals as pages of its own (``services.doors.http.dashboard``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.core.reads import InvalidCursor, ProjectionsBehind, UnknownTenant


async def _unknown_tenant(request: Request, error: Exception) -> JSONResponse:
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
