"""The indexes only reads use (``Projection.read_indexes``): a fresh version gets them once it has caught up.

A version created by ``registry.create_version`` on a log of some size has its tables and the indexes its
steps look rows up through, and none of the read indexes: folding the backlog of a whole log into it then
writes each row without updating them, and building them once over the filled tables costs a fraction of
that. They are built when the version's first catch-up reaches the head of the log (``runner.drain``, from
what the ``batches.Folder`` saw at its first batch) and, for a version being built beside the live one,
before ``switch.try_switch`` lets reads use it. The version's tables are the same with or without them, so
reads give the same answers either way; only a read of an active version that is still folding its first
backlog (a projection seen for the first time) runs without them.
"""

from __future__ import annotations

import asyncpg

from infra.aio import side_by_side
from projections.model import Projection, ReadIndex

# The read indexes of a version that do not exist ($1: the schema, $2: the index names); none once the schema
# itself is gone (a retired version).
_MISSING = """
SELECT name FROM unnest($2::text[]) AS name
WHERE to_regnamespace($1) IS NOT NULL AND to_regclass(quote_ident($1) || '.' || quote_ident(name)) IS NULL
"""

# The same count, in the statement that reads a version's checkpoint ($3: the index names, qualified).
UNINDEXED_SQL = "(SELECT count(*) FROM unnest($3::text[]) AS name WHERE to_regclass(name) IS NULL)"


# A version created while the log holds fewer events than this gets its read indexes at once: building them later
# would save next to nothing, and its first catch-up ends sooner without building them.
DEFERRED_FROM = 5000


async def create_if_small(conn: asyncpg.Connection, projection: Projection, schema: str) -> bool:
    """Create a new version's read indexes now if the log is small (see ``DEFERRED_FROM``); whether it did."""
    events = await conn.fetchval("SELECT count(*) FROM (SELECT FROM events LIMIT $1) AS head", DEFERRED_FROM)
    if events >= DEFERRED_FROM or not projection.read_indexes:
        return False
    await conn.execute(";\n".join(index.ddl(schema) for index in projection.read_indexes))
    return True


def qualified(projection: Projection, schema: str) -> list[str]:
    """The read indexes' names qualified with the version's schema (the argument of ``UNINDEXED_SQL``)."""
    return [f"{schema}.{index.name}" for index in projection.read_indexes]


async def build_read_indexes(pool: asyncpg.Pool, projection: Projection, schema: str) -> list[str]:
    """Create the read indexes the version ``schema`` lacks, on two connections at once; the names created.

    Another process creating the same index at the same time is no error: the index exists either way.
    """
    missing = {
        row["name"]
        for row in await pool.fetch(_MISSING, schema, [index.name for index in projection.read_indexes])
    }
    todo = [index for index in projection.read_indexes if index.name in missing]
    created: list[str] = []

    async def build_some() -> None:
        async with pool.acquire() as conn:
            while todo:
                index = todo.pop(0)
                if await _create(conn, index, schema):
                    created.append(index.name)

    await side_by_side(*(build_some() for _ in range(min(2, len(todo)))))
    return created


async def _create(conn: asyncpg.Connection, index: ReadIndex, schema: str) -> bool:
    try:
        async with conn.transaction():
            await conn.execute(index.ddl(schema))
        return True
    except (asyncpg.DuplicateTableError, asyncpg.UniqueViolationError):
        return False  # created by another process meanwhile
