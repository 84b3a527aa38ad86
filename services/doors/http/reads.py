"""The tenant reads: rejections, the event log, the KPI document."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from infra.store import InvalidCursor
from services.doors.http.deps import core

router = APIRouter()


@router.get("/v1/tenants/{tenant}/rejections", summary="Rejected messages of a tenant, oldest first")
async def get_rejections(request: Request, tenant: str, limit: int = Query(1000, ge=1, le=10000)) -> Any:
    return {"rejections": await core(request).store.rejections(tenant, limit=limit)}


@router.get("/v1/tenants/{tenant}/events", summary="The tenant's event log, from a cursor")
async def get_events(
    request: Request, tenant: str, after: str | None = None, limit: int = Query(100, ge=1, le=10000)
) -> Any:
    try:
        events, cursor = await core(request).store.read_all(after, limit, tenant=tenant)
    except InvalidCursor as error:
        raise HTTPException(400, str(error)) from None
    return {"events": events, "next": cursor}


@router.get("/v1/tenants/{tenant}/kpis", summary="The KPI document of a tenant as of a business date")
async def get_kpis(
    request: Request, tenant: str, as_of: date | None = None, department: str | None = None,
    group_by: Literal["department", "manager"] = "department",
) -> Any:
    from projections import kpi_document, wait_until_caught_up

    pool = core(request).pool
    await wait_until_caught_up(pool, tenant=tenant, timeout=10.0)
    return await kpi_document(pool, tenant, as_of or date.today(), department, by_manager=group_by == "manager")
