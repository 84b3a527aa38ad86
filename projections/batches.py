"""Folding the log into a projection version, one batch per transaction, and where versions stand.

A batch and the checkpoint move in one transaction, and the checkpoint only moves by compare-and-set,
so a crash never double-counts or skips, and two appliers of one version can never both commit the
same batch. Every event gets ``seq`` = its ordinal in the log, which is how "equal dates: the one
accepted last" is decided by the folds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import asyncpg

from infra.aio import side_by_side
from infra.store import HORIZON_SQL
from projections.catalog import PROJECTIONS, by_name
from projections.indexes import UNINDEXED_SQL, qualified
from projections.model import BATCH_DDL, BATCH_TABLE, STATISTICS_TARGET, Batch, Projection, emptying

# Below the horizon (infra.store.HORIZON_SQL, computed in an earlier statement) no transaction that could
# still append to the log is running, so nothing can commit behind the cursor. The batch's events of the
# types the projection handles are copied into the session's batch table, numbered in log order; the
# statement answers the cursor and seq of the batch's last event, and the types and tenants it copied.
_READ = """
WITH picked AS MATERIALIZED (
    SELECT $6::bigint + row_number() OVER (ORDER BY transaction_id, position) AS seq, *
    FROM (
        SELECT transaction_id, position, tenant, type, recorded_at,
               CASE WHEN type = ANY($4::text[]) THEN data END AS data
        FROM events
        WHERE transaction_id < $5::text::xid8
          AND (transaction_id, position) > ($1::xid8, $2::bigint)
        ORDER BY transaction_id, position
        LIMIT $3
    ) AS page
), copied AS (
    INSERT INTO {batch} (seq, tenant, type, key, data, recorded_at)
    SELECT seq, tenant, type, {key}, data, recorded_at FROM picked WHERE data IS NOT NULL
)
SELECT last.transaction_id, last.position, last.seq, seen.types, seen.tenants
FROM picked AS last,
     (SELECT coalesce(array_agg(DISTINCT type), '{}') AS types, coalesce(array_agg(DISTINCT tenant), '{}') AS tenants
      FROM (SELECT type, tenant FROM picked WHERE data IS NOT NULL GROUP BY type, tenant) AS pairs) AS seen
WHERE last.seq = (SELECT max(seq) FROM picked)
"""

# A large batch gets statistics, so the planner sizes what steps derive from it (hashing a large batch
# where it would otherwise probe indexes row by row); for a small one its guesses (a few rows of each type)
# are right anyway.
ANALYZE_BATCH_FROM = 5000


def _read(projection: Projection) -> str:
    return _READ.replace("{batch}", BATCH_TABLE).replace("{key}", projection.key_sql)


_MOVE = """
UPDATE projection_checkpoints
SET transaction_id = $3, position = $4, applied = applied + $5, updated_at = clock_timestamp()
WHERE name = $1 AND version = $2 AND transaction_id = $6 AND position = $7 AND retired_at IS NULL
"""


# Batch sizes: a live runner reads what arrived, in batches of FIRST_BATCH; a catch-up multiplies the size
# of its batches by GROWTH while they come full, up to MAX_BATCH. Large batches are much faster: fixed costs
# per batch, and an entity whose events fall in one batch is written once (later batches update its row,
# which costs about twice as much as inserting it, and each batch's merge joins the tables as they have grown).
# In a log of many tenants in business-time order, a batch of 64,000 events spans about two months, so
# most bookings were written again by a later batch (a log of 1 M events: 134,000 updates of 154,000 bookings);
# batches of 256,000 cut that to a third. The first ones stay small, so a backlog starts showing progress
# at once and the batch read ahead of a large one overlaps a fold of some length.
FIRST_BATCH = 1000
GROWTH = 4
MAX_BATCH = 256_000


def next_size(size: int, read: int, fixed: int | None) -> int:
    """The size of the batch after one of ``size`` events that read ``read``: ``fixed`` if given."""
    if fixed is not None:
        return fixed
    return min(size * GROWTH, MAX_BATCH) if read >= size else FIRST_BATCH


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


@dataclass(frozen=True)
class Loaded:
    """A batch copied into the batch table of ``conn``'s open transaction, not yet folded."""

    start: tuple[int, int]  # the cursor the checkpoint must be at (the batch reads from after it)
    end: tuple[int, int]  # the cursor of the batch's last event
    batch: Batch

    @property
    def read(self) -> int:
        return self.batch.size


# The session's tables stay from an earlier batch (or a transaction rolled back), so every batch empties them
# first — also for callers that fold several batches in one transaction. The log is read in index order: a scan
# of the whole log, or a bitmap scan and a sort, would cost more with every batch. Losing the last batches in a
# server crash is harmless: the checkpoint goes with them and they are folded again, so the commit need not
# wait for the disk.
_SETTINGS = (
    "SET LOCAL synchronous_commit = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;"
    " SET LOCAL enable_mergejoin = off; SET LOCAL jit = off; SET LOCAL work_mem = '64MB';"
    f" SET LOCAL default_statistics_target = {STATISTICS_TARGET}"
)


def _prepare(projection: Projection) -> str:
    """The statement that begins a batch: the session's tables (created when missing, then emptied), the settings."""
    ddl = f"{BATCH_DDL}; {projection.session_ddl}" if projection.session_ddl else BATCH_DDL
    return f"{ddl}; {emptying(projection.session_tables)}; {_SETTINGS}"


async def load(
    conn: asyncpg.Connection, target: Target, start: tuple[int, int], base: int, batch_size: int
) -> Loaded | None:
    """Copy the next batch after ``start`` (``base`` events read before it) into the batch table, inside the
    caller's transaction; None when there is nothing to read yet."""
    projection = target.projection
    horizon = await conn.fetchval(HORIZON_SQL)
    await conn.execute(_prepare(projection))
    last = await conn.fetchrow(_read(projection), *start, batch_size, sorted(projection.handles), horizon, base)
    if last is None:
        return None
    batch = Batch(base + 1, last["seq"], frozenset(last["types"]), frozenset(last["tenants"]))
    # The steps look up rows by key through indexes, or hash what a large batch touches: the planner picks,
    # knowing the sizes of the version's tables (see model.STATISTICS) and of a large batch.
    await conn.execute(
        "SET LOCAL enable_seqscan = on; SET LOCAL enable_bitmapscan = on"
        + (f"; ANALYZE {BATCH_TABLE} (type, tenant, key)" if batch.size >= ANALYZE_BATCH_FROM else "")
    )
    return Loaded(start, (last["transaction_id"], last["position"]), batch)


async def stage(conn: asyncpg.Connection, target: Target, loaded: Loaded) -> Loaded:
    """Put the projection's staged rows of a loaded batch in the session's tables (see ``model.Staging``)."""
    staged = target.projection.stage(loaded.batch, analyze=loaded.read >= ANALYZE_BATCH_FROM)
    if staged:
        await conn.execute(staged)
    return replace(loaded, batch=replace(loaded.batch, staged=True))


async def insert_early(conn: asyncpg.Connection, target: Target, loaded: Loaded) -> Loaded:
    """Run the early steps of a loaded batch (see ``model.Step``), inside the caller's transaction."""
    script = target.projection.early(target.schema, loaded.batch)
    if script:
        await conn.execute(script)
    return replace(loaded, batch=replace(loaded.batch, early=True))


async def fold(conn: asyncpg.Connection, target: Target, loaded: Loaded) -> int:
    """Fold a loaded batch and move the checkpoint past it (compare-and-set), inside the caller's transaction."""
    projection = target.projection
    await projection.apply(conn, target.schema, loaded.batch)
    moved = await conn.execute(
        _MOVE, projection.name, target.version, *loaded.end, loaded.read, *loaded.start
    )
    if moved != "UPDATE 1":
        raise CheckpointMoved(target.schema)
    if loaded.read >= ANALYZE_BATCH_FROM:
        # A large batch's rows do not wait in the session's files for its next batch.
        await conn.execute(emptying(projection.session_tables, truncate_from=0))
    return loaded.read


class Checkpoint(NamedTuple):
    cursor: tuple[int, int]
    applied: int  # events read so far
    unindexed: bool  # some of its read indexes are not built yet (see projections.indexes)


_CHECKPOINT = f"""
SELECT transaction_id, position, applied, {UNINDEXED_SQL} > 0 AS unindexed
FROM projection_checkpoints WHERE name = $1 AND version = $2 AND retired_at IS NULL
"""


async def checkpoint(conn: asyncpg.Connection, target: Target) -> Checkpoint | None:
    """Where the version stands; None once it is retired."""
    row = await conn.fetchrow(
        _CHECKPOINT, target.projection.name, target.version, qualified(target.projection, target.schema)
    )
    if row is None:
        return None
    return Checkpoint((row["transaction_id"], row["position"]), row["applied"], row["unindexed"])


async def apply_batch(conn: asyncpg.Connection, target: Target, batch_size: int) -> int:
    """Fold the next batch into ``target`` inside the caller's transaction; the number of events read."""
    at = await checkpoint(conn, target)
    if at is None:
        return 0
    loaded = await load(conn, target, at.cursor, at.applied, batch_size)
    return 0 if loaded is None else await fold(conn, target, loaded)


# Raised when another applier is folding the same batch (new rows are inserted without ON CONFLICT, so the
# loser of the race may fail on a unique index rather than on the checkpoint): read the checkpoint again.
_RACES = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError, asyncpg.UniqueViolationError)


# A connection's release resets its session; asyncpg's budget for that is otherwise the timeout it was acquired
# with, which for a batch read ahead is the short wait for a spare connection (a busy server then fails the
# release, and with it a fold that had committed).
_RELEASE_SECONDS = 60.0


class _Open:
    """A pooled connection with a transaction open on it, and the batch read into it (None: nothing to read)."""

    def __init__(self, pool: asyncpg.Pool, conn: asyncpg.Connection, transaction: Any, size: int) -> None:
        self.pool, self.conn, self.transaction, self.size = pool, conn, transaction, size
        self.loaded: Loaded | None = None
        self.closed = False

    @classmethod
    async def begin(cls, pool: asyncpg.Pool, size: int, *, wait: bool = True) -> _Open | None:
        """None when ``wait`` is false and the pool has no connection to spare."""
        try:
            conn = await pool.acquire(timeout=None if wait else 0.05)
        except TimeoutError:
            return None
        transaction = conn.transaction()
        try:
            await transaction.start()
        except BaseException:
            await pool.release(conn, timeout=_RELEASE_SECONDS)
            raise
        return cls(pool, conn, transaction, size)

    async def commit(self) -> None:
        self.closed = True
        try:
            await self.transaction.commit()
        finally:
            await self.pool.release(self.conn, timeout=_RELEASE_SECONDS)

    async def discard(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self.transaction.rollback()
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            pass
        finally:
            await self.pool.release(self.conn, timeout=_RELEASE_SECONDS)


class Folder:
    """Folds one version batch after batch, each batch and its checkpoint in one transaction.

    While a batch is folded, the next one is already read into the batch table of a second connection (when
    the pool has one to spare), in a transaction of its own, so reading and folding overlap. The batch read
    ahead starts where the current one ends; it is folded only after the current one has committed, and its
    compare-and-set on the checkpoint fails (the batch is dropped) should that not have happened.
    """

    def __init__(self, pool: asyncpg.Pool, target: Target, batch_size: int | None) -> None:
        self.pool, self.target, self.fixed = pool, target, batch_size
        self.size = batch_size or FIRST_BATCH
        self.ahead: asyncio.Task[_Open | None] | None = None
        # Whether the version lacked some of its read indexes at the first batch this folder read (they are
        # built once it has caught up, see projections.indexes).
        self.unindexed = False
        # Whether the last step reached the head of the log (its batch was not full, or there was nothing to read).
        self.at_head = False

    async def step(self) -> int:
        """One batch; the events it read, 0 when there is nothing to read (or another applier won)."""
        for _ in range(5):
            current = await self._take_ahead()
            try:
                if current is None:
                    current = await self._begin()
                loaded = current.loaded
                self.at_head = loaded is None or loaded.read < current.size
                if loaded is None:
                    await current.discard()
                    return 0
                self.size = next_size(current.size, loaded.read, self.fixed)
                if loaded.read >= current.size:  # not at the head of the log: read the next batch meanwhile
                    self.ahead = asyncio.create_task(self._read_ahead(loaded, self.size))
                read = await fold(current.conn, self.target, loaded)
                await current.commit()
                return read
            except CheckpointMoved:
                await self._abandon(current)
                return 0
            except _RACES:
                await self._abandon(current)
                await asyncio.sleep(0.05)
            except asyncpg.exceptions.InternalClientError as error:
                # What asyncpg may raise for a connection whose server process went away while another one
                # of the pool was busy: report it like any lost connection.
                await self._abandon(current)
                raise asyncpg.ConnectionDoesNotExistError(str(error)) from error
            except BaseException:
                await self._abandon(current)
                raise
        return 0

    async def _abandon(self, current: _Open | None) -> None:
        if current is not None:
            await current.discard()
        await self.close()

    async def close(self) -> None:
        """Drop the batch read ahead, if any (the folder may be used again)."""
        opened = await self._take_ahead()
        if opened is not None:
            await opened.discard()

    async def _begin(self) -> _Open:
        opened = await _Open.begin(self.pool, self.size)
        assert opened is not None
        try:
            at = await checkpoint(opened.conn, self.target)
            if at is not None:
                self.unindexed = at.unindexed
                opened.loaded = await load(opened.conn, self.target, at.cursor, at.applied, self.size)
            return opened
        except BaseException:
            await opened.discard()
            raise

    async def _read_ahead(self, after: Loaded, size: int) -> _Open | None:
        opened = await _Open.begin(self.pool, size, wait=False)
        if opened is None:
            return None
        try:
            loaded = await load(opened.conn, self.target, after.end, after.batch.last_seq, size)
            if loaded is not None:
                # Work its fold would do anyway, done meanwhile: the staged rows (with statistics, so the fold's
                # plans are sized for them) and the early inserts. Should this outlast the current fold, the fold
                # of this batch waits for it, but no longer than it would have taken to do the same work itself.
                loaded = await insert_early(opened.conn, self.target, await stage(opened.conn, self.target, loaded))
            opened.loaded = loaded
            return opened
        except BaseException:
            await opened.discard()
            raise

    async def _take_ahead(self) -> _Open | None:
        task, self.ahead = self.ahead, None
        if task is None:
            return None
        try:
            return await task
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            return None  # read again on a connection of its own


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
    """Fresh planner statistics after a bulk fold (autovacuum gets there, but later).

    Folds write a row about once per batch, so there is little for a VACUUM to clean up; the statistics
    come from a smaller sample than autovacuum takes (STATISTICS_TARGET), which is plenty for the planner's
    choices here and several times cheaper. Two tables at a time, largest first.
    """
    tables = [
        row["relname"]
        for row in await pool.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY pg_relation_size(c.oid) DESC",
            schema,
        )
    ]

    async def analyze_some() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL default_statistics_target = {STATISTICS_TARGET}")
            while tables:
                await conn.execute(f'ANALYZE {schema}."{tables.pop(0)}"')

    await side_by_side(analyze_some(), analyze_some())


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
