"""The ASGI app: lifespan (database, projection runner) and the routers of every concern."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
from collections.abc import AsyncIterator
from typing import Any

import structlog
from fastapi import FastAPI

from infra.aio import within
from infra.log_guard import require_guard
from infra.settings import Settings
from infra.tokens import TokenLookups, TokenStore
from services.core.access import require_loopback_in_open_mode
from services.core.app import App, open_app
from services.core.audit import Checkpointer
from services.core.funding.startup import install_rules
from services.doors.http import access, errors, messages
from services.doors.http.deps import Metrics

log = structlog.get_logger(__name__)

ROUTER_MODULES = (
    "services.doors.http.messages",
    "services.doors.http.reads",
    "services.doors.http.leadership",
    "services.doors.http.actions",
    "services.doors.http.funding",
    "services.doors.http.operator",
    "services.doors.http.plans",
    "services.doors.http.ops",
    "services.doors.http.dashboard",
    "services.doors.http.exports",
    "services.doors.http.erasure",
    "services.doors.http.signin",
    "services.doors.http.docs",
    "services.doors.http.learning_records",
    "services.doors.http.audit",
)


def create_app(*, app: App | None = None, run_projections: bool = True, settings: Settings | None = None,
               run_checkpoints: bool | None = None) -> FastAPI:
    """The ASGI app. Pass ``app`` to reuse an open database (tests); otherwise it opens one on start.
    ``run_checkpoints``: write the audit checkpoints here (default: when the app opens its own database)."""

    @contextlib.asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        owned = app is None
        core = app or await open_app(settings, max_size=12, log_level="INFO")
        await require_guard(core.pool)  # an unprotected log: the server does not start
        api.state.core = core
        api.state.metrics = Metrics()
        api.state.token_lookups = TokenLookups(core.store.write_pool)
        stop = asyncio.Event()
        runner: asyncio.Task[None] | None = None
        if run_projections:
            from projections import ensure_schema
            from projections import run_projections as run

            await ensure_schema(core.pool)
            runner = asyncio.create_task(run(core.pool, stop))
        checkpointer = Checkpointer(core.pool, core.audit_keys, store=core.store) if (owned if run_checkpoints is None
                                                                     else run_checkpoints) else None
        if checkpointer is not None:
            checkpointer.start()
        try:
            yield
        finally:
            if checkpointer is not None:
                await checkpointer.close()
            stop.set()
            if runner is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await within(runner, 10)
            if owned:
                await core.close()

    api = FastAPI(
        title="eduplan",
        version="0.1.0",
        description="Systematic planning and follow-up of employees' further education: "
        "messages from HR systems in, KPIs and the audited event log out.",
        lifespan=lifespan,
        openapi_url=None,  # the API's description is served by services.doors.http.docs, behind a token
        docs_url=None,
        redoc_url=None,
    )
    for name in ROUTER_MODULES:
        api.include_router(importlib.import_module(name).router)
    errors.install(api)
    messages.install(api)  # inside the check of the query string that access.install puts outermost
    access.install(api)  # last: it checks that every route above declares its access rule
    return api


async def _tokens_exist(settings: Settings) -> bool:
    core = await open_app(settings, max_size=1)
    try:
        return await TokenStore(core.pool).any_exist()
    finally:
        await core.close()


def uvicorn_options() -> dict[str, Any]:
    """The uvicorn settings of ``serve`` (also those of the benchmark's reference app). ``auto`` takes uvloop
    and httptools when installed, else asyncio and h11; no access log (each line would cost more than the
    request's own work)."""
    return {"log_level": "warning", "access_log": False, "loop": "auto", "http": "auto"}


_NO_PROJECTIONS = "EDUPLAN_SERVE_NO_PROJECTIONS"


def create_worker_app() -> FastAPI:
    """The app of one of several ``serve --workers N`` processes (uvicorn starts each from this factory)."""
    return create_app(run_projections=os.environ.get(_NO_PROJECTIONS) != "1", settings=Settings.from_env())


def serve(*, host: str | None = None, port: int | None = None, run_projections: bool = True,
          app: App | None = None, workers: int = 1) -> None:
    import uvicorn

    settings = Settings.from_env()
    install_rules(settings)  # a bad rules file stops `serve` here, before the server starts
    host = host or settings.http_host
    tokens_exist = asyncio.run(_tokens_exist(settings))
    require_loopback_in_open_mode(host, tokens_exist)  # no token yet: nobody beyond this machine
    if not tokens_exist:
        log.warning("open_mode", host=host,
                    detail="no access token exists: every request from this machine is answered without one;"
                           " create the first with `eduplan tokens create --role admin --all-tenants`")
    if workers > 1 and app is None:
        # Several processes on one port, sharing the database: the intake is safe across processes, and
        # the projection runners agree on who folds which version through advisory locks.
        os.environ[_NO_PROJECTIONS] = "0" if run_projections else "1"
        uvicorn.run("services.doors.http.app:create_worker_app", factory=True, workers=workers, host=host,
                    port=port or settings.http_port, **uvicorn_options())
        return
    uvicorn.run(
        create_app(app=app, run_projections=run_projections, settings=settings),
        host=host,
        port=port or settings.http_port,
        **uvicorn_options(),
    )
