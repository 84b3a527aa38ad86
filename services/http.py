"""The HTTP door (FastAPI): messages in, KPIs, rejections and the event log out, the dashboard at /."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import structlog
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from infra.settings import Settings
from infra.store import InvalidCursor
from services.app import App, open_app
from services.intake import prepare

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024
_STATUS_CODES = {"accepted": 201, "duplicate": 200, "rejected": 422}


class Metrics:
    def __init__(self) -> None:
        self.outcomes = {"accepted": 0, "duplicate": 0, "rejected": 0}
        self.requests = 0

    def count(self, outcomes: list[dict[str, Any]]) -> None:
        for outcome in outcomes:
            self.outcomes[outcome["status"]] += 1


def create_app(*, app: App | None = None, run_projections: bool = True, settings: Settings | None = None) -> FastAPI:
    """The ASGI app. Pass ``app`` to reuse an open database (tests); otherwise it opens one on start."""

    @contextlib.asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        owned = app is None
        core = app or await open_app(settings, max_size=12, log_level="INFO")
        api.state.core = core
        api.state.metrics = Metrics()
        stop = asyncio.Event()
        runner: asyncio.Task[None] | None = None
        if run_projections:
            from projections import ensure_schema
            from projections import run_projections as run

            await ensure_schema(core.pool)
            runner = asyncio.create_task(run(core.pool, stop))
        try:
            yield
        finally:
            stop.set()
            if runner is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(runner, timeout=10)
            if owned:
                await core.close()

    api = FastAPI(
        title="eduplan",
        version="0.1.0",
        description="Systematic planning and follow-up of employees' further education: "
        "messages from HR systems in, KPIs and the audited event log out.",
        lifespan=lifespan,
    )

    def core(request: Request) -> App:
        return request.app.state.core  # type: ignore[no-any-return]

    @api.post("/v1/messages", summary="Submit one message or an array of messages")
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
            request.app.state.metrics.count(outcomes)
            return JSONResponse(outcomes, status_code=200)
        outcome = await intake.submit(body, door="http")
        request.app.state.metrics.count([outcome])
        return JSONResponse(outcome, status_code=_STATUS_CODES[outcome["status"]])

    @api.get("/v1/tenants/{tenant}/rejections", summary="Rejected messages of a tenant, oldest first")
    async def get_rejections(request: Request, tenant: str, limit: int = Query(1000, ge=1, le=10000)) -> Any:
        return {"rejections": await core(request).store.rejections(tenant, limit=limit)}

    @api.get("/v1/tenants/{tenant}/events", summary="The tenant's event log, from a cursor")
    async def get_events(
        request: Request, tenant: str, after: str | None = None, limit: int = Query(100, ge=1, le=10000)
    ) -> Any:
        try:
            events, cursor = await core(request).store.read_all(after, limit, tenant=tenant)
        except InvalidCursor as error:
            raise HTTPException(400, str(error)) from None
        return {"events": events, "next": cursor}

    @api.get("/v1/tenants/{tenant}/kpis", summary="The KPI document of a tenant as of a business date")
    async def get_kpis(
        request: Request, tenant: str, as_of: date | None = None, department: str | None = None
    ) -> Any:
        from projections import kpi_document, wait_until_caught_up

        pool = core(request).pool
        await wait_until_caught_up(pool, tenant=tenant, timeout=10.0)
        return await kpi_document(pool, tenant, as_of or date.today(), department)

    @api.get("/healthz", summary="Liveness and database reachability")
    async def healthz(request: Request) -> JSONResponse:
        try:
            await core(request).pool.fetchval("SELECT 1")
        except Exception as error:  # noqa: BLE001 - any failure means unhealthy
            return JSONResponse({"status": "unavailable", "database": str(error)}, status_code=503)
        return JSONResponse({"status": "ok"})

    @api.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
    async def metrics(request: Request) -> str:
        metrics = request.app.state.metrics
        lines = ["# TYPE eduplan_messages_total counter"]
        for status, n in metrics.outcomes.items():
            lines.append(f'eduplan_messages_total{{status="{status}"}} {n}')
        pool = core(request).pool
        events = await pool.fetchval("SELECT coalesce(max(position), 0) FROM events")
        lines += ["# TYPE eduplan_log_max_position gauge", f"eduplan_log_max_position {events}"]
        with contextlib.suppress(Exception):
            from projections import status

            lines.append("# TYPE eduplan_projection_lag_events gauge")
            for row in await status(pool):
                lines.append(f'eduplan_projection_lag_events{{projection="{row["name"]}"}} {row.get("lag", 0)}')
        return "\n".join(lines) + "\n"

    @api.get("/", response_class=HTMLResponse, summary="The leadership dashboard")
    async def dashboard(
        request: Request, as_of: date | None = None, lang: str = "da", tenant: str | None = None
    ) -> str:
        from services.dashboard import render_dashboard

        return await render_dashboard(core(request).pool, as_of=as_of or date.today(), lang=lang, tenant=tenant)

    return api


def serve(*, host: str | None = None, port: int | None = None, run_projections: bool = True,
          app: App | None = None) -> None:
    import uvicorn

    settings = Settings.from_env()
    uvicorn.run(
        create_app(app=app, run_projections=run_projections, settings=settings),
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_level="warning",
    )
