"""`eduplan tokens create|list|revoke`: the access tokens of the HTTP door and the dashboard.

A token is printed once, when it is created (alone on standard output, so it can be piped into a
secret store); only its SHA-256 is kept. The first token ends open mode: from then on every request
needs one, also in a server already running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from domain.messages import TENANT_PATTERN
from infra.tokens import TokenRecord, TokenStore
from services.core.access import Role
from services.doors.cli.common import EXIT_NOT_FOUND, Commands, UsageError
from services.doors.cli.words import Words, words_of

T = TypeVar("T")


def register(commands: Commands) -> None:
    tokens = commands.add_parser("tokens", help="create, list and revoke access tokens (HTTP and dashboard)")
    actions = tokens.add_subparsers(dest="tokens_command", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create a token and print it, once")
    create.add_argument("--role", required=True, choices=[role.value for role in Role],
                        help="hr_system: send messages; leadership: KPIs, reads and dashboard; auditor: also the"
                             " log, rejections, audit and exports; admin: everything")
    scope = create.add_mutually_exclusive_group(required=True)
    scope.add_argument("--tenant", help="the one tenant the token is for")
    scope.add_argument("--all-tenants", action="store_true", help="the token is for every tenant")
    create.add_argument("--name", help="who or what holds it (shown in `tokens list`)")
    create.add_argument("--json", action="store_true", help="print the token and its record as JSON")
    create.set_defaults(run=_cmd_create)

    listing = actions.add_parser("list", help="every token: id, name, role, tenant, created, last used, revoked")
    listing.add_argument("--json", action="store_true", help="one JSON object per token")
    listing.set_defaults(run=_cmd_list)

    revoke = actions.add_parser("revoke", help="revoke a token (and end its dashboard sessions)")
    revoke.add_argument("id", help="the token's id, as `tokens list` shows it")
    revoke.set_defaults(run=_cmd_revoke)


def _with_tokens(work: Callable[[TokenStore], Awaitable[T]]) -> T:
    async def run() -> T:
        from services.core.app import open_app

        app = await open_app(max_size=1)
        try:
            return await work(TokenStore(app.pool))
        finally:
            await app.close()

    return asyncio.run(run())


def _cmd_create(args: argparse.Namespace) -> int:
    tenant = None if args.all_tenants else args.tenant
    if tenant is not None and TENANT_PATTERN.fullmatch(tenant) is None:
        raise UsageError(f"--tenant {tenant!r} is not a tenant name (a-z, 0-9 and '-', at most 63 characters)")
    record, text = _with_tokens(lambda tokens: tokens.create(args.role, tenant, args.name))
    if args.json:
        print(json.dumps({"token": text, **_as_json(record)}))
    else:
        print(text)
        words = words_of(args)
        print(words("token_created", id=record.id, role=record.role, scope=_scope(record, words)), file=sys.stderr)
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    records = _with_tokens(lambda tokens: tokens.list())
    if args.json:
        for record in records:
            print(json.dumps(_as_json(record)))
        return 0
    from services.doors.render import Grid, show

    words = words_of(args)
    grid = Grid(None, [words(f"col_{c}") for c in ("id", "name", "role", "tenant", "created", "last_used",
                                                     "revoked")])
    for r in records:
        grid.rows.append([r.id, r.name or "", r.role, _scope(r, words), _when(r.created_at), _when(r.last_used_at),
                          _when(r.revoked_at)])
    show([grid])
    return 0


def _cmd_revoke(args: argparse.Namespace) -> int:
    record = _with_tokens(lambda tokens: tokens.revoke(args.id))
    if record is None:
        print(f"eduplan: {words_of(args)('no_token', id=args.id)}", file=sys.stderr)
        return EXIT_NOT_FOUND
    print(words_of(args)("token_revoked", id=record.id, when=_when(record.revoked_at)))
    return 0


def _scope(record: TokenRecord, words: Words) -> str:
    return record.tenant if record.tenant is not None else words("all_tenants")


def _when(moment: Any) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def _as_json(record: TokenRecord) -> dict[str, Any]:
    return {"id": record.id, "name": record.name, "role": record.role, "tenant": record.tenant,
            "all_tenants": record.tenant is None, "created_at": _when(record.created_at),
            "last_used_at": _when(record.last_used_at) or None, "revoked_at": _when(record.revoked_at) or None}
