"""Operations: liveness and Prometheus metrics (``prometheus_client``'s text format)."""

from __future__ import annotations

import contextlib

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from infra.log_guard import guard_problems
from services.doors.http.access import public, requires
from services.doors.http.deps import core, metrics

log = structlog.get_logger(__name__)

router = APIRouter()


@router.get("/healthz", summary="Liveness, database reachability and the log's append-only guard",
            dependencies=[public("liveness probes")])
async def healthz(request: Request) -> JSONResponse:
    try:
        guard = await guard_problems(core(request).pool)
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        # The error's text names the database, its host or its user: the log has it, the open answer does not.
        log.error("healthz_database_unreachable", error=repr(error))
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if guard:  # the log can be changed unnoticed by the database's own rules: not healthy
        return JSONResponse({"status": "unavailable", "guard": guard}, status_code=503)
    return JSONResponse({"status": "ok"})


# Service-wide counts, no tenant named: any role may scrape them, with a token for every tenant.
@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics",
            dependencies=[requires("any", tenant="all")])
async def get_metrics(request: Request) -> Response:
    counters = metrics(request)
    pool = core(request).pool
    counters.log_position.set(await pool.fetchval("SELECT coalesce(max(position), 0) FROM events"))
    with contextlib.suppress(Exception):
        from projections import status

        for row in await status(pool):
            counters.projection_lag.labels(projection=row["name"]).set(row.get("lag", 0) or 0)
    return Response(generate_latest(counters.registry), media_type=CONTENT_TYPE_LATEST)
