"""Leadership reads (CONTRACT.md §7 and §2): the companies and their display names, KPI series, the
competence matrix. Figures come from the projections; this router only translates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request

from domain.fields import Day
from services.core import reads
from services.core.access import Principal
from services.core.reads import KNOWN_AT_HELP, KnownAt
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()

@router.get("/v1/tenants", summary="Every company the token holds, with its display name")
async def get_companies(request: Request,
                        principal: Principal = requires("leadership", tenant="each")) -> Any:
    return {"tenants": [c for c in await reads.companies(core(request)) if principal.holds(c["tenant"])]}


@router.get("/v1/tenants/{tenant}", summary="One company: its display name and CVR number",
            dependencies=[requires("leadership")])
async def get_company(request: Request, tenant: str) -> Any:
    found = await reads.companies(core(request), tenant)
    return found[0] if found else {"tenant": tenant, "name": None, "cvr": None, "registered_on": None}


@router.get("/v1/tenants/{tenant}/kpis/series", summary="Chosen KPIs at each month's (quarter's) last day",
            dependencies=[requires("leadership")])
async def get_series(
    request: Request,
    tenant: str,
    start: Annotated[Day, Query(alias="from", description="YYYY-MM-DD")],
    end: Annotated[Day, Query(alias="to", description="YYYY-MM-DD")],
    step: Literal["month", "quarter"] = "month",
    keys: Annotated[str | None, Query(description="comma-separated KPI keys (default: every key)")] = None,
    department: str | None = None,
    group_by: Literal["department", "manager"] = "department",
    known_at: Annotated[KnownAt | None, Query(description=KNOWN_AT_HELP)] = None,
) -> Any:
    from projections import InvalidRead, SeriesRequest

    try:
        series = SeriesRequest.checked(start, end, step, keys.split(",") if keys is not None else None)
    except InvalidRead as error:
        raise HTTPException(422, str(error)) from None
    return await reads.kpi_series(core(request), tenant, series, department, by_manager=group_by == "manager",
                                  known_at=known_at)


@router.get("/v1/tenants/{tenant}/competences", summary="Each active employee's competence levels and targets",
            dependencies=[requires("leadership")])
async def get_competences(
    request: Request, tenant: str,
    as_of: Day | None = Query(None, description="YYYY-MM-DD; default today (the day of known_at)"),
    department: str | None = None,
    known_at: KnownAt | None = Query(None, description=KNOWN_AT_HELP),
) -> Any:
    return await reads.competence_matrix(core(request), tenant, as_of or reads.day_of(known_at), department,
                                         known_at=known_at)
