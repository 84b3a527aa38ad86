"""Erasure of a person's personal data over HTTP (admin only), as `eduplan erase` does it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.core import reads
from services.core.erasure import erase_employee
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()


@router.post("/v1/tenants/{tenant}/employees/{employee_id}/erase", dependencies=[requires("admin")],
             summary="Erase an employee's personal data by destroying their key (the log is untouched)")
async def post_erase_employee(request: Request, tenant: str, employee_id: str) -> Any:
    app = core(request)
    await reads.require_tenant(app.store, tenant)
    erased = (await erase_employee(app.store, tenant, employee_id)).key_destroyed
    # `erased` is false when no key was held: nothing personal was recorded, or it was erased before.
    return {"tenant": tenant, "employee_id": employee_id, "erased": erased}
