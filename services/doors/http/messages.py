"""POST /v1/messages: one envelope or an array of them, through the intake."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from services.core.intake import prepare
from services.doors.http.deps import core, metrics

router = APIRouter()

MAX_BODY_BYTES = 32 * 1024 * 1024
_STATUS_CODES = {"accepted": 201, "duplicate": 200, "rejected": 422}


@router.post("/v1/messages", summary="Submit one message or an array of messages")
async def post_messages(request: Request) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the request body is over {MAX_BODY_BYTES} bytes; send smaller arrays")
    intake = core(request).intake
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    if isinstance(decoded, list):
        outcomes = await intake.process([prepare(item) for item in decoded], door="http")
        metrics(request).count(outcomes)
        return JSONResponse(outcomes, status_code=200)
    outcome = await intake.submit(body, door="http")
    metrics(request).count([outcome])
    return JSONResponse(outcome, status_code=_STATUS_CODES[outcome["status"]])
