"""The HR manager's actions (CONTRACT §7): the JSON document and its CSV for Excel. Figures come from the
application core; this router only translates."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from domain.fields import Day
from services.core import reads
from services.core.tabular import action_rows, excel_csv
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()

_CSV = "text/csv; charset=utf-8"
_AS_OF = Query(None, description="YYYY-MM-DD; default today")
_MANAGER = Query(None, description="only employees whose manager on that date is this employee_id")
_DEPARTMENT = Query(None, description="only employees in this department on that date")


@router.get("/v1/tenants/{tenant}/actions", summary="The HR manager's actions on a business date",
            dependencies=[requires("leadership")])
async def get_actions(request: Request, tenant: str, as_of: Day | None = _AS_OF, manager: str | None = _MANAGER,
                      department: str | None = _DEPARTMENT) -> Any:
    return await reads.actions(core(request), tenant, as_of or date.today(), manager, department)


@router.get("/v1/tenants/{tenant}/actions.csv", summary="The actions as CSV for Excel (UTF-8 with BOM, ';')",
            response_class=Response, responses={200: {"content": {_CSV: {}}}},
            dependencies=[requires("leadership")])
async def get_actions_csv(request: Request, tenant: str, as_of: Day | None = _AS_OF, manager: str | None = _MANAGER,
                          department: str | None = _DEPARTMENT, lang: Literal["da", "en"] = "en") -> Response:
    document = await reads.actions(core(request), tenant, as_of or date.today(), manager, department)
    filename = f"actions-{tenant}-{document['as_of']}.csv"
    return Response(excel_csv(action_rows(document, lang), lang=lang), media_type=_CSV,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
