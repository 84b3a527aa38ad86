"""The planning assistant over HTTP (contract §8): propose a plan, read it, accept it."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from domain.planning.window import BadWindow, check_window, parse_day
from services.core.planning import SolverOptions
from services.core.planning.service import StalePlan, UnknownPlan, UnknownTenant, accept, propose, show
from services.doors.http.access import requires
from services.doors.http.deps import core

router = APIRouter()

MAX_TIME_LIMIT = 600.0


def _unprocessable(field: str, detail: str) -> JSONResponse:
    return JSONResponse({"field": field, "detail": detail}, status_code=422)


async def _body(request: Request) -> dict[str, Any] | None:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _time_limit(value: object) -> float | None:
    """The body's time_limit in seconds, or None when it is not a number in (0, MAX_TIME_LIMIT]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_TIME_LIMIT:
        return None
    return float(value)


@router.post("/v1/tenants/{tenant}/plans", status_code=201, dependencies=[requires("leadership")],
             summary="Propose a course plan for a window: which run each plannable agreement takes, and why not")
async def post_plan(request: Request, tenant: str) -> JSONResponse:
    body = await _body(request)
    if body is None:
        return _unprocessable("body", 'the body must be a JSON object like {"from": "2027-01-01", "to": "2027-12-31"}')
    try:
        start = parse_day(body.get("from"), "from") if "from" in body else None
        end = parse_day(body.get("to"), "to") if "to" in body else None
        if start is None or end is None:
            field = "from" if start is None else "to"
            return _unprocessable(field, f"{field} is required (YYYY-MM-DD)")
        check_window(start, end)
    except BadWindow as error:
        return _unprocessable(error.field, error.detail)
    options = SolverOptions()
    if body.get("time_limit") is not None:
        seconds = _time_limit(body["time_limit"])
        if seconds is None:
            return _unprocessable("time_limit", f"time_limit must be a number of seconds, more than 0 and at most"
                                                f" {MAX_TIME_LIMIT:g}")
        options = SolverOptions(time_limit=seconds)
    try:
        document = await propose(core(request), tenant, start, end, options, catch_up_here=False)
    except UnknownTenant as error:
        return JSONResponse({"detail": str(error)}, status_code=404)
    return JSONResponse(document, status_code=201)


@router.get("/v1/tenants/{tenant}/plans/{plan_id}", summary="A proposed plan",
            dependencies=[requires("leadership")])
async def get_plan(request: Request, tenant: str, plan_id: str) -> JSONResponse:
    try:
        plan = await show(core(request), plan_id, tenant)
    except UnknownPlan as error:
        return JSONResponse({"detail": str(error)}, status_code=404)
    return JSONResponse(plan.document)


@router.post("/v1/tenants/{tenant}/plans/{plan_id}/accept", dependencies=[requires("leadership", "hr_system")],
             summary='Book a plan\'s assignments through the intake; body {"on": "YYYY-MM-DD"} (default today)')
async def post_acceptance(request: Request, tenant: str, plan_id: str) -> JSONResponse:
    body = await _body(request)
    if body is None:
        return _unprocessable("body", 'the body must be a JSON object such as {"on": "2027-01-05"}, or empty')
    try:
        on = parse_day(body["on"], "on") if body.get("on") is not None else None
    except BadWindow as error:
        return _unprocessable(error.field, error.detail)
    try:
        acceptance = await accept(core(request), plan_id, tenant=tenant, on=on, catch_up_here=False)
    except UnknownPlan as error:
        return JSONResponse({"detail": str(error)}, status_code=404)
    except StalePlan as error:
        changes = [{"kind": c.kind, "ref": c.ref, "detail": c.detail} for c in error.changes]
        return JSONResponse({"detail": str(error), "changes": changes}, status_code=409)
    return JSONResponse(acceptance.as_json(), status_code=200)
