"""What a read model is: its tables, and the set-based statements that fold a batch of events into them.

A batch of the log is copied, inside the applying transaction, into the session's temporary table
``projection_batch``: ``seq``, ``tenant``, ``type``, ``key`` (the entity the event is about, when the
projection keys its type), ``data`` and ``recorded_at``, for the event types the projection handles. A projection's
``steps`` then read it as ``{batch}``: each step is one statement over all the batch's events, run in
order, so a later step sees what the earlier ones wrote. Every step of a batch goes to the server in one
round trip, and the event data never leaves the server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import asyncpg

BATCH_TABLE = "pg_temp.projection_batch"

# One per session, found by type; each batch empties it first (see ``emptying``). The session's buffers for
# temporary tables are sized for a large batch before the table is first used (that can only be set then; if
# the session used temporary tables before, it keeps what it has). No ON COMMIT DELETE ROWS: PostgreSQL then
# truncates every such table of the session (and its TOAST table and indexes) at each commit that touched any
# temporary table, about 1 ms a relation — 20 ms and more for each live batch of a few events.
BATCH_DDL = """
DO $$
BEGIN
    IF to_regclass('pg_temp.projection_batch') IS NULL THEN
        BEGIN
            PERFORM set_config('temp_buffers', '64MB', false);
        EXCEPTION WHEN invalid_parameter_value THEN
            NULL;
        END;
        CREATE TEMPORARY TABLE projection_batch (
            seq     bigint  NOT NULL,
            tenant  text    COLLATE "C" NOT NULL,
            type    text    COLLATE "C" NOT NULL,
            key     text    COLLATE "C",
            data    jsonb   NOT NULL,
            recorded_at timestamptz NOT NULL
        );
        CREATE INDEX projection_batch_by_type ON projection_batch (type);
    END IF;
END
$$"""


TRUNCATE_FROM_BYTES = 1024 * 1024
"""A session's table is emptied by TRUNCATE once its files (with its TOAST table and indexes) have grown to this
size, else by DELETE. A DELETE costs next to nothing for a live batch of a few rows, but no VACUUM ever runs on a
temporary table, so the space of the rows it removes is not used again and the files grow with every batch; a
TRUNCATE (new, empty files) costs about 1 ms per relation, so it is paid only once the rows of many batches have
piled up (and after a large batch)."""


def emptying(tables: Sequence[str], truncate_from: int | None = None) -> str:
    """A statement that empties the session's temporary ``tables``: by TRUNCATE those whose files have reached
    ``truncate_from`` bytes (default TRUNCATE_FROM_BYTES; 0: all), by DELETE the others."""
    if truncate_from is None:
        truncate_from = TRUNCATE_FROM_BYTES
    names = ", ".join(f"'{table}'" for table in tables)
    return f"""
DO $$
DECLARE
    t regclass;
BEGIN
    FOREACH t IN ARRAY ARRAY[{names}]::regclass[] LOOP
        IF pg_total_relation_size(t) >= {int(truncate_from)} THEN
            EXECUTE format('TRUNCATE %s', t);
        ELSE
            EXECUTE format('DELETE FROM %s', t);
        END IF;
    END LOOP;
END
$$"""


@dataclass(frozen=True, slots=True)
class Batch:
    """The events of one batch, held in ``projection_batch``.

    ``seq`` numbers the events of one projection version in log order ((transaction_id, position)), so
    "equal dates: the one accepted last" is a comparison of seq; this batch holds ``first_seq`` to
    ``last_seq`` (events of types the projection does not handle are counted but not copied).
    """

    first_seq: int
    last_seq: int
    types: frozenset[str]
    tenants: frozenset[str] = frozenset()
    staged: bool = False  # its staged rows are in the session's tables (see Staging)
    early: bool = False  # its early steps ran (see Step)

    @property
    def size(self) -> int:
        return self.last_seq - self.first_seq + 1


@dataclass(frozen=True)
class Staging:
    """Rows derived from the batch alone (``sql``, a SELECT over ``{batch}``), which steps read as
    ``{staged:<name>}``.

    A batch read ahead while another one is folded (see ``batches.Folder``) gets them computed into the
    session's temporary table ``name`` (``columns``: its column definitions) meanwhile; otherwise steps
    compute them as they go.
    """

    name: str
    columns: str
    sql: str
    types: frozenset[str]

    @property
    def ddl(self) -> str:
        return (
            f"IF to_regclass('pg_temp.{self.name}') IS NULL THEN"
            f" CREATE TEMPORARY TABLE {self.name} ({self.columns}); END IF;"
        )


@dataclass(frozen=True)
class Step:
    """One statement over the whole batch, run when the batch holds an event of one of ``types`` (no types:
    any batch) of at least ``min_events`` events.

    ``sql`` reads the batch as ``{batch}``, the seq of its first event as ``{first_seq}`` and the version's
    schema as ``{s}``. An ``early`` step only adds rows of the batch's own events, computed from the batch alone
    (nothing that earlier batches or other steps write): a batch read ahead runs it as soon as it is read,
    before the batch folded meanwhile has committed (and in the same transaction as its own fold, so it is
    dropped with it); otherwise it runs in order with the others.
    """

    sql: str
    types: frozenset[str]
    min_events: int = 0
    early: bool = False

    def runs_for(self, batch: Batch) -> bool:
        return (not self.types or bool(self.types & batch.types)) and batch.size >= self.min_events


# Sample size of the statistics the projections take (autovacuum's default is 100): plenty for the planner's
# choices here, and several times cheaper.
STATISTICS_TARGET = 10

# Tables that hold some rows but were never analysed with rows in them have no statistics, and the planner
# then picks between indexes that start with tenant blindly (it may probe by tenant alone and filter by
# key, a scan per row). One ANALYZE once a table has a few pages is enough: row counts the planner scales
# with the table's size. A large batch runs this between its statements, as tables may fill from empty in
# it; a table that fills over small batches gets it in the next large one (small ones cannot hurt).
STATISTICS = Step(
    f"""
DO $$
DECLARE
    unseen regclass;
BEGIN
    PERFORM set_config('default_statistics_target', '{STATISTICS_TARGET}', true);
    FOR unseen IN
        SELECT c.oid FROM pg_class c
        WHERE c.relnamespace = '{{s}}'::regnamespace AND c.relkind = 'r' AND c.reltuples <= 0
          AND pg_relation_size(c.oid) >= 8 * current_setting('block_size')::integer
    LOOP
        EXECUTE format('ANALYZE %s', unseen);
    END LOOP;
END
$$""",
    frozenset(),
    min_events=500,
)


@dataclass(frozen=True)
class ReadIndex:
    """An index that only reads use: no step looks rows up through it.

    A fresh version folds its backlog without it (every row written would otherwise update it as well), and
    gets it once it has caught up with the log, before it answers reads (see ``projections.indexes``).
    ``definition`` is what follows the table in CREATE INDEX: the columns, and any WHERE clause.
    """

    name: str
    table: str
    definition: str

    def ddl(self, schema: str) -> str:
        return f"CREATE INDEX IF NOT EXISTS {self.name} ON {schema}.{self.table} {self.definition}"


@dataclass(frozen=True, eq=False)
class Projection:
    """A read model. Its tables live in one schema per version: ``{name}_v{version}``.

    ``keys`` names, per event type, the field of the data that identifies the entity the event is folded
    into (the batch's ``key``); ``tenants`` is a statement run with the batch's tenants ($1, text[]) before
    the steps; ``read_indexes`` are the indexes only reads use (``tables`` creates the rest). Steps write each
    table once per batch: the events of one entity are merged
    in the statement (first event wins, or the earliest date), and merged the same way with what earlier
    batches wrote, so the result does not depend on where the batch boundaries fall. Statements that
    recompute what spans several entities write a row only when its value changes.
    """

    name: str
    layout: int
    tables: Callable[[str], str]
    steps: Sequence[Step]
    keys: Mapping[str, str]
    tenants: str = ""
    staging: Sequence[Staging] = ()
    read_indexes: Sequence[ReadIndex] = ()
    handles: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "handles", frozenset[str]().union(*(step.types for step in self.steps)))

    def schema(self, version: int) -> str:
        return f"{self.name}_v{version}"

    @cached_property
    def session_ddl(self) -> str:
        """The session's temporary tables for staged rows, created when missing (after the batch table)."""
        if not self.staging:
            return ""
        return "DO $$ BEGIN " + " ".join(staging.ddl for staging in self.staging) + " END $$"

    @cached_property
    def session_tables(self) -> tuple[str, ...]:
        """The session's temporary tables a batch of this projection fills: the batch table, the staged rows."""
        return (BATCH_TABLE, *(f"pg_temp.{staging.name}" for staging in self.staging))

    def stage(self, batch: Batch, analyze: bool) -> str:
        """The statements that put the staged rows of ``batch`` (and their statistics) in the session's tables,
        as one script."""
        statements = []
        for staging in self.staging:
            if staging.types & batch.types:
                statements.append(f"DELETE FROM pg_temp.{staging.name}")
                statements.append(f"INSERT INTO pg_temp.{staging.name} {staging.sql}")
                if analyze:
                    statements.append(f"ANALYZE pg_temp.{staging.name}")
        return ";\n".join(statements).replace("{batch}", BATCH_TABLE)

    def early(self, schema: str, batch: Batch) -> str:
        """The early steps for ``batch`` (see ``Step``), as one script."""
        script = ";\n".join(step.sql for step in self.steps if step.early and step.runs_for(batch))
        script = script.replace("{batch}", BATCH_TABLE).replace("{first_seq}", str(int(batch.first_seq)))
        return in_schema(script, schema)

    @cached_property
    def key_sql(self) -> str:
        """SQL over an event's ``type`` and ``data``: its entity key (null for types without one)."""
        if not self.keys:
            return "NULL::text"
        cases = " ".join(f"WHEN '{event_type}' THEN data->>'{key}'" for event_type, key in sorted(self.keys.items()))
        return f"(CASE type {cases} END)"

    def script(self, schema: str, batch: Batch) -> str:
        """The statements for ``batch``, as one script."""
        script = ";\n".join(
            step.sql for step in self.steps if step.runs_for(batch) and not (step.early and batch.early)
        )
        for staging in self.staging:
            staged = f"pg_temp.{staging.name}" if batch.staged else f"({staging.sql}) AS {staging.name}"
            script = script.replace(f"{{staged:{staging.name}}}", staged)
        script = script.replace("{batch}", BATCH_TABLE).replace("{first_seq}", str(int(batch.first_seq)))
        return in_schema(script, schema)

    async def apply(self, conn: asyncpg.Connection, schema: str, batch: Batch) -> None:
        if self.tenants and batch.tenants:
            await conn.execute(in_schema(self.tenants, schema), sorted(batch.tenants))
        script = self.script(schema, batch)
        if script:
            await conn.execute(script)


def in_schema(sql: str, schema: str) -> str:
    """SQL written with ``{s}`` for the schema of a projection version (braces elsewhere stay as they are)."""
    return sql.replace("{s}", schema)
