"""Learning records out: a tenant's bookings, completions, sharing and cancellations as xAPI 1.0.3
statements, streamed as JSON Lines."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from domain.fields import Day
from services.core.reads import require_tenant
from services.core.xapi import InvalidHomepage, Namespace, xapi_lines
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()

NDJSON = "application/x-ndjson"


@router.get(
    "/v1/tenants/{tenant}/export/xapi",
    dependencies=[requires("auditor")],
    summary="The tenant's learning records as xAPI 1.0.3 statements (JSON Lines, streamed)",
    response_class=StreamingResponse,
    responses={200: {"content": {NDJSON: {}}}, 404: {"description": "no message on record for the tenant"}},
)
async def export_xapi(
    request: Request, tenant: str,
    since: Day | None = Query(None, description="only statements whose business date is on or after YYYY-MM-DD"),
) -> StreamingResponse:
    app = core(request)
    await require_tenant(app.store, tenant)
    homepage = app.settings.xapi_homepage
    try:
        Namespace.of(homepage)
    except InvalidHomepage as error:
        raise HTTPException(500, str(error)) from None
    lines: AsyncIterator[str] = xapi_lines(app.store, tenant, homepage=homepage, since=since)
    return StreamingResponse(lines, media_type=NDJSON)
