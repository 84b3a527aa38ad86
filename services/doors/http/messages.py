"""POST /v1/messages: one envelope or an array of them, through the intake.

A token writes only its own tenants (CONTRACT §6): when any message of the request names — readably —
a tenant the token does not hold, the whole request is refused with 403 and nothing of it is stored,
not even as a rejection (it would land among, and use up a message id of, a tenant the sender may not
write). The 403 answers in the door's own shape: for one envelope the outcome it would have had,
``rejected`` with the reason ``forbidden``; for an array, which messages were refused. A message with
no readable tenant (too large, not JSON, no valid ``tenant``) is the envelope's problem and goes on
to its rejection like from any sender.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from domain.errors import Reason
from services.core.intake import Prepared, prepare
from services.doors.http.access import Principal, requires
from services.doors.http.deps import FastJSONResponse, core, metrics
from services.doors.http.schemas import MESSAGES_BODY, MESSAGES_RESPONSES

router = APIRouter()

MAX_BODY_BYTES = 32 * 1024 * 1024
_STATUS_CODES = {"accepted": 201, "duplicate": 200, "rejected": 422}


@router.post("/v1/messages", summary="Submit one message or an array of messages", status_code=201,
             openapi_extra=MESSAGES_BODY, responses=MESSAGES_RESPONSES, response_model=None)
async def post_messages(request: Request,
                        principal: Principal = requires("hr_system", tenant="each")) -> FastJSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(413, f"the request body is over {MAX_BODY_BYTES} bytes; send smaller arrays")
    intake = core(request).intake
    decoded = _array_or_none(body)
    if decoded is not None:
        batch = [prepare(item) for item in decoded]
        refused = [(index, p) for index, p in enumerate(batch) if not _may_write(principal, p)]
        if refused:
            return FastJSONResponse(_array_refusal(refused), status_code=403)
        outcomes = await intake.process(batch, door="http")
        metrics(request).count(outcomes)
        return FastJSONResponse(outcomes, status_code=200)
    prepared = prepare(body)
    if not _may_write(principal, prepared):
        return FastJSONResponse(_forbidden_outcome(prepared), status_code=403)
    outcome = await intake.submit(prepared, door="http")
    metrics(request).count([outcome])
    return FastJSONResponse(outcome, status_code=_STATUS_CODES[outcome["status"]])


def _array_or_none(body: bytes) -> list[Any] | None:
    """The body's array, or None when the body is anything else (one envelope, or no JSON at all). A body
    whose first byte past ASCII white space is ``{`` cannot be an array in any encoding json reads, so the
    one-envelope case is not decoded twice (the intake decodes it itself)."""
    if body.lstrip(b" \t\n\r")[:1] == b"{":
        return None
    try:
        decoded = json.loads(body)
    except ValueError:
        return None
    return decoded if isinstance(decoded, list) else None


def _may_write(principal: Principal, prepared: Prepared) -> bool:
    return prepared.tenant is None or principal.holds(prepared.tenant)


def _forbidden_outcome(prepared: Prepared) -> dict[str, Any]:
    """The outcome a refused message gets in the answer (never stored: nothing of the request is)."""
    return {"status": "rejected", "tenant": prepared.tenant, "message_id": prepared.message_id,
            "reason": Reason.FORBIDDEN.value,
            "detail": f"this token may not write the tenant {prepared.tenant!r}; nothing of the request was stored"}


def _array_refusal(refused: list[tuple[int, Prepared]]) -> dict[str, Any]:
    tenants = sorted({p.tenant for _, p in refused if p.tenant is not None})
    return {"detail": f"this token may not write the tenant{'s' if len(tenants) > 1 else ''} "
                      f"{', '.join(map(repr, tenants))}; nothing of the request was stored",
            "forbidden": [{"index": index, **_forbidden_outcome(p)} for index, p in refused]}
