"""Tamper evidence over HTTP (CONTRACT §6, docs/audit.md): the verification report of a tenant's log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.core import reads
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()


@router.get("/v1/tenants/{tenant}/audit/verify", dependencies=[requires("auditor")],
            summary="Verify the tenant's log against its hash chain and signed checkpoints",
            description='200 with {"status": "intact", "events", "checkpoint"} or {"status": "broken", "problems"}'
                        " (the same report as `eduplan audit verify`); auditors and admins.")
async def get_audit_verify(request: Request, tenant: str) -> JSONResponse:
    app = core(request)
    report = await reads.audit_verify(app, tenant, app.audit_keys)
    return JSONResponse(report.as_json())
