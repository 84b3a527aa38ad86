"""The ASGI app: lifespan (database, projection runner) and the routers of every concern."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator

import structlog
from fastapi import FastAPI

from infra.settings import Settings
from services.core.app import App, open_app
from services.core.funding.startup import install_rules
from services.doors.http import errors
from services.doors.http.deps import Metrics

log = structlog.get_logger(__name__)

ROUTER_MODULES = (
    "services.doors.http.messages",
    "services.doors.http.reads",
    "services.doors.http.leadership",
    "services.doors.http.funding",
    "services.doors.http.operator",
    "services.doors.http.plans",
    "services.doors.http.ops",
    "services.doors.http.dashboard",
    "services.doors.http.exports",
    "services.doors.http.learning_records",
)


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
    for name in ROUTER_MODULES:
        api.include_router(importlib.import_module(name).router)
    errors.install(api)
    return api


def serve(*, host: str | None = None, port: int | None = None, run_projections: bool = True,
          app: App | None = None) -> None:
    import uvicorn

    settings = Settings.from_env()
    install_rules(settings)  # a bad rules file stops `serve` here, before the server starts
    uvicorn.run(
        create_app(app=app, run_projections=run_projections, settings=settings),
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_level="warning",
    )
