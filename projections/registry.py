"""Which version of each projection answers reads, which one is being built, and how far each has read.

``projection_registry`` has one row per projection: the active version (readers use its schema) and
the version being built beside it, if any. ``projection_checkpoints`` has one row per version: its
cursor in the log ((transaction_id, position)), the number of events it has read, and when it was
retired by a switch (its schema is dropped a little later).
"""

from __future__ import annotations

import asyncpg

from projections.catalog import PROJECTIONS
from projections.indexes import create_if_small
from projections.model import Projection

_ENSURE_LOCK = 7_302_001
LOCK_CLASS = 7_302_002

_REGISTRY = """
CREATE TABLE IF NOT EXISTS projection_registry (
    name                text        PRIMARY KEY,
    active_version      integer     NOT NULL,
    building_version    integer,
    layout              integer     NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    name            text        NOT NULL,
    version         integer     NOT NULL,
    layout          integer     NOT NULL,
    transaction_id  xid8        NOT NULL DEFAULT '0',
    position        bigint      NOT NULL DEFAULT 0,
    applied         bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    retired_at      timestamptz,
    PRIMARY KEY (name, version)
);
"""


async def ensure_schema(pool: asyncpg.Pool) -> None:
    """Create the registry and, for a projection seen for the first time, its first version.

    When a projection's code folds differently than its active version was built (``layout``), a new
    version is started beside it; runners build it and switch to it.
    """
    try:
        rows = await pool.fetch("SELECT name, layout FROM projection_registry")
        if {(p.name, p.layout) for p in PROJECTIONS} <= {(r["name"], r["layout"]) for r in rows}:
            return
    except asyncpg.UndefinedTableError:
        pass
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _ENSURE_LOCK)
        await conn.execute(_REGISTRY)
        for projection in PROJECTIONS:
            row = await conn.fetchrow(
                "SELECT active_version, building_version, layout FROM projection_registry WHERE name = $1",
                projection.name,
            )
            if row is None:
                version = await create_version(conn, projection)
                await conn.execute(
                    "INSERT INTO projection_registry (name, active_version, layout) VALUES ($1, $2, $3)",
                    projection.name,
                    version,
                    projection.layout,
                )
            elif row["layout"] != projection.layout and row["building_version"] is None:
                version = await create_version(conn, projection)
                await conn.execute(
                    "UPDATE projection_registry SET building_version = $2, updated_at = clock_timestamp()"
                    " WHERE name = $1",
                    projection.name,
                    version,
                )


async def create_version(conn: asyncpg.Connection, projection: Projection) -> int:
    """A new, empty version: its schema, its tables and a checkpoint at the start of the log.

    Its read indexes come once it has caught up, unless the log is small (see ``projections.indexes``).
    """
    version = (
        await conn.fetchval(
            "SELECT coalesce(max(version), 0) + 1 FROM projection_checkpoints WHERE name = $1", projection.name
        )
    )
    schema = projection.schema(version)
    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    await conn.execute(projection.tables(schema))
    await create_if_small(conn, projection, schema)
    await conn.execute(
        "INSERT INTO projection_checkpoints (name, version, layout) VALUES ($1, $2, $3)",
        projection.name,
        version,
        projection.layout,
    )
    return int(version)


async def active_schema(conn: asyncpg.Connection, name: str) -> str:
    version = await conn.fetchval("SELECT active_version FROM projection_registry WHERE name = $1", name)
    if version is None:
        raise LookupError(f"projection {name!r} is not set up; run ensure_schema first")
    return f"{name}_v{version}"


async def try_lock(conn: asyncpg.Connection, schema: str) -> bool:
    """The advisory lock, held by this connection, that makes one process the applier of a version."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1, hashtext($2))", LOCK_CLASS, schema))


async def unlock(conn: asyncpg.Connection, schema: str) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", LOCK_CLASS, schema)
