"""The HR manager's actions (CONTRACT §7) as JSON and CSV for Excel, and the calendar feed of due dates,
courses, follow-ups and meetings. Figures come from the application core; this router only translates."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from domain.fields import Day
from services.core import reads
from services.core.reads import KNOWN_AT_HELP, KnownAt
from services.core.tabular import action_rows, excel_csv
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()

_CSV = "text/csv; charset=utf-8"
_AS_OF = Query(None, description="YYYY-MM-DD; default today (the day of known_at)")
_KNOWN_AT = Query(None, description=KNOWN_AT_HELP)
_MANAGER = Query(None, description="only employees whose manager on that date is this employee_id")
_DEPARTMENT = Query(None, description="only employees in this department on that date")


@router.get("/v1/tenants/{tenant}/actions", summary="The HR manager's actions on a business date",
            dependencies=[requires("leadership")])
async def get_actions(request: Request, tenant: str, as_of: Day | None = _AS_OF, manager: str | None = _MANAGER,
                      department: str | None = _DEPARTMENT, known_at: KnownAt | None = _KNOWN_AT) -> Any:
    return await reads.actions(core(request), tenant, as_of or reads.day_of(known_at), manager, department,
                               known_at=known_at)


@router.get("/v1/tenants/{tenant}/actions.csv", summary="The actions as CSV for Excel (UTF-8 with BOM, ';')",
            response_class=Response, responses={200: {"content": {_CSV: {}}}},
            dependencies=[requires("leadership", session=True)])  # also a download from the dashboard's page
async def get_actions_csv(request: Request, tenant: str, as_of: Day | None = _AS_OF, manager: str | None = _MANAGER,
                          department: str | None = _DEPARTMENT, lang: Literal["da", "en"] = "en",
                          known_at: KnownAt | None = _KNOWN_AT) -> Response:
    document = await reads.actions(core(request), tenant, as_of or reads.day_of(known_at), manager, department,
                                   known_at=known_at)
    filename = f"actions-{tenant}-{document['as_of']}.csv"
    return Response(excel_csv(action_rows(document, lang), lang=lang), media_type=_CSV,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


_ICS = "text/calendar; charset=utf-8"


@router.get("/v1/tenants/{tenant}/calendar.ics",
            summary="Due dates, courses, review follow-ups and committee meetings as a calendar feed (RFC 5545)",
            response_class=Response, responses={200: {"content": {_ICS: {}}}},
            dependencies=[requires("leadership")])
async def get_calendar(request: Request, tenant: str,
                       manager: str | None = Query(None, description="only employees whose manager is this "
                                                   "employee_id (on as_of)"),
                       as_of: Day | None = Query(None, description="YYYY-MM-DD, the day the manager is read on;"
                                                 " default today")) -> Response:
    body = await reads.calendar(core(request), tenant, as_of or date.today(), manager)
    return Response(body, media_type=_ICS,
                    headers={"Content-Disposition": f'inline; filename="eduplan-{tenant}.ics"'})
