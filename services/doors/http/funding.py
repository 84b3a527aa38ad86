"""The funding reads: the JSON document and its CSV export."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response

from domain.fields import Day
from services.core import reads
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()


async def _report(request: Request, tenant: str, year: int | None, as_of: date | None) -> dict[str, Any]:
    return await reads.funding_report(core(request), tenant, as_of or date.today(), year)


@router.get("/v1/tenants/{tenant}/funding", summary="Expected, claimed and lost funding per booking, explained",
            dependencies=[requires("leadership")])
async def get_funding(request: Request, tenant: str, year: int | None = None,
                      as_of: Day | None = Query(None, description="YYYY-MM-DD; default today")) -> Any:
    return await _report(request, tenant, year, as_of)


@router.get("/v1/tenants/{tenant}/funding.csv", summary="The funding read as CSV (for Excel)",
            dependencies=[requires("leadership")])
async def get_funding_csv(request: Request, tenant: str, year: int | None = None,
                          as_of: Day | None = Query(None, description="YYYY-MM-DD; default today"),
                          lang: Literal["en", "da"] = "en") -> Response:
    from services.core.funding.report import funding_csv

    body = funding_csv(await _report(request, tenant, year, as_of), lang)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="funding-{tenant}.csv"'})
