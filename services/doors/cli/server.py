"""Commands that run until stopped: serve (HTTP and dashboard)."""

from __future__ import annotations

import argparse

from services.doors.cli.common import Commands


def register(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="the HTTP API, the dashboard and the projection runner")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--no-projections", action="store_true", help="do not run the projection runner here")
    serve.set_defaults(run=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    from services.doors.http import serve

    serve(host=args.host, port=args.port, run_projections=not args.no_projections)
    return 0
