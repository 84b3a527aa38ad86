"""Operations: liveness and Prometheus metrics."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from infra.log_guard import guard_problems
from services.doors.http.access import public, requires
from services.doors.http.deps import core, metrics

router = APIRouter()


@router.get("/healthz", summary="Liveness, database reachability and the log's append-only guard",
            dependencies=[public("liveness probes")])
async def healthz(request: Request) -> JSONResponse:
    try:
        guard = await guard_problems(core(request).pool)
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        return JSONResponse({"status": "unavailable", "database": str(error)}, status_code=503)
    if guard:  # the log can be changed unnoticed by the database's own rules: not healthy
        return JSONResponse({"status": "unavailable", "guard": guard}, status_code=503)
    return JSONResponse({"status": "ok"})


# Service-wide counts, no tenant named: any role may scrape them, with a token for every tenant.
@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics",
            dependencies=[requires("any", tenant="all")])
async def get_metrics(request: Request) -> str:
    counters = metrics(request)
    lines = ["# TYPE eduplan_messages_total counter"]
    for outcome, n in counters.outcomes.items():
        lines.append(f'eduplan_messages_total{{status="{outcome}"}} {n}')
    pool = core(request).pool
    events = await pool.fetchval("SELECT coalesce(max(position), 0) FROM events")
    lines += ["# TYPE eduplan_log_max_position gauge", f"eduplan_log_max_position {events}"]
    with contextlib.suppress(Exception):
        from projections import status

        lines.append("# TYPE eduplan_projection_lag_events gauge")
        for row in await status(pool):
            lines.append(f'eduplan_projection_lag_events{{projection="{row["name"]}"}} {row.get("lag", 0)}')
    return "\n".join(lines) + "\n"
