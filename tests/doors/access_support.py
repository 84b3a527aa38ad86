"""A small world for the access tests: two tenants on record, a token of every role for each scope,
and the HTTP app in process (httpx's ASGI transport; the peer is 127.0.0.1 unless a test says otherwise)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from message_samples import department, employee

from infra.tokens import TokenStore
from projections import catch_up, ensure_schema
from services.core.access import Role
from services.core.app import App
from services.core.ingest import ingest_lines
from services.doors.http import create_app

OWN = "acme"
OTHER = "beta"
ORIGIN = "http://127.0.0.1:8000"

SEEDED = {tenant: [department("rd", tenant=tenant, message_id=f"{tenant}-dept"),
                   employee("e-1", tenant=tenant, message_id=f"{tenant}-e-1")] for tenant in (OWN, OTHER)}


async def seed(app: App) -> None:
    """Both tenants on record, projections up to date (so reads answer at once)."""
    import json

    lines = [json.dumps(message) for messages in SEEDED.values() for message in messages]
    counts = await ingest_lines(app.intake, lines)
    assert counts.rejected == 0, counts.summary()
    await ensure_schema(app.pool)
    await catch_up(app.pool)


@dataclass(frozen=True)
class Case:
    """Who calls: a role with a scope (``own`` = acme, ``other`` = beta, ``all``), or no live token."""

    name: str
    role: Role | None
    scope: str | None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def holds_own(self) -> bool:
        return self.scope in ("own", "all")


async def make_cases(tokens: TokenStore) -> list[Case]:
    """No token, a malformed header, an unknown and a revoked token, and every role × scope."""
    cases = [
        Case("no token", None, None),
        Case("not bearer", None, None, {"Authorization": "Basic YWRtaW46YWRtaW4="}),
        Case("unknown token", None, None,
             {"Authorization": "Bearer eduplan_0123456789ab_" + "A" * 43}),
    ]
    revoked, text = await tokens.create("admin", None, "revoked admin")
    await tokens.revoke(revoked.id)
    cases.append(Case("revoked token", None, None, {"Authorization": f"Bearer {text}"}))
    for role in Role:
        for scope, tenant in (("own", OWN), ("other", OTHER), ("all", None)):
            _, text = await tokens.create(role.value, tenant, f"{role.value} {scope}")
            cases.append(Case(f"{role.value} {scope}", role, scope, {"Authorization": f"Bearer {text}"}))
    return cases


async def token(tokens: TokenStore, role: str, tenant: str | None) -> dict[str, str]:
    _, text = await tokens.create(role, tenant, None)
    return {"Authorization": f"Bearer {text}"}


@contextlib.asynccontextmanager
async def http_client(app: App, *, peer: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=app, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api, client=(peer, 50123))
        async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as client:
            yield client
