"""Commands that run until stopped: serve (HTTP and dashboard)."""

from __future__ import annotations

import argparse
import asyncio

from services.doors.cli.common import Commands, port_number, positive_int


def register(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="the HTTP API, the dashboard and the projection runner")
    serve.add_argument("--host", default=None, help="address to listen on (default EDUPLAN_HTTP_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=None,
                       help="port to listen on (default EDUPLAN_HTTP_PORT or 8000)")
    serve.add_argument("--no-projections", action="store_true", help="do not run the projection runner here")
    serve.add_argument("--workers", type=positive_int, default=1,
                       help="server processes sharing the port and the database (default 1)")
    serve.set_defaults(run=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    from services.doors.http import serve

    asyncio.run(_open_database_once())  # a database that refuses the start-up is said here, in one line
    serve(host=args.host, port=args.port, run_projections=not args.no_projections, workers=args.workers)
    return 0


async def _open_database_once() -> None:
    from infra.log_guard import require_guard
    from services.core.app import open_app

    app = await open_app(max_size=1)
    try:
        await require_guard(app.pool)  # an unprotected log: the server does not start
    finally:
        await app.close()
