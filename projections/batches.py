"""Folding the log into a projection version, one batch per transaction, and where versions stand.

A batch and the checkpoint move in one transaction, and the checkpoint only moves by compare-and-set,
so a crash never double-counts or skips, and two appliers of one version can never both commit the
same batch. Every event gets ``seq`` = its ordinal in the log, which is how "equal dates: the one
accepted last" is decided by the folds.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import asyncpg

from infra.store import HORIZON_SQL
from projections.catalog import PROJECTIONS, by_name
from projections.model import Event, Projection

# Below the horizon (infra.store.HORIZON_SQL, computed in an earlier statement) no transaction of this
# database is still running, so nothing can commit behind the cursor.
_READ = """
SELECT transaction_id, position, tenant, type,
       CASE WHEN type = ANY($4::text[]) THEN data::text END AS data
FROM events
WHERE transaction_id < $5::text::xid8
  AND (transaction_id, position) > ($1::xid8, $2::bigint)
ORDER BY transaction_id, position
LIMIT $3
"""

_MOVE = """
UPDATE projection_checkpoints
SET transaction_id = $3, position = $4, applied = applied + $5, updated_at = clock_timestamp()
WHERE name = $1 AND version = $2 AND transaction_id = $6 AND position = $7 AND retired_at IS NULL
"""


class CheckpointMoved(RuntimeError):
    """Another applier committed this version's batch first (or the version was retired)."""


@dataclass(frozen=True)
class Target:
    projection: Projection
    version: int
    building: bool

    @property
    def schema(self) -> str:
        return self.projection.schema(self.version)


async def apply_batch(conn: asyncpg.Connection, target: Target, batch_size: int) -> int:
    """Fold the next batch into ``target`` inside the caller's transaction; the number of events read."""
    projection = target.projection
    checkpoint = await conn.fetchrow(
        "SELECT transaction_id, position, applied FROM projection_checkpoints"
        " WHERE name = $1 AND version = $2 AND retired_at IS NULL",
        projection.name,
        target.version,
    )
    if checkpoint is None:
        return 0
    horizon = await conn.fetchval(HORIZON_SQL)
    rows = await conn.fetch(
        _READ, checkpoint["transaction_id"], checkpoint["position"], batch_size, sorted(projection.handles), horizon
    )
    if not rows:
        return 0
    base = checkpoint["applied"]
    events = [
        Event(base + i + 1, row["tenant"], row["type"], json.loads(row["data"]))
        for i, row in enumerate(rows)
        if row["data"] is not None
    ]
    await projection.apply(conn, target.schema, events)
    last = rows[-1]
    moved = await conn.execute(
        _MOVE,
        projection.name,
        target.version,
        last["transaction_id"],
        last["position"],
        len(rows),
        checkpoint["transaction_id"],
        checkpoint["position"],
    )
    if moved != "UPDATE 1":
        raise CheckpointMoved(target.schema)
    return len(rows)


async def apply_next(pool: asyncpg.Pool, target: Target, batch_size: int) -> int:
    """One batch in its own transaction; 0 when there is nothing to read (or another applier won)."""
    for _ in range(5):
        try:
            async with pool.acquire() as conn, conn.transaction():
                # Losing the last batches in a server crash is harmless: the checkpoint goes with them
                # and they are folded again, so the commit need not wait for the disk. Folds touch rows
                # by key: index lookups stay cheap as tables grow, where a scan per batch would not
                # (and statistics lag behind a bulk fold, so the planner cannot be trusted to know).
                await conn.execute(
                    "SET LOCAL synchronous_commit = off; SET LOCAL enable_seqscan = off; SET LOCAL jit = off"
                )
                return await apply_batch(conn, target, batch_size)
        except CheckpointMoved:
            return 0
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            await asyncio.sleep(0.05)
    return 0


async def targets(conn: asyncpg.Connection | asyncpg.Pool) -> list[Target]:
    """The versions to keep applying: every active one, and any being built beside it."""
    known = {p.name for p in PROJECTIONS}
    rows = await conn.fetch("SELECT name, active_version, building_version FROM projection_registry")
    found: list[Target] = []
    for row in rows:
        if row["name"] not in known:
            continue
        projection = by_name(row["name"])
        found.append(Target(projection, row["active_version"], building=False))
        if row["building_version"] is not None:
            found.append(Target(projection, row["building_version"], building=True))
    return found


async def analyze(pool: asyncpg.Pool, schema: str) -> None:
    """Fresh planner statistics and no dead rows after a bulk fold (autovacuum gets there, but later)."""
    tables = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
    for row in tables:
        await pool.execute(f'VACUUM (ANALYZE) {schema}."{row["tablename"]}"')


async def log_head(pool: asyncpg.Pool, tenant: str | None = None) -> tuple[int, int] | None:
    """The cursor of the last event committed now (of one tenant, if given); None for an empty log."""
    if tenant is None:
        row = await pool.fetchrow(
            "SELECT transaction_id, position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1"
        )
    else:
        row = await pool.fetchrow(
            "SELECT transaction_id, position FROM events WHERE tenant = $1"
            " ORDER BY transaction_id DESC, position DESC LIMIT 1",
            tenant,
        )
    return None if row is None else (row["transaction_id"], row["position"])


async def caught_up_to(pool: asyncpg.Pool, cursor: tuple[int, int]) -> bool:
    """Whether every active projection version has read up to ``cursor``."""
    return bool(
        await pool.fetchval(
            "SELECT bool_and((c.transaction_id, c.position) >= ($1::xid8, $2::bigint))"
            " FROM projection_registry r"
            " JOIN projection_checkpoints c ON c.name = r.name AND c.version = r.active_version",
            *cursor,
        )
    )
