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

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.security.utils import get_authorization_scheme_param
from starlette.applications import Starlette
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import Reason
from services.core.access import OPEN_MODE, is_loopback
from services.core.intake import Prepared, prepare
from services.core.reads import UnknownTenant
from services.doors.http.access import (
    AccessDenied,
    AccessRule,
    Principal,
    principal_of,
    requires,
    rule_of,
    served_routes,
    token_lookups,
    token_store,
    tokens_exist,
)
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
    content, status = await answer(request, principal, body)
    return FastJSONResponse(content, status_code=status)


async def answer(request: Request, principal: Principal, body: bytes) -> tuple[Any, int]:
    """The answer to a body the principal posts: (content, status). Both ways in share it."""
    intake = core(request).intake
    decoded = _array_or_none(body)
    if decoded is not None:
        batch = [prepare(item) for item in decoded]
        refused = [(index, p) for index, p in enumerate(batch) if not _may_write(principal, p)]
        if refused:
            return _array_refusal(refused), 403
        outcomes = await intake.process(batch, door="http")
        metrics(request).count(outcomes)
        return outcomes, 200
    prepared = prepare(body)
    if not _may_write(principal, prepared):
        return _forbidden_outcome(prepared), 403
    outcome = await intake.submit(prepared, door="http")
    metrics(request).count([outcome])
    return outcome, _STATUS_CODES[outcome["status"]]


DIRECT_BODY_BYTES = 1024 * 1024
"""Bodies up to this size may take the direct way; larger ones (and those of unknown length) go the
framework's way, which streams and limits them."""


class DirectMessages:
    """``POST /v1/messages`` without the framework's routing and dependency solving, the larger part of the
    door's own cost per message. Only a request the route would accept takes this way: no query string, a
    body of known length up to DIRECT_BODY_BYTES, and a principal — from a live bearer token, or open mode on
    loopback — that passes the route's own declared access rule (``rule_of``: one home). Everything else
    (no or a bad token, a session cookie, a refusal of the rule) is handed, body and all, to the route, which
    answers it exactly as it always does. Both ways answer through :func:`answer`, and what either raises is
    answered by the app's own exception handlers (:func:`route_handlers`), or else by the server's 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.rule: AccessRule | None = None
        self._handled: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/v1/messages"
                or scope.get("query_string") or scope.get("root_path")):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        length = request.headers.get("content-length")
        # A chunked body may be longer than it declares: only a plain body of a declared, small length, and
        # only from a principal the rule lets post (read from the headers, before any byte of the body).
        if (length is None or not length.isdigit() or int(length) > DIRECT_BODY_BYTES
                or "transfer-encoding" in request.headers):
            await self.app(scope, receive, send)
            return
        if self._handled is None:
            api = scope["app"]
            self._handled = ExceptionMiddleware(self._direct, handlers=route_handlers(api), debug=api.debug)
        await self._handled(scope, receive, send)

    async def _direct(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        principal = await self._principal(request)
        if principal is None:
            await self.app(scope, receive, send)
            return
        body = await request.body()
        if len(body) > DIRECT_BODY_BYTES:
            await self.app(scope, _replay(body, receive), send)
            return
        content, status = await answer(request, principal, body)
        await FastJSONResponse(content, status_code=status)(scope, receive, send)

    async def _principal(self, request: Request) -> Principal | None:
        """The request's principal when the route's rule lets it post; else None (the route answers)."""
        rule = self.rule or self._find_rule(request)
        authorization = request.headers.get("authorization")
        tokens = token_store(request)
        principal: Principal
        if authorization is not None:
            scheme, credentials = get_authorization_scheme_param(authorization)
            if not (scheme and credentials) or scheme.lower() != "bearer":
                return None
            record = await token_lookups(request).find(credentials)
            if record is None:
                return None
            principal = principal_of(record)
        elif (not rule.session and request.client is not None and is_loopback(request.client.host)
              and not await tokens_exist(request, tokens)):
            principal = OPEN_MODE
        else:
            return None
        try:
            rule.check(principal, request)
        except (AccessDenied, UnknownTenant):
            return None
        return principal

    def _find_rule(self, request: Request) -> AccessRule:
        for route in served_routes(request.app):
            if getattr(route, "path", None) == "/v1/messages" and "POST" in (getattr(route, "methods", None) or ()):
                rule = rule_of(route)
                if isinstance(rule, AccessRule):
                    self.rule = rule
                    return rule
        raise RuntimeError("POST /v1/messages declares no access rule")


def route_handlers(api: Starlette) -> dict[Any, Any]:
    """The exception handlers that answer for the app's routes: all of the app's but those of 500 and
    ``Exception``, which the server's error middleware applies around everything (Starlette's own split,
    ``Starlette.build_middleware_stack``)."""
    return {key: handler for key, handler in api.exception_handlers.items() if key not in (500, Exception)}


def _replay(body: bytes, receive: Receive) -> Receive:
    """The request's receive, with the body already read given once more."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def install(api: FastAPI) -> None:
    api.add_middleware(DirectMessages)


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
