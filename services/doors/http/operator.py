"""Reads for the operator of the service, across tenants: the rejected messages without a readable tenant."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from services.core import reads
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()


@router.get("/v1/rejections", summary="Rejected messages whose tenant could not be read, oldest first",
            dependencies=[requires("admin", tenant="all")])
async def get_unattributed_rejections(
    request: Request,
    unattributed: bool = Query(False, description="must be true: the rejections without a readable tenant"),
    limit: int = Query(1000, ge=1, le=10000, description="at most this many"),
) -> Any:
    if not unattributed:
        raise HTTPException(422, "unattributed: only unattributed=true is served here;"
                                 " a tenant's rejections are at /v1/tenants/{tenant}/rejections")
    return {"rejections": await reads.unattributed_rejections(core(request), limit)}
