"""What readers ask of the projections: how far they are, which tenants they know, read-your-writes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from infra.store import log_head
from projections.batches import caught_up_to
from projections.registry import active_schema, ensure_schema

_BEHIND = "SELECT count(*) FROM events WHERE (transaction_id, position) > ($1::xid8, $2::bigint)"


# The public signature takes a timeout because callers (HTTP, CLI) pass their own budget.
async def wait_until_caught_up(
    pool: asyncpg.Pool, tenant: str | None = None, timeout: float = 5.0  # noqa: ASYNC109
) -> bool:
    """Wait (at most ``timeout`` s) until the active projections have read every event committed now.

    With ``tenant``, only that tenant's events are waited for. False when the time ran out.
    """
    head = await log_head(pool, tenant)
    if head is None:
        return True
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            caught_up = await caught_up_to(pool, head)
        except asyncpg.UndefinedTableError:
            await ensure_schema(pool)
            caught_up = False
        if caught_up:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.05)


async def status(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Per projection: active version, its checkpoint, events behind (lag), and any version being built."""
    await ensure_schema(pool)
    rows = await pool.fetch(
        "SELECT r.name, r.active_version, r.building_version, c.version, c.transaction_id, c.position,"
        " c.applied, c.updated_at FROM projection_registry r JOIN projection_checkpoints c ON c.name = r.name"
        " WHERE c.version IN (r.active_version, r.building_version) ORDER BY r.name, c.version"
    )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        behind = await pool.fetchval(_BEHIND, row["transaction_id"], row["position"])
        version = {
            "version": row["version"],
            "checkpoint": f"{row['transaction_id']}-{row['position']}",
            "applied": row["applied"],
            "lag": behind,
            "updated_at": row["updated_at"],
        }
        entry = found.setdefault(
            row["name"],
            {"name": row["name"], "active_version": row["active_version"], "building": None},
        )
        if row["version"] == row["active_version"]:
            entry.update({k: v for k, v in version.items() if k != "version"})
        else:
            entry["building"] = version
    return list(found.values())


async def tenants(pool: asyncpg.Pool) -> list[str]:
    """The tenants the KPI projection has seen, in name order."""
    for attempt in range(2):
        try:
            async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
                schema = await active_schema(conn, "kpi")
                return [row["tenant"] for row in await conn.fetch(f"SELECT tenant FROM {schema}.tenants ORDER BY 1")]
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError, LookupError):
            if attempt:
                raise
            await ensure_schema(pool)
    return []
