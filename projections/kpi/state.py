"""A token of the KPI projection's state for one tenant: while it stays the same, every read of the tenant's
figures gives the same answer, so a reader may keep an answer until it moves.

Every row of the projection belongs to one tenant, so after the freshness gate (the projections have read
every event of the tenant committed when the read began) the tenant's answers are fixed by the active
version and the tenant's last event — other tenants' traffic does not move the token. An answer read after
the tenant's log moved on is newer than its token says, never older: keeping it is still read-your-writes.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from infra.store import log_head

ACTIVE = "SELECT active_version FROM projection_registry WHERE name = 'kpi'"


async def state_token(pool: asyncpg.Pool, tenant: str) -> tuple[Any, ...] | None:
    """(active version, the tenant's last event as (transaction id, position)), or None before the projection
    is set up."""
    version = await pool.fetchval(ACTIVE)
    if version is None:
        return None
    return (version, await log_head(pool, tenant))
