"""Leadership reads (CONTRACT.md §7 and §2): the companies and their display names, KPI series, the
competence matrix. Figures come from the projections; this router only translates."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from services.doors.http.deps import core

router = APIRouter()

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def business_date(value: str | None, field: str) -> date:
    """A YYYY-MM-DD query parameter (default today), or 422 naming it."""
    if value is None:
        return date.today()
    try:
        if _DAY.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise HTTPException(422, f"{field} must be a date written as YYYY-MM-DD, not {value!r}")


async def caught_up_pool(request: Request, tenant: str) -> Any:
    """The pool to read from, once the projections reflect what was accepted for ``tenant``; 404 when the
    tenant has no message on record."""
    from projections import wait_until_caught_up

    app = core(request)
    if not await app.store.has_tenant(tenant):
        raise HTTPException(404, f"tenant {tenant!r} has no message on record")
    await wait_until_caught_up(app.pool, tenant=tenant, timeout=10.0)
    return app.pool


@router.get("/v1/tenants", summary="Every company, with its display name")
async def get_companies(request: Request) -> Any:
    from projections import companies

    return {"tenants": await companies(core(request).pool)}


@router.get("/v1/tenants/{tenant}", summary="One company: its display name and CVR number")
async def get_company(request: Request, tenant: str) -> Any:
    from projections import companies

    pool = await caught_up_pool(request, tenant)
    found = await companies(pool, tenant)
    return found[0] if found else {"tenant": tenant, "name": None, "cvr": None, "registered_on": None}


@router.get("/v1/tenants/{tenant}/kpis/series", summary="Chosen KPIs at each month's (quarter's) last day")
async def get_series(
    request: Request,
    tenant: str,
    start: Annotated[str, Query(alias="from", description="YYYY-MM-DD")],
    end: Annotated[str, Query(alias="to", description="YYYY-MM-DD")],
    step: Literal["month", "quarter"] = "month",
    keys: Annotated[str | None, Query(description="comma-separated KPI keys (default: every key)")] = None,
    department: str | None = None,
    group_by: Literal["department", "manager"] = "department",
) -> Any:
    from projections import InvalidRead, SeriesRequest, kpi_series

    first, last = business_date(start, "from"), business_date(end, "to")
    try:
        series = SeriesRequest.checked(first, last, step, keys.split(",") if keys is not None else None)
    except InvalidRead as error:
        raise HTTPException(422, str(error)) from None
    pool = await caught_up_pool(request, tenant)
    return await kpi_series(pool, tenant, series, department, by_manager=group_by == "manager")


@router.get("/v1/tenants/{tenant}/competences", summary="Each active employee's competence levels and targets")
async def get_competences(
    request: Request, tenant: str, as_of: str | None = None, department: str | None = None
) -> Any:
    from projections import competence_matrix

    day = business_date(as_of, "as_of")
    pool = await caught_up_pool(request, tenant)
    return await competence_matrix(pool, tenant, day, department)
