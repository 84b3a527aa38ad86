"""What a read model is: the event types it folds, its tables, and how a batch of events lands in them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg


@dataclass(frozen=True, slots=True)
class Event:
    """One event of the log as a projection sees it.

    ``seq`` numbers the events of one projection version in log order ((transaction_id, position)),
    so "equal dates: the one accepted last" is a comparison of seq.
    """

    seq: int
    tenant: str
    type: str
    data: Mapping[str, Any]


Row = tuple[Any, ...]


def keep_first(kept: Row, later: Row) -> Row:
    return kept


@dataclass(frozen=True)
class Fold:
    """One event type, folded by one set-based statement over all its events of a batch.

    ``row`` turns an event into values for ``columns`` ("name type, …"); ``sql`` reads them as the
    relation ``{rows}`` (one row per event). Rows that agree on their first ``key`` values are one
    entity, and a statement may touch an entity only once, so ``keep`` merges them first (default: the
    earlier event wins).
    """

    sql: str
    columns: str
    row: Callable[[Event], Row]
    key: int = 0
    keep: Callable[[Row, Row], Row] = keep_first

    def statement(self, schema: str) -> str:
        names, types = zip(*(column.split() for column in self.columns.split(",")), strict=True)
        arrays = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(types, start=1))
        return in_schema(self.sql, schema).replace("{rows}", f"unnest({arrays}) AS r({', '.join(names)})")

    def collapse(self, rows: list[Row]) -> list[Row]:
        if not self.key:
            return rows
        merged: dict[Row, Row] = {}
        for row in rows:
            entity = row[: self.key]
            merged[entity] = self.keep(merged[entity], row) if entity in merged else row
        return list(merged.values())


Derive = Callable[[asyncpg.Connection, str, Sequence[Event]], Awaitable[None]]


@dataclass(frozen=True, eq=False)
class Projection:
    """A read model. Its tables live in one schema per version: ``{name}_v{version}``.

    Folds must not depend on the order of the events inside a batch (they upsert, keep the earliest
    date, or insert rows keyed by seq); ``derive`` then recomputes what spans several events for the
    entities the batch touched.
    """

    name: str
    layout: int
    tables: Callable[[str], str]
    folds: Mapping[str, Fold]
    derive: Derive | None = None

    @property
    def handles(self) -> frozenset[str]:
        return frozenset(self.folds)

    def schema(self, version: int) -> str:
        return f"{self.name}_v{version}"

    async def apply(self, conn: asyncpg.Connection, schema: str, events: Sequence[Event]) -> None:
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for event in events:
            fold = self.folds.get(event.type)
            if fold is not None:
                rows.setdefault(event.type, []).append(fold.row(event))
        for event_type, batch in rows.items():
            fold = self.folds[event_type]
            await conn.execute(fold.statement(schema), *zip(*fold.collapse(batch), strict=True))
        if self.derive is not None:
            await self.derive(conn, schema, events)


def in_schema(sql: str, schema: str) -> str:
    """SQL written with ``{s}`` for the schema of a projection version (braces elsewhere stay as they are)."""
    return sql.replace("{s}", schema)
