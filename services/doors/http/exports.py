"""Spreadsheet exports: the KPI document as CSV for Excel."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from domain.fields import Day
from services.core import reads
from services.core.reads import KNOWN_AT_HELP, KnownAt
from services.core.tabular import excel_csv, kpi_rows
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()

_CSV = "text/csv; charset=utf-8"


@router.get("/v1/tenants/{tenant}/kpis.csv", summary="The KPI document as CSV for Excel (UTF-8 with BOM, ';')",
            response_class=Response, responses={200: {"content": {_CSV: {}}}},
            dependencies=[requires("leadership")])
async def get_kpis_csv(request: Request, tenant: str,
                       as_of: Day | None = Query(None, description="YYYY-MM-DD; default today (the day of known_at)"),
                       department: str | None = None, lang: Literal["da", "en"] = "en",
                       known_at: KnownAt | None = Query(None, description=KNOWN_AT_HELP)) -> Response:
    document = await reads.kpi_document(core(request), tenant, as_of or reads.day_of(known_at), department,
                                        known_at=known_at)
    filename = f"kpis-{tenant}-{document['as_of']}.csv"
    return Response(excel_csv(kpi_rows(document), lang=lang), media_type=_CSV,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
