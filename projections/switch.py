"""Switching a projection to a freshly built version, and dropping the versions it retired.

The switch is one transaction that locks the registry row and both versions' checkpoints (so neither
can move), lets the new version read up to the live one's cursor, and only then points the registry at
it: readers never see older data after a switch. The new version's read indexes (see ``indexes``) are
built before the switch's transaction begins. A retired version's schema is dropped later, once the
reads that started before the switch have long finished.
"""

from __future__ import annotations

import asyncpg
import structlog

from projections.batches import Target, apply_batch
from projections.catalog import by_name
from projections.indexes import build_read_indexes
from projections.model import Projection

log = structlog.get_logger(__name__)


async def try_switch(pool: asyncpg.Pool, projection: Projection, version: int) -> bool:
    """Make ``version`` the active one once it has read at least as far as the live version.

    True when it is (or already was) active; False when it is not the version being built.
    """
    # Reads of the new version need its read indexes; built before the switch's locks (it holds the live
    # version's checkpoint), a no-op once its catch-up has built them.
    await build_read_indexes(pool, projection, projection.schema(version))
    async with pool.acquire() as conn, conn.transaction():
        registry = await conn.fetchrow(
            "SELECT active_version, building_version FROM projection_registry WHERE name = $1 FOR UPDATE",
            projection.name,
        )
        if registry is None or registry["building_version"] != version:
            return registry is not None and registry["active_version"] == version
        live = registry["active_version"]
        cursors = {
            row["version"]: (row["transaction_id"], row["position"])
            for row in await conn.fetch(
                "SELECT version, transaction_id, position FROM projection_checkpoints"
                " WHERE name = $1 AND version = ANY($2::int[]) ORDER BY version FOR UPDATE",
                projection.name,
                [live, version],
            )
        }
        # The final catch-up: the live version cannot move now, so this ends at its cursor.
        target = Target(projection, version, building=True)
        while cursors[version] < cursors.get(live, (0, 0)):
            if not await apply_batch(conn, target, 1000):
                return False
            row = await conn.fetchrow(
                "SELECT transaction_id, position FROM projection_checkpoints WHERE name = $1 AND version = $2",
                projection.name,
                version,
            )
            cursors[version] = (row["transaction_id"], row["position"])
        await conn.execute(
            "UPDATE projection_registry SET active_version = $2, building_version = NULL,"
            " layout = (SELECT layout FROM projection_checkpoints WHERE name = $1 AND version = $2),"
            " updated_at = clock_timestamp() WHERE name = $1",
            projection.name,
            version,
        )
        await conn.execute(
            "UPDATE projection_checkpoints SET retired_at = clock_timestamp() WHERE name = $1 AND version = $2",
            projection.name,
            live,
        )
        return True


async def drop_retired(pool: asyncpg.Pool, grace_seconds: float) -> list[str]:
    """Drop the schemas of versions retired more than ``grace_seconds`` ago; the schemas dropped."""
    rows = await pool.fetch(
        "SELECT name, version FROM projection_checkpoints"
        " WHERE retired_at < clock_timestamp() - make_interval(secs => $1)",
        grace_seconds,
    )
    dropped = []
    for row in rows:
        schema = by_name(row["name"]).schema(row["version"])
        try:
            async with pool.acquire() as conn, conn.transaction():
                # A read that still uses the schema keeps it; try again on the next round.
                await conn.execute("SET LOCAL lock_timeout = '2s'")
                await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                await conn.execute(
                    "DELETE FROM projection_checkpoints WHERE name = $1 AND version = $2",
                    row["name"],
                    row["version"],
                )
            dropped.append(schema)
            log.info("projection_version_dropped", schema=schema)
        except asyncpg.LockNotAvailableError:
            continue
    return dropped
