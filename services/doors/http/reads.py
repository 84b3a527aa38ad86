"""The tenant reads: rejections, the event log, the KPI document (refusals: ``errors``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from domain.fields import Day
from services.core import reads
from services.core.reads import KNOWN_AT_HELP, KnownAt
from services.doors.http.access import requires
from services.doors.http.deps import core
from services.doors.http.schemas import BAD_CURSOR, BAD_DATE, BEHIND, UNKNOWN_TENANT

router = APIRouter()


@router.get("/v1/tenants/{tenant}/rejections", summary="Rejected messages of a tenant, oldest first",
            dependencies=[requires("auditor")], responses={**UNKNOWN_TENANT})
async def get_rejections(request: Request, tenant: str,
                         limit: int = Query(1000, ge=1, le=10000, description="at most this many")) -> Any:
    return {"rejections": await reads.rejections(core(request), tenant, limit)}


@router.get("/v1/tenants/{tenant}/events", summary="The tenant's event log, from a cursor",
            dependencies=[requires("auditor")], responses={**BAD_CURSOR, **UNKNOWN_TENANT})
async def get_events(
    request: Request,
    tenant: str,
    after: str | None = Query(None, description="the `next` of an earlier page; none = from the start"),
    limit: int = Query(100, ge=1, le=10000, description="at most this many events"),
) -> Any:
    events, cursor = await reads.read_events(core(request), tenant, after, limit)
    return {"events": events, "next": cursor}


@router.get("/v1/tenants/{tenant}/kpis", summary="The KPI document of a tenant as of a business date",
            dependencies=[requires("leadership")], responses={**UNKNOWN_TENANT, **BAD_DATE, **BEHIND})
async def get_kpis(
    request: Request,
    tenant: str,
    as_of: Day | None = Query(None, description="YYYY-MM-DD; default today (the day of known_at)"),
    department: str | None = Query(None, description="only this department in `departments`"),
    group_by: Literal["department", "manager"] = Query("department", description="manager: adds `managers`"),
    known_at: KnownAt | None = Query(None, description=KNOWN_AT_HELP),
) -> Any:
    return await reads.kpi_document(core(request), tenant, as_of or reads.day_of(known_at), department,
                                    by_manager=group_by == "manager", known_at=known_at)
